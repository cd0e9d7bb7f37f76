import type { DeadFilter } from '../types.js';
import { LaneCountDelta, type LaneKey } from './adjust-lane-counts.js';
import type { SqliteDb } from './db.js';
import { deadWhere } from './dead-filter.js';

/**
 * Dead → pending, due now, attempts reset. last_error / last_status_code stay on the row as a hint; the full history
 * is the attempt log, which is kept.
 */
export function replayDead(db: SqliteDb, filter: DeadFilter, now: number): number {
  const { where, params } = deadWhere(filter);
  const sql = `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?,
    lease_owner = NULL, lease_expires_at = NULL WHERE ${where}
    RETURNING lane, destination_id, action`;
  return db.write(() => {
    const rows = db.stmt(sql).all(now, now, ...params) as LaneKey[];
    const counts = new LaneCountDelta();
    for (const r of rows) counts.move(r, 'dead', 'pending');
    counts.apply(db);
    return rows.length;
  });
}
