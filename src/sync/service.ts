/**
 * SyncService: what the CLI, the admin API and the scheduler call. It holds one rate limiter per process (so
 * syncs into one destination share its budget) and the runs in flight in this process.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import { asSyncStore, type SyncRowError, type SyncRun, type SyncStore, type SyncTrigger } from '../store/sync-types.js';
import type { HttpClient } from '../optimizely/http.js';
import { RateLimiter } from '../pipeline/rate-limiter.js';
import { findSync, planSync, runSync, type RunOptions, type RunOutcome, type SyncDeps, type SyncPlan } from './runner.js';

export interface SyncServiceOptions {
  config: OptirelayConfig;
  store: unknown;
  clock: Clock;
  logger?: Logger;
  http?: HttpClient;
  leaseMs?: number;
  owner?: string;
}

export interface SyncSummary {
  id: string;
  object: string;
  mode: string;
  destination: string;
  source: string;
  schedule: string | null;
  enabled: boolean;
  lastRun: SyncRun | null;
}

export class SyncService {
  readonly store: SyncStore;
  private readonly deps: SyncDeps;
  private readonly inFlight = new Map<string, { promise: Promise<RunOutcome>; abort: AbortController }>();

  constructor(opts: SyncServiceOptions) {
    this.store = asSyncStore(opts.store);
    this.deps = {
      config: opts.config,
      store: this.store,
      clock: opts.clock,
      logger: opts.logger,
      http: opts.http,
      limiter: new RateLimiter({ clock: opts.clock }),
      leaseMs: opts.leaseMs,
      owner: opts.owner,
    };
  }

  get config(): OptirelayConfig {
    return this.deps.config;
  }

  async list(): Promise<SyncSummary[]> {
    const out: SyncSummary[] = [];
    for (const s of this.deps.config.syncs) {
      const [last] = await this.store.listSyncRuns(s.id, { limit: 1 });
      out.push({
        id: s.id,
        object: s.object,
        mode: s.mode,
        destination: s.destination,
        source: s.source.type,
        schedule: s.schedule ?? null,
        enabled: s.enabled,
        lastRun: last ?? null,
      });
    }
    return out;
  }

  plan(id: string, opts: { sample?: number } = {}): Promise<SyncPlan> {
    return planSync(this.deps, id, opts);
  }

  /** Run and wait. */
  run(id: string, opts: RunOptions): Promise<RunOutcome> {
    findSync(this.deps.config, id);
    const abort = new AbortController();
    const outer = opts.signal;
    if (outer) outer.addEventListener('abort', () => abort.abort(), { once: true });
    const promise = runSync(this.deps, id, { ...opts, signal: abort.signal }).finally(() => {
      if (this.inFlight.get(id)?.promise === promise) this.inFlight.delete(id);
    });
    this.inFlight.set(id, { promise, abort });
    return promise;
  }

  /**
   * Start a run in the background; resolves once it holds its lease (with the run) or found another run holding
   * one (`busy`). The run's end is observed through the store (run history).
   */
  start(id: string, trigger: SyncTrigger): Promise<{ run: SyncRun; busy: boolean }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const p = this.run(id, {
        trigger,
        onStarted: (run) => {
          settled = true;
          resolve({ run, busy: false });
        },
      });
      p.then(
        (out) => {
          if (settled) return;
          settled = true;
          if (out.status === 'busy') resolve({ run: out.running, busy: true });
          else resolve({ run: out.run, busy: false });
        },
        (err: unknown) => {
          if (!settled) reject(err);
          else this.deps.logger?.error({ err, sync: id }, 'sync run crashed');
        },
      );
    });
  }

  /** Full resync: forget the snapshot. Refused while a run holds a lease. */
  async reset(id: string): Promise<{ dropped: number }> {
    findSync(this.deps.config, id);
    const [last] = await this.store.listSyncRuns(id, { limit: 1 });
    if (last && last.status === 'running' && (last.leaseExpiresAt ?? 0) > this.deps.clock.now()) {
      throw Object.assign(new Error(`sync "${id}" is running (run ${last.id}); reset it after the run ends`), { statusCode: 409, code: 'sync_running' });
    }
    return { dropped: await this.store.resetSnapshot(id) };
  }

  runs(id: string, q: { limit?: number; before?: number } = {}): Promise<SyncRun[]> {
    findSync(this.deps.config, id);
    return this.store.listSyncRuns(id, q);
  }

  async getRun(id: string, runId: number, q: { errors?: number } = {}): Promise<(SyncRun & { rowErrors: SyncRowError[] }) | undefined> {
    const run = await this.store.getSyncRun(runId);
    if (!run || run.syncId !== id) return undefined;
    return { ...run, rowErrors: await this.store.listSyncRowErrors(runId, { limit: q.errors ?? 100 }) };
  }

  /** Cancel this process's runs and wait for them to record their end. */
  async stop(): Promise<void> {
    const runs = [...this.inFlight.values()];
    for (const r of runs) r.abort.abort();
    await Promise.allSettled(runs.map((r) => r.promise));
  }
}
