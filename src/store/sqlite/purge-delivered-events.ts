import type { PurgeInput, PurgeResult } from '../maintenance-types.js';
import type { SqliteDb } from './db.js';
import { pickDue, type WalkedRow } from './walk-received.js';

/**
 * Retention of finished events (rule in maintenance-types.ts): walk events oldest first from `cursor`, at most
 * `limit` per call, and delete each one received before `before` whose deliveries are all `delivered` before
 * `before` — with those deliveries and their attempt rows — in ONE transaction.
 *
 * Trade-off: no index on events.received_at (it would cost an index write per ingested event on the hot path);
 * ids grow with received_at, so the walk is a rowid range scan that stops at the first rows younger than the
 * cutoff. Commit order can put a row a little out of time order, so the walk goes on SLACK_MS past the cutoff.
 * Old events that must stay (a dead or queued delivery) are walked past via the cursor, one index probe each.
 * The lane_counts delete trigger keeps per-lane counts exact.
 */
const SCAN = 'SELECT id, received_at AS receivedAt FROM events WHERE id > ? ORDER BY id LIMIT ?';
const BLOCKED = `SELECT 1 FROM deliveries WHERE event_id = ? AND NOT (status = 'delivered' AND updated_at < ?) LIMIT 1`;
const DELETE_ATTEMPTS = `DELETE FROM attempts WHERE delivery_id IN (
  SELECT id FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)))`;
const DELETE_DELIVERIES = 'DELETE FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?))';
const DELETE_EVENTS = 'DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))';

export function purgeDeliveredEvents(db: SqliteDb, input: PurgeInput): PurgeResult {
  const { before, limit } = input;
  return db.write(() => {
    const rows = db.stmt(SCAN).all(input.cursor ?? 0, limit) as WalkedRow[];
    const { due, reachedYoung } = pickDue(rows, before, (id) => db.stmt(BLOCKED).get(id, before) === undefined);
    const deleted = { events: 0, deliveries: 0, attempts: 0 };
    if (due.length > 0) {
      const ids = JSON.stringify(due);
      deleted.attempts = db.stmt(DELETE_ATTEMPTS).run(ids).changes;
      deleted.deliveries = db.stmt(DELETE_DELIVERIES).run(ids).changes;
      deleted.events = db.stmt(DELETE_EVENTS).run(ids).changes;
    }
    const more = !reachedYoung && rows.length === limit;
    return { deleted, more, cursor: rows.length > 0 ? rows[rows.length - 1]!.id : input.cursor };
  });
}
