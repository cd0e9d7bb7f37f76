import type { DeadFilter } from '../types.js';
import type { SqliteDb } from './db.js';
import { deadWhere } from './dead-filter.js';

/**
 * Dead → pending, due now, attempts reset. last_error / last_status_code stay on the row as a hint; the full history
 * is the attempt log, which is kept.
 */
export function replayDead(db: SqliteDb, filter: DeadFilter, now: number): number {
  const { where, params } = deadWhere(filter);
  const sql = `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?,
    lease_owner = NULL, lease_expires_at = NULL WHERE ${where}`;
  return db.write(() => db.stmt(sql).run(now, now, ...params).changes);
}
