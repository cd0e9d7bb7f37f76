/**
 * The retention worker (issue 11): every `retention.interval` it purges, oldest first and in small transactions,
 *   1. dead letters older than `retention.dead`       (never one whose replay is pending: it is no longer dead),
 *   2. events older than `retention.delivered` whose deliveries are all delivered that long ago (with those
 *      deliveries and their attempt log),
 *   3. rejected records older than `retention.rejected`,
 * then checkpoints the WAL and gives free pages back (SQLite), and refreshes the store stats. Rules:
 * src/store/maintenance-types.ts; operator's view: docs/operations.md.
 *
 * Each purge call is one transaction of at most `batchSize` rows (default 1,000); between calls the worker yields
 * to the event loop and pauses `pauseMs`, so ingest's group commits and the deliverer's claims get the write lock
 * in between: a sweep of a million rows is a thousand short transactions, not one long one.
 * Structurally a server Worker (name / start / stop) without importing the server layer.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { RetentionConfig } from '../config/types.js';
import { hasMaintenance, type MaintenanceStore, type PurgeInput, type PurgeResult } from '../store/maintenance-types.js';
import { metrics as defaultMetrics, type Metrics } from './metrics.js';
import { sleep } from './sleep.js';
import { storeStatsCache } from './store-stats-cache.js';

export interface RetentionOptions {
  store: MaintenanceStore;
  retention: RetentionConfig;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  /** Rows per purge transaction. Default 1,000. */
  batchSize?: number;
  /** Pause between two purge transactions. Default 5 ms. */
  pauseMs?: number;
  /** Bytes given back per reclaim call (SQLite incremental vacuum). Default 64 MiB; at most 16 calls per sweep. */
  reclaimBytes?: number;
}

export interface SweepResult {
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** Purge transactions run. */
  transactions: number;
  freedBytes: number;
  /** True when stop() cut the sweep short. */
  interrupted: boolean;
}

export class RetentionWorker {
  readonly name = 'retention';
  private retention: RetentionConfig;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<SweepResult> | undefined;
  /** The last sweep (admin API). */
  last: (SweepResult & { finishedAt: number }) | undefined;

  constructor(private readonly opts: RetentionOptions) {
    this.retention = opts.retention;
    this.log = opts.logger.child({ component: 'retention' });
    this.metrics = opts.metrics ?? defaultMetrics;
  }

  get config(): RetentionConfig {
    return this.retention;
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    this.schedule(Math.min(this.retention.intervalMs, 60_000)); // first sweep within a minute of start
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
  }

  /** Live reload: new ages and interval apply from the next sweep. */
  async reload(retention: RetentionConfig): Promise<void> {
    const intervalChanged = retention.intervalMs !== this.retention.intervalMs;
    this.retention = retention;
    if (intervalChanged && this.timer) this.schedule(retention.intervalMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep()
        .catch((err: unknown) => this.log.error({ err }, 'retention sweep failed'))
        .finally(() => this.schedule(this.retention.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** Run one sweep now (a sweep already running is joined, not doubled). */
  sweep(): Promise<SweepResult> {
    this.current ??= this.runSweep().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async runSweep(): Promise<SweepResult> {
    const { store, clock } = this.opts;
    const signal = this.abort.signal;
    const r = this.retention;
    const now = clock.now();
    const result: SweepResult = { deleted: {}, transactions: 0, freedBytes: 0, interrupted: false };
    const t0 = performance.now();
    await this.purgeLoop((i) => store.purgeDeadLetters(i), now - r.deadMs, result);
    await this.purgeLoop((i) => store.purgeDeliveredEvents(i), now - r.deliveredMs, result);
    await this.purgeLoop((i) => store.purgeRejected(i), now - r.rejectedMs, result);
    const purged = Object.values(result.deleted).reduce((a, b) => a + b, 0);
    if (!signal.aborted) {
      for (let i = 0; i < 16 && !signal.aborted; i++) {
        const rc = await store.reclaimSpace({ maxBytes: this.opts.reclaimBytes ?? 64 * 1024 * 1024 });
        result.freedBytes += rc.freedBytes;
        if (rc.freedBytes === 0) break;
        await sleep(this.opts.pauseMs ?? 5, signal);
      }
    }
    result.interrupted = signal.aborted;
    this.last = { ...result, finishedAt: clock.now() };
    this.metrics.retentionLastSweep.set(Math.floor(this.last.finishedAt / 1000));
    if (!signal.aborted) await storeStatsCache(store, clock).refresh().catch(() => undefined);
    const ms = Math.round(performance.now() - t0);
    if (purged > 0 || result.freedBytes > 0) this.log.info({ deleted: result.deleted, transactions: result.transactions, freedBytes: result.freedBytes, ms }, 'retention sweep');
    else this.log.debug({ ms }, 'retention sweep: nothing due');
    return result;
  }

  private async purgeLoop(fn: (i: PurgeInput) => Promise<PurgeResult>, before: number, result: SweepResult): Promise<void> {
    const signal = this.abort.signal;
    const limit = this.opts.batchSize ?? 1000;
    let cursor: number | undefined;
    while (!signal.aborted) {
      const r = await fn({ before, limit, cursor });
      result.transactions++;
      for (const [table, n] of Object.entries(r.deleted)) {
        if (!n) continue;
        result.deleted[table] = (result.deleted[table] ?? 0) + n;
        this.metrics.retentionPurged.inc({ table }, n);
      }
      if (!r.more) return;
      cursor = r.cursor;
      // Yield: pending requests and claims run before our next transaction.
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(this.opts.pauseMs ?? 5, signal);
    }
  }
}

/** What the worker factory needs of the server's AppCore (structural: the pipeline does not import the server). */
export interface RetentionHost {
  store: object;
  config: { retention: RetentionConfig };
  logger: Logger;
  clock: Clock;
  retention?: RetentionWorker;
}

/** Worker factory for `optirelay serve` (server/workers.ts). Undefined when the store has no maintenance methods. */
export function attachRetention(app: RetentionHost): RetentionWorker | undefined {
  if (!hasMaintenance(app.store)) return undefined;
  const worker = new RetentionWorker({ store: app.store, retention: app.config.retention, logger: app.logger, clock: app.clock });
  app.retention = worker;
  return worker;
}
