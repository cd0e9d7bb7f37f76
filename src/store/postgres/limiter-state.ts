import type { LimiterSlot, LimiterState } from '../limiter-types.js';
import type { PgDb } from './db.js';

interface SlotRow {
  tat: number;
  tat_minute: number;
  paused_until: number;
  factor: number;
  factor_changed_at: number;
  version: number;
}

/**
 * Rate-limiter slots shared by every process through the `limiter_slots` table (migration 004), so lane rate limits
 * and 429 pauses hold fleet-wide: four workers on one lane together send at the configured rate, and a 429 seen by
 * one pauses them all.
 *
 * `update` is a compare-and-set, not a transaction: read the slot (one indexed read), compute the new one in JS (the
 * RateLimiter's GCRA / AIMD arithmetic, unchanged), then ONE `INSERT … ON CONFLICT DO UPDATE … WHERE version = read
 * version RETURNING`. No row lock is held across the computation; when another process wrote in between, nothing is
 * returned and the update runs again on the fresh slot. A new key is inserted with version 1; two processes racing
 * to create it resolve the same way.
 */
const UPSERT = /* sql */ `
INSERT INTO limiter_slots AS s (key, tat, tat_minute, paused_until, factor, factor_changed_at, version)
VALUES ($1, $2, $3, $4, $5, $6, 1)
ON CONFLICT (key) DO UPDATE SET tat = excluded.tat, tat_minute = excluded.tat_minute, paused_until = excluded.paused_until,
  factor = excluded.factor, factor_changed_at = excluded.factor_changed_at, version = s.version + 1
WHERE s.version = $7
RETURNING version`;

const READ = 'SELECT tat, tat_minute, paused_until, factor, factor_changed_at, version FROM limiter_slots WHERE key = $1';

function toSlot(r: SlotRow): LimiterSlot {
  return { tat: r.tat, tatMinute: r.tat_minute, pausedUntil: r.paused_until, factor: r.factor, factorChangedAt: r.factor_changed_at };
}

export class PgLimiterState implements LimiterState {
  /** Compare-and-set conflicts seen (tests and the benchmark read it). */
  conflicts = 0;

  constructor(private readonly db: PgDb) {}

  async update<T>(key: string, fn: (slot: LimiterSlot | undefined) => { slot: LimiterSlot; result: T }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.db.one<SlotRow>(READ, [key]);
      const { slot, result } = fn(row ? toSlot(row) : undefined);
      // Expected version 0 for a new key: the WHERE never matches an existing row, so a concurrent creator wins.
      const written = await this.db.q(UPSERT, [key, slot.tat, slot.tatMinute, slot.pausedUntil, slot.factor, slot.factorChangedAt, row?.version ?? 0]);
      if (written.length > 0) return result;
      this.conflicts++;
      if (attempt >= 50) throw new Error(`rate limiter: slot ${key} kept changing under 50 attempts in a row`);
    }
  }

  async get(key: string): Promise<LimiterSlot | undefined> {
    const row = await this.db.one<SlotRow>(READ, [key]);
    return row ? toSlot(row) : undefined;
  }
}
