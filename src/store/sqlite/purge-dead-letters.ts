import type { PurgeInput, PurgeResult } from '../maintenance-types.js';
import type { SqliteDb } from './db.js';

/**
 * Retention of dead letters (rule in maintenance-types.ts): walk dead deliveries by id through the partial
 * `deliveries_dead` index (only dead rows, so the walk costs O(dead letters), not O(history)), and delete those
 * that became dead before `before`, with their attempt rows, in ONE transaction. The DELETE re-checks
 * `status = 'dead'`: a delivery replayed meanwhile is pending, so a pending replay is never purged.
 * Their events are left to purgeDeliveredEvents (an event may have other, younger deliveries).
 */
const SCAN = `SELECT id, updated_at AS updatedAt FROM deliveries WHERE status = 'dead' AND id > ? ORDER BY id LIMIT ?`;
const DELETE_ATTEMPTS = `DELETE FROM attempts WHERE delivery_id IN (
  SELECT id FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) AND status = 'dead' AND updated_at < ?)`;
const DELETE_DELIVERIES = `DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) AND status = 'dead' AND updated_at < ?`;

export function purgeDeadLetters(db: SqliteDb, input: PurgeInput): PurgeResult {
  const { before, limit } = input;
  return db.write(() => {
    const rows = db.stmt(SCAN).all(input.cursor ?? 0, limit) as { id: number; updatedAt: number }[];
    const due = rows.filter((r) => r.updatedAt < before).map((r) => r.id);
    const deleted = { deliveries: 0, attempts: 0 };
    if (due.length > 0) {
      const ids = JSON.stringify(due);
      deleted.attempts = db.stmt(DELETE_ATTEMPTS).run(ids, before).changes;
      deleted.deliveries = db.stmt(DELETE_DELIVERIES).run(ids, before).changes;
    }
    return { deleted, more: rows.length === limit, cursor: rows.length > 0 ? rows[rows.length - 1]!.id : input.cursor };
  });
}
