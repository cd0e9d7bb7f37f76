/** A SQLite file as a sync source: the query's rows through better-sqlite3's lazy `.iterate()`, read-only. */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { BATCH, SourceError, type Row } from './types.js';

export async function* readSqlite(path: string, query: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<Row[]> {
  if (!existsSync(path)) throw new SourceError(`sqlite source: no file at ${path}. Fix: give source.path relative to the directory optirelay runs in`);
  if (!query.trim()) throw new SourceError('sqlite source: no query. Fix: give source.query (or source.queryFile), e.g. "select user_id from vip_users"');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(query);
    } catch (err) {
      throw new SourceError(`sqlite source: the query does not compile: ${(err as Error).message}`);
    }
    if (!stmt.reader) throw new SourceError('sqlite source: the query returns no rows (it must be a SELECT)');
    let batch: Row[] = [];
    for (const row of stmt.iterate() as IterableIterator<Row>) {
      batch.push(row);
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
        if (opts.signal?.aborted) return;
        // Let timers (lease heartbeat, progress) run during long reads.
        await new Promise((r) => setImmediate(r));
      }
    }
    if (batch.length) yield batch;
  } finally {
    db.close();
  }
}
