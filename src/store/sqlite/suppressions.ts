import type { IdentifierKind, Suppression } from '../privacy-types.js';
import type { SqliteDb } from './db.js';

const BUMP = `UPDATE privacy_state SET value = value + 1 WHERE key = 'suppressions_version'`;

/** Insert (ignored when present) and bump the version in one transaction. */
export function addSuppression(db: SqliteDb, s: Suppression): boolean {
  return db.write(() => {
    const added = db
      .stmt('INSERT OR IGNORE INTO suppressions (identifier_kind, identifier, created_at, created_by) VALUES (?, ?, ?, ?)')
      .run(s.kind, s.identifier, s.createdAt, s.createdBy).changes > 0;
    if (added) db.stmt(BUMP).run();
    return added;
  });
}

export function removeSuppression(db: SqliteDb, kind: IdentifierKind, identifier: string): boolean {
  return db.write(() => {
    const removed = db.stmt('DELETE FROM suppressions WHERE identifier_kind = ? AND identifier = ?').run(kind, identifier).changes > 0;
    if (removed) db.stmt(BUMP).run();
    return removed;
  });
}

/** The whole list: every process keeps it in memory (it is checked per event), so it is expected to be small. */
export function listSuppressions(db: SqliteDb): Suppression[] {
  const rows = db.stmt('SELECT identifier_kind, identifier, created_at, created_by FROM suppressions ORDER BY created_at, identifier').all() as {
    identifier_kind: IdentifierKind;
    identifier: string;
    created_at: number;
    created_by: string;
  }[];
  return rows.map((r) => ({ kind: r.identifier_kind, identifier: r.identifier, createdAt: r.created_at, createdBy: r.created_by }));
}

/** One-row read (the poll every process does). */
export function suppressionVersion(db: SqliteDb): number {
  const row = db.stmt(`SELECT value FROM privacy_state WHERE key = 'suppressions_version'`).get() as { value: number } | undefined;
  return row?.value ?? 0;
}
