/**
 * Store size/rows/oldest row, cached: SQLite row counts walk an index (~10-30 ms per million rows), too much to
 * pay on every /metrics scrape or console refresh. One read at a time; callers within `ttlMs` share the result.
 * The retention worker refreshes it after each sweep so the numbers move right after a purge.
 */
import type { Clock } from '../core/clock.js';
import type { MaintenanceStore, StoreStats } from '../store/maintenance-types.js';

export class StoreStatsCache {
  private value: { stats: StoreStats; now: number; at: number } | undefined;
  private inflight: Promise<{ stats: StoreStats; now: number }> | undefined;

  constructor(
    private readonly store: Pick<MaintenanceStore, 'storeStats'>,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  /** The cached stats when younger than ttlMs (or `fresh` is false), else a new read. */
  async get(opts: { fresh?: boolean } = {}): Promise<{ stats: StoreStats; now: number }> {
    const now = this.clock.now();
    if (!opts.fresh && this.value && now - this.value.at < this.ttlMs) return { stats: this.value.stats, now };
    return this.refresh();
  }

  refresh(): Promise<{ stats: StoreStats; now: number }> {
    this.inflight ??= (async () => {
      try {
        const now = this.clock.now();
        const stats = await this.store.storeStats(now);
        this.value = { stats, now, at: now };
        return { stats, now };
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

/** One cache per store object, shared by the ops routes, /metrics and the retention worker. */
const caches = new WeakMap<object, StoreStatsCache>();
export function storeStatsCache(store: MaintenanceStore, clock: Clock): StoreStatsCache {
  let c = caches.get(store);
  if (!c) {
    c = new StoreStatsCache(store, clock);
    caches.set(store, c);
  }
  return c;
}
