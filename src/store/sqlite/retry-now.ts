import type { DeliveryStatus } from '../types.js';
import { LaneCountDelta, type LaneKey } from './adjust-lane-counts.js';
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

const READ = 'SELECT status, lane, destination_id, action FROM deliveries WHERE id = ?';

export function retryNow(db: SqliteDb, id: number, now: number): boolean {
  return db.write(() => {
    const before = db.stmt(READ).get(id) as (LaneKey & { status: DeliveryStatus }) | undefined;
    if (!before || db.stmt(RETRY_NOW).run(now, now, id).changes === 0) return false;
    const counts = new LaneCountDelta();
    counts.move(before, before.status, before.status === 'dead' ? 'pending' : before.status);
    counts.apply(db);
    return true;
  });
}
