/** `optirelay check [--config FILE]`: validate a config and print every issue as `file:line:col: path: message`. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, formatConfigIssue, type ConfigIssue } from '../../core/errors.js';
import type { LoadedConfig } from '../../config/load.js';
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
    const loaded = await loadAndValidate({ file: opts.config, env: opts.env, cwd: opts.cwd });
    const missing = missingSyncFiles(loaded, opts.cwd ?? process.cwd());
    if (missing.length > 0) throw new ConfigError(missing);
    const { config, file } = loaded;
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

/**
 * File-based sync sources (sqlite, csv, ndjson) must exist. `check` looks (loading does not: a file may be produced
 * after optirelay starts, and a run reports it then), so a typo shows before the first scheduled run fails.
 */
function missingSyncFiles({ config, file, locate }: LoadedConfig, cwd: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.syncs.forEach((s, i) => {
    if (!('path' in s.source)) return;
    const target = path.resolve(cwd, s.source.path);
    if (existsSync(target)) return;
    const p = `/syncs/${i}/source/path`;
    issues.push({ file, ...(locate(p) ?? {}), path: p, message: `sync '${s.id}': no file at ${target}. Fix: check the path; it is relative to the directory optirelay runs in.` });
  });
  return issues;
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
