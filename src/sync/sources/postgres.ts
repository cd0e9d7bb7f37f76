/**
 * PostgreSQL as a sync source: the query runs under a server-side cursor (`DECLARE … NO SCROLL CURSOR` inside a
 * read-only transaction) and rows are FETCHed in pages, so a big model never sits in memory whole.
 */
import pg from 'pg';
import { SourceError, type Row } from './types.js';

const FETCH = 2000;

export async function* readPostgres(url: string, query: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<Row[]> {
  if (!query.trim()) throw new SourceError('postgres source: no query. Fix: give source.query (or source.queryFile)');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new SourceError(`postgres source: cannot connect: ${(err as Error).message}`);
  }
  try {
    await client.query('BEGIN READ ONLY');
    try {
      await client.query(`DECLARE optirelay_sync NO SCROLL CURSOR FOR ${query.trim().replace(/;\s*$/, '')}`);
    } catch (err) {
      throw new SourceError(`postgres source: the query failed: ${(err as Error).message}`);
    }
    for (;;) {
      if (opts.signal?.aborted) return;
      const res = await client.query<Row>(`FETCH ${FETCH} FROM optirelay_sync`);
      if (res.rows.length) yield res.rows;
      if (res.rows.length < FETCH) break;
    }
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => undefined);
  }
}
