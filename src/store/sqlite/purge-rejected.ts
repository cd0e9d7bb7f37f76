import type { PurgeInput, PurgeResult } from '../maintenance-types.js';
import type { SqliteDb } from './db.js';
import { pickDue, type WalkedRow } from './walk-received.js';

/**
 * Retention of rejected records: delete those received before `before`, oldest first, at most `limit` per call.
 * Like events, ids grow with received_at, so a rowid walk (walk-received.ts) needs no extra index.
 */
const SCAN = 'SELECT id, received_at AS receivedAt FROM rejected WHERE id > ? ORDER BY id LIMIT ?';
const DELETE = 'DELETE FROM rejected WHERE id IN (SELECT value FROM json_each(?))';

export function purgeRejected(db: SqliteDb, input: PurgeInput): PurgeResult {
  const { before, limit } = input;
  return db.write(() => {
    const rows = db.stmt(SCAN).all(input.cursor ?? 0, limit) as WalkedRow[];
    const { due, reachedYoung } = pickDue(rows, before);
    const rejected = due.length > 0 ? db.stmt(DELETE).run(JSON.stringify(due)).changes : 0;
    return { deleted: { rejected }, more: !reachedYoung && rows.length === limit, cursor: rows.length > 0 ? rows[rows.length - 1]!.id : input.cursor };
  });
}
