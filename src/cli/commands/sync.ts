/**
 * `optirelay sync plan | run | reset | runs | list` — warehouse syncs from the command line, against the store the
 * config names (safe beside a running server: the run lease keeps one run per sync across processes).
 *
 *   optirelay sync list                       configured syncs and their last run
 *   optirelay sync plan <id> [--sample N] [--json]   dry run: counts and sample operations, nothing written
 *   optirelay sync run <id> [--json] [--no-progress] run now (progress bar: rows read, operations, ETA)
 *   optirelay sync reset <id>                 forget the snapshot (the next run is a full resync)
 *   optirelay sync runs <id> [--limit N] [--run ID] [--json]   run history; --run shows one run with row errors
 *
 * Exit codes: 0 completed, 1 failed / cancelled / row errors, 2 usage, 3 a run was already in progress.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadAndValidate } from '../load-config.js';
import { openStore } from '../../store/open.js';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../logger.js';
import { SyncService } from '../../sync/service.js';
import type { SyncProgress, SyncPlan } from '../../sync/runner.js';
import type { SyncRun } from '../../store/sync-types.js';
import { isoOrDash, stdout } from '../output.js';

async function withService<T>(configFile: string | undefined, fn: (svc: SyncService) => Promise<T>): Promise<T> {
  const { config } = await loadAndValidate({ file: configFile });
  const store = await openStore(config.store, { dataDir: config.dataDir });
  const svc = new SyncService({ config, store, clock: systemClock, logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' }) });
  try {
    return await fn(svc);
  } finally {
    await svc.stop();
    await store.close();
  }
}

function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRun(r: SyncRun): string {
  const c = r.counts;
  const dur = r.finishedAt && r.startedAt ? ` in ${fmtMs(r.finishedAt - r.startedAt)}` : '';
  return [
    `run ${r.id} ${r.status} (${r.trigger}) started ${isoOrDash(r.startedAt)}${dur}${r.resumes ? `, resumed ${r.resumes}×` : ''}`,
    `  rows read ${c.rowsRead}; added ${c.added.succeeded} ok / ${c.added.failed} failed; changed ${c.changed.succeeded} / ${c.changed.failed}; removed ${c.removed.succeeded} / ${c.removed.failed}; unchanged ${c.unchanged}; invalid ${c.invalid}; requests ${c.requests}`,
    ...(r.error ? [`  error: ${r.error}`] : []),
  ].join('\n');
}

export function formatPlan(p: SyncPlan): string {
  const lines = [
    `sync ${p.syncId}: ${p.object}, mode ${p.mode} (dry run — nothing written)`,
    `  rows read ${p.rowsRead}: added ${p.added}, changed ${p.changed}, removed ${p.removed}, unchanged ${p.unchanged}, invalid ${p.invalid}`,
    `  about ${p.requests} request(s), ~${fmtMs(p.etaMs)} at the rate limit`,
  ];
  if (p.sample.length) lines.push('  sample operations:', ...p.sample.map((s) => `    ${s.op.padEnd(8)} ${s.pk}: ${s.action}${s.body ? ` ${JSON.stringify(s.body)}` : ''}`));
  if (p.invalidSample.length) lines.push('  invalid rows:', ...p.invalidSample.map((s) => `    ${s.pk ?? '(no key)'}: ${s.message}`));
  return lines.join('\n');
}

export function register(program: Command): void {
  const sync = program
    .command('sync')
    .description('Warehouse syncs into Optimizely: plan (dry run), run, reset, run history')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)');
  const configOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { config?: string }).config;

  sync
    .command('list')
    .description('Configured syncs and their last run')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) =>
      withService(configOf(cmd), async (svc) => {
        const list = await svc.list();
        if (o.json) return stdout(JSON.stringify(list, null, 2));
        if (!list.length) return stdout('no syncs configured (add syncs: to the config)');
        for (const s of list) stdout(`${s.id}: ${s.object} ${s.mode} from ${s.source} → ${s.destination}${s.schedule ? ` every "${s.schedule}"` : ' (manual)'}${s.lastRun ? `; last run ${s.lastRun.id} ${s.lastRun.status} ${isoOrDash(s.lastRun.finishedAt ?? s.lastRun.startedAt)}` : '; never run'}`);
      }),
    );

  sync
    .command('plan <id>')
    .description('Dry run: read the model, diff it against the snapshot, print counts and sample operations; nothing is written')
    .option('--sample <n>', 'how many sample operations (default 10)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (id: string, o: { sample?: number; json?: boolean }, cmd: Command) =>
      withService(configOf(cmd), async (svc) => {
        const plan = await svc.plan(id, { sample: o.sample });
        stdout(o.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
      }),
    );

  sync
    .command('run <id>')
    .description('Run a sync now (trigger manual), with a progress bar')
    .option('--json', 'print the finished run as JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (id: string, o: { json?: boolean; progress?: boolean }, cmd: Command) =>
      withService(configOf(cmd), async (svc) => {
        const showBar = o.progress !== false && !o.json && process.stderr.isTTY;
        const bar = showBar
          ? new cliProgress.SingleBar(
              { format: ' {phase} |{bar}| {applied}/{total} ops · {rows} rows read · {requests} requests · ETA {eta_rl}', hideCursor: true, stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        let barStarted = false;
        const onProgress = (p: SyncProgress): void => {
          if (!bar) return;
          const payload = { phase: p.phase, rows: p.rowsRead, requests: p.requests, eta_rl: fmtMs(p.etaMs), applied: p.applied };
          if (!barStarted) {
            bar.start(Math.max(1, p.toApply), p.applied, payload);
            barStarted = true;
          }
          bar.setTotal(Math.max(1, p.toApply));
          bar.update(p.applied, payload);
        };
        const abort = new AbortController();
        const onSig = (): void => abort.abort();
        process.once('SIGINT', onSig);
        process.once('SIGTERM', onSig);
        try {
          const out = await svc.run(id, { trigger: 'manual', onProgress, signal: abort.signal });
          bar?.stop();
          if (out.status === 'busy') {
            process.stderr.write(`optirelay sync: ${id} is already running (run ${out.running.id}, lease until ${isoOrDash(out.running.leaseExpiresAt)}); not started\n`);
            process.exitCode = 3;
            return;
          }
          const detail = await svc.getRun(id, out.run.id, { errors: 20 });
          if (o.json) stdout(JSON.stringify(detail, null, 2));
          else {
            stdout(formatRun(out.run));
            for (const e of detail?.rowErrors ?? []) stdout(`  ${e.op} ${e.pk ?? '(no key)'}: ${e.message}`);
          }
          const c = out.run.counts;
          if (out.status !== 'completed' || c.added.failed + c.changed.failed + c.removed.failed > 0) process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSig);
          process.off('SIGTERM', onSig);
        }
      }),
    );

  sync
    .command('reset <id>')
    .description('Forget the snapshot: the next run re-sends every row (full resync)')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      withService(configOf(cmd), async (svc) => {
        const { dropped } = await svc.reset(id);
        stdout(`sync ${id}: snapshot cleared (${dropped} rows); the next run is a full resync`);
      }),
    );

  sync
    .command('runs <id>')
    .description('Run history (newest first); --run <runId> shows one run with its row errors')
    .option('--limit <n>', 'how many runs (default 20)', (v) => Number(v))
    .option('--run <runId>', 'one run, with row errors', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (id: string, o: { limit?: number; run?: number; json?: boolean }, cmd: Command) =>
      withService(configOf(cmd), async (svc) => {
        if (o.run !== undefined) {
          const r = await svc.getRun(id, o.run, { errors: 1000 });
          if (!r) {
            process.stderr.write(`optirelay sync: no run ${o.run} of sync ${id}\n`);
            process.exitCode = 1;
            return;
          }
          if (o.json) return stdout(JSON.stringify(r, null, 2));
          stdout(formatRun(r));
          for (const e of r.rowErrors) stdout(`  ${e.op} ${e.pk ?? '(no key)'}: ${e.message}`);
          return;
        }
        const runs = await svc.runs(id, { limit: o.limit ?? 20 });
        if (o.json) return stdout(JSON.stringify(runs, null, 2));
        if (!runs.length) return stdout(`sync ${id} has not run yet`);
        for (const r of runs) stdout(formatRun(r));
      }),
    );
}
