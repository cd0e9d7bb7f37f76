import type { EventQuery, StoredEvent } from '../types.js';
import type { SqliteDb } from './db.js';
import { messageHash } from './message-hash.js';
import { pageLimit, toStoredEvent, type EventRow } from './rows.js';
import { Where } from './where.js';

const COLUMNS = 'id, source_id, message_id, type, user_id, anonymous_id, event_name, received_at, body';

/**
 * Newest first (id DESC), paged with `before`. With `after` (and no `before`) the order is oldest first, so a live
 * tail polling `after = last id seen` never skips rows when more than `limit` arrived.
 * userId / messageId / event filters use their indexes, whose (value, rowid) entries are already in id order, so a
 * page costs O(limit); `type` and `sourceId` filter while walking the primary key (low selectivity, no index to pay
 * for at ingest).
 */
export function listEvents(db: SqliteDb, q: EventQuery): StoredEvent[] {
  const where = new Where()
    .add('id < ?', q.before)
    .add('id > ?', q.after)
    .add('source_id = ?', q.sourceId)
    .add('user_id = ?', q.userId)
    .add('type = ?', q.type)
    .add('event_name = ?', q.event);
  if (q.messageId !== undefined) where.add('message_hash = ? AND message_id = ?', messageHash(q.messageId), q.messageId);
  const ascending = q.after !== undefined && q.before === undefined;
  const sql = `SELECT ${COLUMNS} FROM events${where.sql()} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
  return (db.stmt(sql).all(...where.params, pageLimit(q.limit)) as EventRow[]).map(toStoredEvent);
}

export function getEvent(db: SqliteDb, id: number): StoredEvent | undefined {
  const row = db.stmt(`SELECT ${COLUMNS} FROM events WHERE id = ?`).get(id) as EventRow | undefined;
  return row && toStoredEvent(row);
}
