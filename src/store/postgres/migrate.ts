import { SchemaTooNewError } from '../schema-errors.js';
import type { PgDb } from './db.js';
import { PG_MIGRATIONS, type PgMigration } from './migrations/index.js';

/**
 * Apply pending migrations under a session advisory lock (one key per schema), so processes that start at the same
 * time queue: the first applies, the others then find the versions recorded and skip them. Each migration runs in
 * its own transaction with its schema_migrations row. Refuses to touch a schema newer than this code.
 */
export async function migratePg(db: PgDb, migrations: PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  const client = await db.pool.connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('optirelay:migrate:' || current_schema()))`);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text    NOT NULL,
        applied_at  bigint  NOT NULL
      )`);
      const known = migrations.reduce((m, x) => Math.max(m, x.version), 0);
      const current = await pgSchemaVersionOn((s) => client.query(s));
      if (current > known) throw new SchemaTooNewError(current, known);
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('optirelay:migrate:' || current_schema()))`).catch(() => {
        broken = true; // the session (and its lock) goes away with the connection
      });
    }
  } finally {
    client.release(broken);
  }
}

async function pgSchemaVersionOn(query: (sql: string) => Promise<{ rows: { v: number | null }[] }>): Promise<number> {
  const r = await query('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

export async function pgSchemaVersion(db: PgDb): Promise<number> {
  const row = await db.one<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return row?.v ?? 0;
}
