import type { SqliteDb } from './db.js';

/**
 * Make one delivery due now. A dead one becomes pending with its attempts reset (a replay of one); pending and
 * retry_wait keep their status and attempts. In-flight and delivered rows are left alone (returns false).
 */
const RETRY_NOW = `UPDATE deliveries SET
    status = CASE WHEN status = 'dead' THEN 'pending' ELSE status END,
    attempts = CASE WHEN status = 'dead' THEN 0 ELSE attempts END,
    next_attempt_at = ?, updated_at = ?
  WHERE id = ? AND status IN ('pending','retry_wait','dead')`;

export function retryNow(db: SqliteDb, id: number, now: number): boolean {
  return db.write(() => db.stmt(RETRY_NOW).run(now, now, id).changes > 0);
}
