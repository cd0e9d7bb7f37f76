/** `optirelay check [--config FILE]`: validate a config and print every issue as `file:line:col: path: message`. */
import type { Command } from 'commander';
import { ConfigError, formatConfigIssue } from '../../core/errors.js';
import { redactString } from '../../core/redact.js';
import { loadAndValidate } from '../load-config.js';

export interface CheckOptions {
  config?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Returns the exit code: 0 valid, 1 invalid. Other failures (bugs) are thrown. */
export async function runCheck(opts: CheckOptions = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = opts.err ?? ((l: string) => process.stderr.write(l + '\n'));
  try {
    const { config, file } = await loadAndValidate({ file: opts.config, env: opts.env, cwd: opts.cwd });
    const mappings = config.destinations.reduce((n, d) => n + d.mappings.length, 0);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    out(
      `✓ ${file} is valid: ${plural(config.sources.length, 'source')}, ${plural(config.destinations.length, 'destination')} ` +
        `(${plural(mappings, 'mapping')}), ${plural(config.syncs.length, 'sync')}`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) err(redactString(formatConfigIssue(issue)));
    err(`✗ ${e.issues.length === 1 ? '1 problem' : `${e.issues.length} problems`} found`);
    return 1;
  }
}

export function register(program: Command): void {
  program
    .command('check')
    .description('Validate a config file and print every problem with its file, line and fix')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .action(async (opts: { config?: string }) => {
      process.exitCode = await runCheck({ config: opts.config });
    });
}
