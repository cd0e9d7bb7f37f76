import type { SqliteDb } from './db.js';

/**
 * Delete dedup rows last seen before `olderThan`, at most `limit` per call, oldest first through the seen_at index:
 * a bounded range delete, so a sweep never holds the write lock for long. The caller loops (yielding between calls)
 * until fewer than `limit` rows go.
 */
const PURGE = `DELETE FROM dedup WHERE (source_id, message_id) IN (
  SELECT source_id, message_id FROM dedup WHERE seen_at < ? ORDER BY seen_at LIMIT ?)`;

export function purgeDedup(db: SqliteDb, olderThan: number, limit = 10_000): number {
  return db.write(() => db.stmt(PURGE).run(olderThan, limit).changes);
}
