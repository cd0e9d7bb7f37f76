import type { DeliveryStatus } from '../types.js';
import type { SqliteDb } from './db.js';

const ADJUST = `INSERT INTO lane_counts (lane, status, destination_id, action, n) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (lane, status) DO UPDATE SET n = n + excluded.n`;

export interface LaneKey {
  lane: string;
  destination_id: string;
  action: string;
}

/**
 * Per-transaction deltas of `lane_counts`, applied once at the end: one upsert per (lane, status) touched instead of
 * one trigger run per row. Measured on the 2-core box (CPU µs per row, 50k rows): an AFTER UPDATE trigger doubled the
 * cost of the lease update (≈ 9.6 → 17 µs) and of the completion (≈ 7 → 14 µs).
 * Every status change in the store goes through this; deletes are counted by the `deliveries_count_delete` trigger
 * (so retention sweeps written elsewhere stay exact without knowing about it).
 */
export class LaneCountDelta {
  private readonly deltas = new Map<string, { key: LaneKey; status: DeliveryStatus; n: number }>();

  add(key: LaneKey, status: DeliveryStatus, n: number): void {
    const k = `${key.lane}\u0000${status}`;
    const d = this.deltas.get(k);
    if (d) d.n += n;
    else this.deltas.set(k, { key, status, n });
  }

  move(key: LaneKey, from: DeliveryStatus, to: DeliveryStatus): void {
    if (from === to) return;
    this.add(key, from, -1);
    this.add(key, to, 1);
  }

  /** Write the deltas; call inside the same write transaction as the changes they describe. */
  apply(db: SqliteDb): void {
    if (this.deltas.size === 0) return;
    const adjust = db.stmt(ADJUST);
    for (const { key, status, n } of this.deltas.values()) {
      if (n !== 0) adjust.run(key.lane, status, key.destination_id, key.action, n);
    }
    this.deltas.clear();
  }
}
