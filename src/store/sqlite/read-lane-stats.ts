import type { DeliveryStatus, LaneStats } from '../types.js';
import type { SqliteDb } from './db.js';

const COUNTS = 'SELECT lane, status, destination_id, action, n FROM lane_counts ORDER BY lane';

/** First unfinished delivery of a lane by id (ids grow with created_at) via the partial `deliveries_unfinished`. */
const OLDEST = `SELECT created_at FROM deliveries
  WHERE lane = ? AND status IN ('pending','in_flight','retry_wait') ORDER BY id LIMIT 1`;

const FIELD: Record<DeliveryStatus, 'pending' | 'inFlight' | 'retryWait' | 'delivered' | 'dead'> = {
  pending: 'pending',
  in_flight: 'inFlight',
  retry_wait: 'retryWait',
  delivered: 'delivered',
  dead: 'dead',
};

/** Counts from the trigger-maintained `lane_counts` (O(lanes)) plus one index probe per lane for the oldest age. */
export function readLaneStats(db: SqliteDb, now: number): LaneStats[] {
  const rows = db.stmt(COUNTS).all() as {
    lane: string;
    status: DeliveryStatus;
    destination_id: string;
    action: string;
    n: number;
  }[];
  const byLane = new Map<string, LaneStats>();
  for (const r of rows) {
    let s = byLane.get(r.lane);
    if (!s) {
      s = {
        lane: r.lane,
        destinationId: r.destination_id,
        action: r.action,
        pending: 0,
        inFlight: 0,
        retryWait: 0,
        delivered: 0,
        dead: 0,
        oldestPendingAgeMs: 0,
      };
      byLane.set(r.lane, s);
    }
    s[FIELD[r.status]] += r.n;
  }
  const oldest = db.stmt(OLDEST);
  for (const s of byLane.values()) {
    if (s.pending + s.inFlight + s.retryWait === 0) continue;
    const row = oldest.get(s.lane) as { created_at: number } | undefined;
    if (row) s.oldestPendingAgeMs = Math.max(0, now - row.created_at);
  }
  return [...byLane.values()];
}
