import { SchemaTooNewError } from '../schema-errors.js';
import type { SqliteDb } from './db.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  applied_at  INTEGER NOT NULL
)`;

export function schemaVersion(db: SqliteDb): number {
  const row = db.raw.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Apply pending migrations in order, each in its own BEGIN IMMEDIATE transaction: a second process starting at the
 * same time waits on the lock (busy_timeout), then sees the version already applied and skips it.
 * Refuses to touch a database whose schema is newer than the code.
 */
export function migrate(db: SqliteDb, migrations: Migration[] = MIGRATIONS): number[] {
  db.raw.exec(CREATE_TABLE);
  const known = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const applied: number[] = [];
  const current = schemaVersion(db);
  if (current > known) throw new SchemaTooNewError(current, known);
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    db.write(() => {
      const done = db.raw.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (done) return;
      db.raw.exec(m.sql);
      db.raw
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(m.version, m.name, Date.now());
      applied.push(m.version);
    });
  }
  return applied;
}
