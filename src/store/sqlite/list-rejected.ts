import type { StoredRejected } from '../types.js';
import type { SqliteDb } from './db.js';
import { pageLimit, toStoredRejected, type RejectedRow } from './rows.js';

/** Newest first, paged with `before`; walks the primary key backwards (rejected rows are few). */
export function listRejected(
  db: SqliteDb,
  q: { limit?: number; before?: number; sourceId?: string },
): StoredRejected[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.before !== undefined) {
    where.push('id < ?');
    params.push(q.before);
  }
  if (q.sourceId !== undefined) {
    where.push('source_id = ?');
    params.push(q.sourceId);
  }
  params.push(pageLimit(q.limit));
  const sql =
    'SELECT id, source_id, received_at, reason, field, body FROM rejected' +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  return (db.stmt(sql).all(...params) as RejectedRow[]).map(toStoredRejected);
}
