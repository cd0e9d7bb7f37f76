import type { EventQuery, StoredEvent } from '../types.js';
import type { SqliteDb } from './db.js';
import { messageHash } from './message-hash.js';
import { pageLimit, toStoredEvent, type EventRow } from './rows.js';

const COLUMNS = 'id, source_id, message_id, type, user_id, anonymous_id, event_name, received_at, body';

/**
 * Newest first (id DESC), paged with `before`. With `after` (and no `before`) the order is oldest first, so a live
 * tail polling `after = last id seen` never skips rows when more than `limit` arrived.
 * userId / messageId / event filters use their indexes, whose (value, rowid) entries are already in id order, so a
 * page costs O(limit); `type` and `sourceId` filter while walking the primary key (low selectivity, no index to pay
 * for at ingest).
 */
export function listEvents(db: SqliteDb, q: EventQuery): StoredEvent[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, v: string | number | undefined): void => {
    if (v === undefined) return;
    where.push(clause);
    params.push(v);
  };
  add('id < ?', q.before);
  add('id > ?', q.after);
  add('source_id = ?', q.sourceId);
  add('user_id = ?', q.userId);
  add('type = ?', q.type);
  add('event_name = ?', q.event);
  if (q.messageId !== undefined) {
    where.push('message_hash = ? AND message_id = ?');
    params.push(messageHash(q.messageId), q.messageId);
  }
  const ascending = q.after !== undefined && q.before === undefined;
  const sql =
    `SELECT ${COLUMNS} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ` ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
  params.push(pageLimit(q.limit));
  return (db.stmt(sql).all(...params) as EventRow[]).map(toStoredEvent);
}

export function getEvent(db: SqliteDb, id: number): StoredEvent | undefined {
  const row = db.stmt(`SELECT ${COLUMNS} FROM events WHERE id = ?`).get(id) as EventRow | undefined;
  return row && toStoredEvent(row);
}
