import type { StoredRejected } from '../types.js';
import type { SqliteDb } from './db.js';
import { pageLimit, toStoredRejected, type RejectedRow } from './rows.js';
import { Where } from './where.js';

/** Newest first, paged with `before`; walks the primary key backwards (rejected rows are few). */
export function listRejected(
  db: SqliteDb,
  q: { limit?: number; before?: number; sourceId?: string },
): StoredRejected[] {
  const where = new Where().add('id < ?', q.before).add('source_id = ?', q.sourceId);
  const sql = `SELECT id, source_id, received_at, reason, field, body FROM rejected${where.sql()} ORDER BY id DESC LIMIT ?`;
  return (db.stmt(sql).all(...where.params, pageLimit(q.limit)) as RejectedRow[]).map(toStoredRejected);
}
