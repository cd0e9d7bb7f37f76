import { laneStatsOf, type LaneCountRow } from '../stats-rows.js';
import type { LaneStats } from '../types.js';
import type { SqliteDb } from './db.js';

const COUNTS = 'SELECT lane, status, destination_id, action, n FROM lane_counts ORDER BY lane';

/** First queued delivery of a lane by id (ids grow with created_at): one probe into `deliveries_queued`. */
const OLDEST_QUEUED = `SELECT created_at FROM deliveries
  WHERE lane = ? AND status IN ('pending','retry_wait') ORDER BY id LIMIT 1`;

/** In-flight rows are few (batch × workers): read through the partial `deliveries_leases` index. */
const OLDEST_IN_FLIGHT = `SELECT min(created_at) AS created_at FROM deliveries WHERE status = 'in_flight' AND lane = ?`;

/** Counts from the trigger-maintained `lane_counts` (O(lanes)) plus one index probe per lane for the oldest age. */
export function readLaneStats(db: SqliteDb, now: number): LaneStats[] {
  const byLane = laneStatsOf(db.stmt(COUNTS).all() as LaneCountRow[]);
  const queued = db.stmt(OLDEST_QUEUED);
  const inFlight = db.stmt(OLDEST_IN_FLIGHT);
  for (const s of byLane.values()) {
    let oldest = Infinity;
    if (s.pending + s.retryWait > 0) {
      const row = queued.get(s.lane) as { created_at: number } | undefined;
      if (row) oldest = row.created_at;
    }
    if (s.inFlight > 0) {
      const row = inFlight.get(s.lane) as { created_at: number | null };
      if (row.created_at !== null) oldest = Math.min(oldest, row.created_at);
    }
    if (oldest !== Infinity) s.oldestPendingAgeMs = Math.max(0, now - oldest);
  }
  return [...byLane.values()];
}
