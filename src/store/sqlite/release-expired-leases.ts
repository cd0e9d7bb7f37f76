import { LaneCountDelta, type LaneKey } from './adjust-lane-counts.js';
import type { SqliteDb } from './db.js';

/**
 * Expired leases back to pending (crash recovery, anchors §5.2). Reads only the partial `deliveries_leases` index
 * (in-flight rows), so a sweep costs O(in flight), not O(table). next_attempt_at is kept: the delivery returns to
 * its old place at the head of the lane.
 */
const RELEASE = `UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
  WHERE status = 'in_flight' AND lease_expires_at <= ?
  RETURNING lane, destination_id, action`;

export function releaseExpiredLeases(db: SqliteDb, now: number): number {
  return db.write(() => {
    const rows = db.stmt(RELEASE).all(now, now) as LaneKey[];
    const counts = new LaneCountDelta();
    for (const r of rows) counts.move(r, 'in_flight', 'pending');
    counts.apply(db);
    return rows.length;
  });
}
