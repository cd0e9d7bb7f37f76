/**
 * `optirelay mapping test --config C --destination D --mapping M --event event.json`: does the trigger match the
 * event, and what payload would the action get (resolved and validated), or which validation errors.
 * Exit code 0 when the trigger matches and the payload validates, 1 otherwise.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError, formatConfigIssue } from '../../core/errors.js';
import { redactString, redactValue } from '../../core/redact.js';
import type { SegmentEvent } from '../../core/event.js';
import { explainMismatch } from '../../mapping/index.js';
import { Router } from '../../pipeline/router.js';
import { loadAndValidate } from '../load-config.js';

export interface MappingTestOptions {
  config?: string;
  destination: string;
  mapping: string;
  event: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export async function runMappingTest(opts: MappingTestOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = opts.err ?? ((l: string) => process.stderr.write(l + '\n'));
  let router: Router;
  try {
    const { config } = await loadAndValidate({ file: opts.config, env: opts.env, cwd: opts.cwd });
    const dest = config.destinations.find((d) => d.id === opts.destination);
    if (!dest) {
      err(`✗ no destination "${opts.destination}" in the config. Fix: use one of: ${config.destinations.map((d) => d.id).join(', ') || '(none configured)'}.`);
      return 1;
    }
    // Test the mapping even when its destination is disabled in the config.
    router = new Router({ ...config, destinations: config.destinations.map((d) => (d.id === dest.id ? { ...d, enabled: true } : d)) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) err(redactString(formatConfigIssue(issue)));
    return 1;
  }
  const m = router.getMapping(opts.destination, opts.mapping);
  if (!m) {
    const ids = router.mappings().filter((x) => x.destinationId === opts.destination).map((x) => x.mappingId);
    err(`✗ no mapping "${opts.mapping}" in destination "${opts.destination}". Fix: use one of: ${ids.join(', ') || '(none)'}.`);
    return 1;
  }

  let event: SegmentEvent;
  try {
    const parsed: unknown = JSON.parse(await readFile(opts.event, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the file must hold one JSON object (a Segment event)');
    event = parsed as SegmentEvent;
  } catch (e) {
    err(`✗ cannot read the event from ${opts.event}: ${(e as Error).message}. Fix: pass a JSON file holding one Segment event, e.g. {"type":"track","event":"Order Completed","userId":"u1","properties":{}}.`);
    return 1;
  }

  out(`mapping ${m.destinationId}/${m.mappingId} → action ${m.action}${m.enabled ? '' : ' (disabled in the config)'}`);
  out(`trigger: ${m.trigger}`);
  const why = explainMismatch(m.triggerAst, event as unknown as Record<string, unknown>);
  out(why === undefined ? '✓ trigger matches' : `✗ trigger does not match: ${why}`);
  const result = router.resolvePayload(m, event);
  if (result.ok) {
    out('✓ payload is valid:');
    out(JSON.stringify(redactValue(result.payload), null, 2));
  } else {
    out(`✗ payload is invalid (${result.errors.length === 1 ? '1 error' : `${result.errors.length} errors`}):`);
    for (const e of result.errors) out(`  - ${e.field ? `${e.field}: ` : ''}${e.message}`);
  }
  return why === undefined && result.ok ? 0 : 1;
}

export function register(program: Command): void {
  const mapping = program.command('mapping').description('Work with mappings (triggers and field mappings)');
  mapping
    .command('test')
    .description('Show whether a mapping\'s trigger matches an event and the resolved, validated payload (exit 0 only if both)')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .requiredOption('-d, --destination <id>', 'destination id')
    .requiredOption('-m, --mapping <id>', 'mapping id (presets: "preset:<name>")')
    .requiredOption('-e, --event <file>', 'JSON file with one Segment event')
    .action(async (opts: { config?: string; destination: string; mapping: string; event: string }) => {
      process.exitCode = await runMappingTest(opts);
    });
}
