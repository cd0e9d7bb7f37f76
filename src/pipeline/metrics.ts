/**
 * Prometheus metrics (prom-client), in one registry that `/metrics` serves. Series (docs/delivery.md lists what
 * to alert on):
 *   optirelay_events_received_total{source} / _accepted_total / _duplicate_total / _rejected_total
 *   optirelay_deliveries_delivered_total{destination,action} / _retried_total / _dead_total
 *   optirelay_delivery_request_duration_seconds{destination,action,outcome}   (histogram, one per request)
 *   optirelay_lane_queue_depth{lane,destination,action,status}                (pending / retry_wait / in_flight / dead)
 *   optirelay_lane_oldest_pending_age_seconds{lane,destination,action}
 *   optirelay_lane_rate_factor{lane}                                          (AIMD multiplier, 1 = configured rate)
 *   optirelay_lane_paused{lane}                                               (1 while paused by a 429)
 *   optirelay_datafile_age_seconds{destination}
 *   optirelay_store_size_bytes / optirelay_store_free_bytes / optirelay_store_wal_bytes          (issue 11, from the store)
 *   optirelay_store_rows{table} / optirelay_store_oldest_row_age_seconds{table}
 *   optirelay_retention_purged_rows_total{table} / optirelay_retention_last_sweep_timestamp_seconds
 * plus the Node process defaults (optirelay_process_*, optirelay_nodejs_*).
 *
 * Gauges that come from the store are collected at scrape time (`setLaneStatsSource`), never kept in memory.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LaneStats } from '../store/types.js';
import type { StoreStats } from '../store/maintenance-types.js';

export type LaneStatsSource = () => Promise<LaneStats[]>;
/** Store size and rows (cached by the caller: row counts are not free). `now` for the oldest-row age. */
export type StoreStatsSource = () => Promise<{ stats: StoreStats; now: number } | undefined>;
export type LimiterStatsSource = () => Promise<{ lane: string; factor: number; paused: boolean }[]>;

export class Metrics {
  readonly registry = new Registry();
  readonly received: Counter<'source'>;
  readonly accepted: Counter<'source'>;
  readonly duplicate: Counter<'source'>;
  readonly rejected: Counter<'source'>;
  readonly delivered: Counter<'destination' | 'action'>;
  readonly retried: Counter<'destination' | 'action'>;
  readonly dead: Counter<'destination' | 'action'>;
  readonly requestDuration: Histogram<'destination' | 'action' | 'outcome'>;
  readonly datafileAge: Gauge<'destination'>;
  private laneSources: LaneStatsSource[] = [];
  private limiterSources: LimiterStatsSource[] = [];
  private datafileAgeFns = new Map<string, () => number | undefined>();
  private storeStatsSource: StoreStatsSource | undefined;
  readonly retentionPurged: Counter<'table'>;
  readonly retentionLastSweep: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: r, prefix: 'optirelay_' });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers: [r] });
    this.received = counter('optirelay_events_received_total', 'Events received by the Tracking API', ['source']);
    this.accepted = counter('optirelay_events_accepted_total', 'Events accepted and stored', ['source']);
    this.duplicate = counter('optirelay_events_duplicate_total', 'Events acknowledged as duplicates (messageId seen)', ['source']);
    this.rejected = counter('optirelay_events_rejected_total', 'Events rejected as invalid', ['source']);
    this.delivered = counter('optirelay_deliveries_delivered_total', 'Deliveries delivered', ['destination', 'action']);
    this.retried = counter('optirelay_deliveries_retried_total', 'Delivery attempts that failed and will be retried', ['destination', 'action']);
    this.dead = counter('optirelay_deliveries_dead_total', 'Deliveries sent to the dead letters', ['destination', 'action']);
    this.requestDuration = new Histogram({
      name: 'optirelay_delivery_request_duration_seconds',
      help: 'Duration of one destination call (performBatch), by outcome (ok, partial, retry, dead, error)',
      labelNames: ['destination', 'action', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    // Gauge collect() runs with `this` = the gauge; these arrows reach the Metrics instance.
    const laneStats = (): Promise<LaneStats[]> => this.laneStats();
    const limiterStats = async (): Promise<{ lane: string; factor: number; paused: boolean }[]> => {
      const out: { lane: string; factor: number; paused: boolean }[] = [];
      for (const src of this.limiterSources) out.push(...(await src()));
      return out;
    };
    const datafileAges = (): [string, () => number | undefined][] => [...this.datafileAgeFns];
    new Gauge({
      name: 'optirelay_lane_queue_depth',
      help: 'Deliveries per lane and status (pending, retry_wait, in_flight, dead)',
      labelNames: ['lane', 'destination', 'action', 'status'],
      registers: [r],
      async collect() {
        this.reset();
        for (const s of await laneStats()) {
          const l = { lane: s.lane, destination: s.destinationId, action: s.action };
          this.set({ ...l, status: 'pending' }, s.pending);
          this.set({ ...l, status: 'retry_wait' }, s.retryWait);
          this.set({ ...l, status: 'in_flight' }, s.inFlight);
          this.set({ ...l, status: 'dead' }, s.dead);
        }
      },
    });
    new Gauge({
      name: 'optirelay_lane_oldest_pending_age_seconds',
      help: 'Age of the oldest not-yet-delivered delivery per lane',
      labelNames: ['lane', 'destination', 'action'],
      registers: [r],
      async collect() {
        this.reset();
        for (const s of await laneStats()) this.set({ lane: s.lane, destination: s.destinationId, action: s.action }, s.oldestPendingAgeMs / 1000);
      },
    });
    new Gauge({
      name: 'optirelay_lane_rate_factor',
      help: 'AIMD multiplier on the lane rate limit (1 = configured rate; lowered by 429s)',
      labelNames: ['lane'],
      registers: [r],
      async collect() {
        this.reset();
        for (const s of await limiterStats()) this.set({ lane: s.lane }, s.factor);
      },
    });
    new Gauge({
      name: 'optirelay_lane_paused',
      help: '1 while the lane is paused by a 429 / Retry-After',
      labelNames: ['lane'],
      registers: [r],
      async collect() {
        this.reset();
        for (const s of await limiterStats()) this.set({ lane: s.lane }, s.paused ? 1 : 0);
      },
    });
    this.datafileAge = new Gauge({
      name: 'optirelay_datafile_age_seconds',
      help: 'Seconds since the destination last fetched a datafile successfully',
      labelNames: ['destination'],
      registers: [r],
      collect() {
        for (const [destination, fn] of datafileAges()) {
          const v = fn();
          if (v !== undefined) this.set({ destination }, v);
        }
      },
    });
    this.retentionPurged = counter('optirelay_retention_purged_rows_total', 'Rows deleted by retention, per table', ['table']);
    this.retentionLastSweep = new Gauge({ name: 'optirelay_retention_last_sweep_timestamp_seconds', help: 'When the last retention sweep finished (epoch seconds)', registers: [r] });
    const storeStats = async (): Promise<{ stats: StoreStats; now: number } | undefined> => {
      try {
        return await this.storeStatsSource?.();
      } catch {
        return undefined; // /readyz reports the store; the scrape goes on
      }
    };
    // One read of the store per scrape feeds the five store gauges (the first collect fetches, the rest reuse it).
    let pendingStats: Promise<{ stats: StoreStats; now: number } | undefined> | undefined;
    const statsOnce = (): Promise<{ stats: StoreStats; now: number } | undefined> => {
      pendingStats ??= storeStats().finally(() => setImmediate(() => (pendingStats = undefined)));
      return pendingStats;
    };
    const storeGauge = (name: string, help: string, pick: (s: StoreStats) => number | undefined): void => {
      new Gauge({
        name,
        help,
        registers: [r],
        async collect() {
          this.reset();
          const s = await statsOnce();
          const v = s ? pick(s.stats) : undefined;
          if (v !== undefined) this.set(v);
        },
      });
    };
    storeGauge('optirelay_store_size_bytes', 'Store size on disk (SQLite file + WAL; PostgreSQL database size)', (s) => s.sizeBytes);
    storeGauge('optirelay_store_free_bytes', 'Free space inside the store, reusable before the file grows (SQLite)', (s) => s.freeBytes);
    storeGauge('optirelay_store_wal_bytes', 'Size of the SQLite -wal file', (s) => s.walBytes);
    new Gauge({
      name: 'optirelay_store_rows',
      help: 'Rows per store table',
      labelNames: ['table'],
      registers: [r],
      async collect() {
        this.reset();
        const s = await statsOnce();
        for (const t of s?.stats.tables ?? []) this.set({ table: t.table }, t.rows);
      },
    });
    new Gauge({
      name: 'optirelay_store_oldest_row_age_seconds',
      help: 'Age of the oldest row per store table (retention keeps it near the configured age)',
      labelNames: ['table'],
      registers: [r],
      async collect() {
        this.reset();
        const s = await statsOnce();
        for (const t of s?.stats.tables ?? []) if (t.oldestAt !== null) this.set({ table: t.table }, Math.max(0, (s!.now - t.oldestAt) / 1000));
      },
    });
  }

  private async laneStats(): Promise<LaneStats[]> {
    const out: LaneStats[] = [];
    for (const src of this.laneSources) {
      try {
        out.push(...(await src()));
      } catch {
        // A failing store must not break the scrape of everything else; /readyz reports the store.
      }
    }
    return out;
  }

  /** Where queue depth / oldest age come from (the server passes `() => store.laneStats(clock.now())`). Returns an unregister function. */
  setLaneStatsSource(src: LaneStatsSource): () => void {
    this.laneSources.push(src);
    return () => {
      this.laneSources = this.laneSources.filter((s) => s !== src);
    };
  }

  /** Where the store gauges come from (issue 11: the ops routes register a cached `store.storeStats`). Returns an unregister function. */
  setStoreStatsSource(src: StoreStatsSource): () => void {
    this.storeStatsSource = src;
    return () => {
      if (this.storeStatsSource === src) this.storeStatsSource = undefined;
    };
  }

  setLimiterStatsSource(src: LimiterStatsSource): () => void {
    this.limiterSources.push(src);
    return () => {
      this.limiterSources = this.limiterSources.filter((s) => s !== src);
    };
  }

  /** Compute a destination's datafile age (seconds) at scrape time. Returns an unregister function. */
  registerDatafileAge(destinationId: string, fn: () => number | undefined): () => void {
    this.datafileAgeFns.set(destinationId, fn);
    return () => {
      if (this.datafileAgeFns.get(destinationId) === fn) this.datafileAgeFns.delete(destinationId);
      this.datafileAge.remove({ destination: destinationId });
    };
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The process-wide metrics (what `/metrics` serves unless a test builds its own). */
export const metrics = new Metrics();

export interface IngestCountsDelta {
  received?: number;
  accepted?: number;
  duplicate?: number;
  rejected?: number;
}

/** For the Tracking API: count one request's events for a source. */
export function recordIngest(sourceId: string, d: IngestCountsDelta, m: Metrics = metrics): void {
  if (d.received) m.received.inc({ source: sourceId }, d.received);
  if (d.accepted) m.accepted.inc({ source: sourceId }, d.accepted);
  if (d.duplicate) m.duplicate.inc({ source: sourceId }, d.duplicate);
  if (d.rejected) m.rejected.inc({ source: sourceId }, d.rejected);
}

/** A destination's datafile age, computed at scrape time (delivery-service.ts registers the FX runtimes'). Returns an unregister function. */
export function registerDatafileAge(destinationId: string, fn: () => number | undefined, m: Metrics = metrics): () => void {
  return m.registerDatafileAge(destinationId, fn);
}
