/**
 * One run of a sync: take the run's lease (or resume a crashed run whose lease ran out), stream the model and diff
 * it against the snapshot, check the project (and list attribute), apply the planned operations under the rate
 * limit, and record counts and row errors. The snapshot advances row by row on success, so a run that dies is
 * resumed by the next start without redoing what it applied. `planSync` is the same diff with nothing written.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { OptirelayError, PermanentError } from '../core/errors.js';
import type { DestinationConfig, OptirelayConfig, SyncConfig } from '../config/types.js';
import { emptyCounts, type SyncRowError, type SyncRun, type SyncRunCounts, type SyncStore, type SyncTrigger } from '../store/sync-types.js';
import { createHttpClient, type HttpClient } from '../optimizely/http.js';
import { RateLimiter } from '../pipeline/rate-limiter.js';
import { createRestObjects, describeRestError, limitWindows, pacedRate, REST_API_DEFAULT, REST_TYPE, type RestSettings } from '../destinations/optimizely-rest/index.js';
import { readSource, type Row } from './sources/index.js';
import { computeDiff, type DiffCounts, type DiffResult } from './diff.js';
import { applyListOps, applyObjectOps, RunAbort } from './apply.js';
import { AbortedError, RequestGate } from './request-gate.js';
import { restBody } from './objects.js';

export interface SyncDeps {
  config: OptirelayConfig;
  store: SyncStore;
  clock: Clock;
  logger?: Logger;
  http?: HttpClient;
  /** Shared across runs so syncs writing into one destination share its budget. */
  limiter?: RateLimiter;
  /** Lease owner id (default a random id per process). */
  owner?: string;
  /** Run lease; a crashed run is taken over this long after its last heartbeat. Default 60 s. */
  leaseMs?: number;
  /** Retry tuning (tests shorten it). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface SyncProgress {
  phase: 'reading' | 'applying' | 'done';
  rowsRead: number;
  /** Operations planned (added + changed + removed that need a request) and applied so far. */
  toApply: number;
  applied: number;
  requests: number;
  /** Estimated time left at the paced rate. */
  etaMs: number;
}

export interface RunOptions {
  trigger: SyncTrigger;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Called once the run holds its lease (the admin API answers with the run id). */
  onStarted?: (run: SyncRun, resumed: boolean) => void;
}

export type RunOutcome = { status: 'busy'; running: SyncRun } | { status: 'completed' | 'failed' | 'cancelled'; run: SyncRun; resumed: boolean };

export interface SampleOp {
  op: 'added' | 'changed' | 'removed';
  pk: string;
  action: string;
  body?: Record<string, unknown>;
}

export interface SyncPlan extends DiffCounts {
  syncId: string;
  object: SyncConfig['object'];
  mode: SyncConfig['mode'];
  /** Requests the run would make (upper bound for objects: one per operation plus the listing). */
  requests: number;
  etaMs: number;
  sample: SampleOp[];
  invalidSample: { pk: string | null; message: string }[];
}

const DEFAULT_OWNER = `sync-${randomUUID().slice(0, 8)}`;

export class UnknownSyncError extends PermanentError {
  constructor(id: string, known: string[]) {
    super(`no sync "${id}" in the config${known.length ? `; configured: ${known.join(', ')}` : ' (it has no syncs:)'}`, 'OR_SYNC_UNKNOWN', 404);
  }
}

export function findSync(config: OptirelayConfig, id: string): { sync: SyncConfig; destination: DestinationConfig } {
  const sync = config.syncs.find((s) => s.id === id);
  if (!sync) throw new UnknownSyncError(id, config.syncs.map((s) => s.id));
  const destination = config.destinations.find((d) => d.id === sync.destination);
  if (!destination || destination.type !== REST_TYPE) {
    throw new PermanentError(`sync "${id}" names destination "${sync.destination}", which is not an ${REST_TYPE} destination`, 'OR_SYNC_DESTINATION', 400);
  }
  return { sync, destination };
}

function limiterKey(d: DestinationConfig): string {
  return `sync:${d.id}`;
}

function restApi(d: DestinationConfig): string {
  return d.endpoints['restApi'] ?? REST_API_DEFAULT;
}

/** Requests the apply phase makes for `ops` operations (object syncs list the project once). */
function requestsFor(sync: SyncConfig, diff: Pick<DiffResult, 'added' | 'changed' | 'removed'>): number {
  if (sync.object === 'listAttribute') return 2;
  const ops = diff.added + (sync.mode === 'insert' ? 0 : diff.changed);
  return ops === 0 ? 0 : ops + 2;
}

function opsFor(sync: SyncConfig, diff: Pick<DiffResult, 'added' | 'changed' | 'removed'>): number {
  if (sync.object === 'listAttribute') return diff.added + (sync.mode === 'mirror' ? diff.removed : 0);
  return diff.added + (sync.mode === 'insert' ? 0 : diff.changed);
}

export async function planSync(deps: SyncDeps, syncId: string, opts: { sample?: number; signal?: AbortSignal } = {}): Promise<SyncPlan> {
  const { sync, destination } = findSync(deps.config, syncId);
  const diff = await computeDiff(sync, deps.store, readSource(sync.source, { signal: opts.signal }), { now: () => deps.clock.now(), signal: opts.signal });
  try {
    const sample: SampleOp[] = [];
    const max = opts.sample ?? 10;
    const list = sync.object === 'listAttribute';
    for (const op of diff.scratch.ops()) {
      if (sample.length >= max) break;
      if (list) {
        const action = op.op === 'added' ? (sync.mode === 'remove' ? 'remove from list' : 'add to list') : op.op === 'removed' && sync.mode === 'mirror' ? 'remove from list' : undefined;
        if (action) sample.push({ op: op.op, pk: op.pk, action: `${action} ${String(sync.target['listAttributeId'])}` });
        continue;
      }
      if (op.op === 'removed' || (op.op === 'changed' && sync.mode === 'insert')) continue;
      sample.push({ op: op.op, pk: op.pk, action: sync.mode === 'insert' ? `create ${sync.object}` : `create or update ${sync.object}`, body: op.fields ? restBody(sync.object, op.fields, false) : undefined });
    }
    const requests = requestsFor(sync, diff);
    const rate = pacedRate(destination.settings as unknown as RestSettings);
    return {
      syncId,
      object: sync.object,
      mode: sync.mode,
      rowsRead: diff.rowsRead,
      added: diff.added,
      changed: diff.changed,
      removed: diff.removed,
      unchanged: diff.unchanged,
      invalid: diff.invalid,
      requests,
      etaMs: Math.round((requests * 1000) / rate.perSecond),
      sample,
      invalidSample: diff.invalidErrors.slice(0, max).map((e) => ({ pk: e.pk, message: e.message })),
    };
  } finally {
    diff.scratch.close();
  }
}

function addCounts(into: SyncRunCounts, prev: SyncRunCounts): void {
  for (const k of ['added', 'changed', 'removed'] as const) {
    into[k].succeeded += prev[k].succeeded;
    into[k].failed += prev[k].failed;
  }
  into.requests += prev.requests;
}

export async function runSync(deps: SyncDeps, syncId: string, opts: RunOptions): Promise<RunOutcome> {
  const { sync, destination } = findSync(deps.config, syncId);
  const { store, clock } = deps;
  const owner = deps.owner ?? DEFAULT_OWNER;
  const leaseMs = deps.leaseMs ?? 60_000;
  const started = await store.startSyncRun({ syncId, trigger: opts.trigger, owner, leaseMs, now: clock.now() });
  if (!started.started) return { status: 'busy', running: started.running };
  const { run, resumed } = started;
  opts.onStarted?.(run, resumed);
  const log = deps.logger?.child({ sync: syncId, run: run.id });
  log?.info({ trigger: opts.trigger, resumed }, resumed ? 'sync run resumed (previous run lost its lease)' : 'sync run started');

  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) abort.abort();
  let lostLease = false;
  const counts = emptyCounts();
  const prev = resumed ? run.counts : undefined;
  const errors: SyncRowError[] = [];
  let applied = 0;
  let toApply = 0;
  let phase: SyncProgress['phase'] = 'reading';
  const settings = destination.settings as unknown as RestSettings;
  const rate = pacedRate(settings);
  const snapshotCounts = (): SyncRunCounts => {
    const c = structuredClone(counts);
    if (prev) addCounts(c, prev);
    return c;
  };
  const flushErrors = async (): Promise<void> => {
    if (errors.length) await store.addSyncRowErrors(errors.splice(0));
  };
  const progress = (): void => {
    const left = Math.max(0, toApply - applied);
    opts.onProgress?.({ phase, rowsRead: counts.rowsRead, toApply, applied, requests: counts.requests, etaMs: Math.round((left * 1000) / rate.perSecond) });
  };
  const heartbeat = setInterval(
    () => {
      void (async () => {
        const ok = await store.extendSyncRunLease(run.id, owner, clock.now() + leaseMs);
        if (!ok) {
          lostLease = true;
          abort.abort();
          return;
        }
        await store.updateSyncRun(run.id, owner, snapshotCounts());
        await flushErrors();
      })().catch((err: unknown) => log?.warn({ err }, 'sync heartbeat failed'));
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );

  let status: 'completed' | 'failed' | 'cancelled' = 'completed';
  let error: string | undefined;
  let diff: DiffResult | undefined;
  try {
    const rows: AsyncIterable<Row[]> = readSource(sync.source, { signal: abort.signal });
    diff = await computeDiff(sync, store, rows, {
      now: () => clock.now(),
      signal: abort.signal,
      onRow: (n) => {
        counts.rowsRead = n;
        progress();
      },
    });
    if (abort.signal.aborted) throw new AbortedError();
    counts.rowsRead = diff.rowsRead;
    counts.unchanged = diff.unchanged;
    counts.invalid = diff.invalid;
    for (const e of diff.invalidErrors) errors.push({ ...e, runId: run.id });
    toApply = opsFor(sync, diff);
    phase = 'applying';
    progress();
    const needsApi = sync.object === 'listAttribute' || requestsFor(sync, diff) > 0 || diff.removed + diff.changed > 0;
    if (needsApi) {
      const http = deps.http ?? createHttpClient({ timeoutMs: deps.config.delivery.timeoutMs });
      const objects = createRestObjects({ settings, restApi: restApi(destination), http, now: () => clock.now() });
      const gate = new RequestGate({
        clock,
        key: limiterKey(destination),
        rate,
        windows: limitWindows(settings),
        limiter: deps.limiter,
        signal: abort.signal,
        backoffBaseMs: deps.backoffBaseMs,
        backoffMaxMs: deps.backoffMaxMs,
        onRequest: () => {
          counts.requests++;
        },
      });
      const opCount = toApply;
      if (opCount > 0 || sync.object === 'listAttribute') {
        try {
          await gate.call(() => objects.getProject());
        } catch (err) {
          if (err instanceof AbortedError) throw err;
          throw new RunAbort(describeRestError(err, { projectId: String(settings.projectId) }));
        }
      }
      const ctx = {
        sync,
        store,
        objects,
        gate,
        counts,
        now: () => clock.now(),
        signal: abort.signal,
        rowError: (e: Omit<SyncRowError, 'runId'>) => {
          errors.push({ ...e, runId: run.id });
        },
        onApplied: () => {
          applied++;
          progress();
        },
      };
      if (sync.object === 'listAttribute') await applyListOps(ctx, diff.scratch);
      else await applyObjectOps(ctx, diff.scratch);
      if (sync.object === 'listAttribute') applied = toApply;
    }
    if (abort.signal.aborted) throw new AbortedError();
  } catch (err) {
    if (err instanceof AbortedError || abort.signal.aborted) {
      status = 'cancelled';
      error = lostLease ? 'the run lost its lease (another process took it over)' : 'cancelled';
    } else {
      status = 'failed';
      const e = err instanceof RunAbort ? err.reason : err;
      error = e instanceof Error ? e.message : String(e);
      if (!(err instanceof RunAbort) && !(e instanceof OptirelayError)) log?.error({ err }, 'sync run failed');
    }
  } finally {
    clearInterval(heartbeat);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    diff?.scratch.close();
  }
  phase = 'done';
  progress();
  await flushErrors();
  const final = snapshotCounts();
  if (!lostLease) await store.finishSyncRun(run.id, owner, { status, counts: final, error, now: clock.now() });
  log?.info({ status, counts: final, error }, 'sync run finished');
  const stored = (await store.getSyncRun(run.id)) ?? { ...run, status, counts: final, error: error ?? null };
  return { status, run: stored, resumed };
}
