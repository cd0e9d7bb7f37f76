/**
 * Sync snapshots. Read as a stream in pages by key (keyset paging, not one long-lived iterator, so writers of the
 * same connection are never blocked while a run reads); written in one transaction per batch of changes.
 */
import type { SqliteDb } from './db.js';
import type { SnapshotChange } from '../sync-types.js';

const PAGE = 10_000;

export async function* iterateSnapshot(db: SqliteDb, syncId: string): AsyncIterable<{ pk: string; hash: string }[]> {
  let after = '';
  let first = true;
  for (;;) {
    const rows = (
      first
        ? db.stmt('SELECT pk, hash FROM sync_snapshots WHERE sync_id = ? ORDER BY pk LIMIT ?').all(syncId, PAGE)
        : db.stmt('SELECT pk, hash FROM sync_snapshots WHERE sync_id = ? AND pk > ? ORDER BY pk LIMIT ?').all(syncId, after, PAGE)
    ) as { pk: string; hash: string }[];
    first = false;
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.pk;
  }
}

export function applySnapshot(db: SqliteDb, syncId: string, changes: SnapshotChange[]): void {
  if (changes.length === 0) return;
  const up = db.stmt('INSERT INTO sync_snapshots (sync_id, pk, hash) VALUES (?, ?, ?) ON CONFLICT (sync_id, pk) DO UPDATE SET hash = excluded.hash');
  const del = db.stmt('DELETE FROM sync_snapshots WHERE sync_id = ? AND pk = ?');
  db.write(() => {
    for (const c of changes) {
      if (c.hash === null) del.run(syncId, c.pk);
      else up.run(syncId, c.pk, c.hash);
    }
  });
}

export function snapshotSize(db: SqliteDb, syncId: string): number {
  return (db.stmt('SELECT count(*) AS n FROM sync_snapshots WHERE sync_id = ?').get(syncId) as { n: number }).n;
}

export function resetSnapshot(db: SqliteDb, syncId: string): number {
  return db.write(() => db.stmt('DELETE FROM sync_snapshots WHERE sync_id = ?').run(syncId).changes);
}
