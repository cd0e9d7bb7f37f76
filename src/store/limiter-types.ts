/**
 * Rate-limiter state behind a seam, so several optirelay processes can share one limiter per lane through
 * PostgreSQL (issue 10) while a single process keeps it in memory.
 *
 * One slot per key (a lane, `<destinationId>:<action>`): the GCRA theoretical arrival times, the pause
 * (429 / Retry-After) and the AIMD factor. `update` must be atomic per key: a PostgreSQL implementation runs it as
 * `SELECT … FOR UPDATE` + `UPDATE` in one short transaction (or one `UPDATE … RETURNING` with the arithmetic in SQL).
 */
export interface LimiterSlot {
  /** GCRA theoretical arrival time of the per-second limit (epoch ms). */
  tat: number;
  /** GCRA theoretical arrival time of the optional per-minute limit (epoch ms). */
  tatMinute: number;
  /** No request before this time (epoch ms); 0 when not paused. */
  pausedUntil: number;
  /** AIMD multiplier on the configured rate, in (0, 1]. */
  factor: number;
  /** When the factor last changed (a 429 or a clean-window increase). */
  factorChangedAt: number;
}

export interface LimiterState {
  /** Atomically read the slot of `key` (undefined when new), and write what `fn` returns as `slot`. */
  update<T>(key: string, fn: (slot: LimiterSlot | undefined) => { slot: LimiterSlot; result: T }): Promise<T>;
  /** Read without changing (for stats). */
  get(key: string): Promise<LimiterSlot | undefined>;
}

/**
 * Optional extension of a Store: a store that can hold limiter state shared across processes exposes it here.
 * The deliverer uses it when present, else in-memory state (correct for a single process).
 */
export interface LimiterStore {
  limiterState(): LimiterState;
}

export function hasLimiterState(store: object): store is LimiterStore {
  return typeof (store as Partial<LimiterStore>).limiterState === 'function';
}
