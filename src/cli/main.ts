/**
 * The `optirelay` command. Each subcommand lives in cli/commands/<name>.ts and exports `register(program)`.
 */
import './apply-heap-tuning.js';
import { Command } from 'commander';
import { register as registerServe } from './commands/serve.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerSandbox } from './commands/sandbox.js';
import { register as registerMapping } from './commands/mapping.js';
import { register as registerDlq } from './commands/dlq.js';
import { register as registerSync } from './commands/sync.js';
import { register as registerPrivacy } from './commands/privacy.js';
import { register as registerBackup } from './commands/backup.js';
import { register as registerWorker } from './commands/worker.js';
import { VERSION } from '../version.js';

const program = new Command();
program.name('optirelay').description('Self-hosted pipeline from Segment SDKs and warehouses into Optimizely').version(VERSION);

for (const register of [registerServe, registerCheck, registerSandbox, registerMapping, registerDlq, registerSync, registerPrivacy, registerBackup, registerWorker]) {
  register(program);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  process.stderr.write(`optirelay: ${e.message}\n`);
  process.exit(1);
});
