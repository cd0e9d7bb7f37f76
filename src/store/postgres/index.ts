/**
 * Entry point of the PostgreSQL store, loaded on demand by src/store/open.ts for `store: postgres://…` URLs.
 * Query parameters the store understands besides libpq's own: `schema=<name>` (tables live in that schema, created
 * if missing; default the connection's search_path) and `pool=<n>` (connections per process, default 10).
 */
import type { OpenStoreOptions } from '../open.js';
import type { Store } from '../types.js';
import { quoteIdent } from './db.js';
import { PostgresStore } from './postgres-store.js';

export { PostgresStore } from './postgres-store.js';

export async function openPostgresStore(url: string, opts: OpenStoreOptions): Promise<Store> {
  const { url: clean, schema, pool } = splitOptions(url);
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`store: schema=${JSON.stringify(schema)} is not a plain identifier; use letters, digits and _ (e.g. schema=optirelay)`);
  }
  const store = new PostgresStore(clean, { schema, max: pool, logger: opts.logger });
  try {
    if (schema) await store.db.q(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((err: unknown) => {
      // Concurrent creators: one wins, the other sees a unique violation; the schema exists either way.
      if ((err as { code?: string }).code !== '23505') throw err;
    });
    if (opts.migrate !== false) await store.migrate();
    else await store.ping();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function splitOptions(url: string): { url: string; schema?: string; pool?: number } {
  const q = url.indexOf('?');
  if (q < 0) return { url };
  const params = new URLSearchParams(url.slice(q + 1));
  const schema = params.get('schema') ?? undefined;
  const poolText = params.get('pool');
  params.delete('schema');
  params.delete('pool');
  let pool: number | undefined;
  if (poolText !== null) {
    pool = Number(poolText);
    if (!Number.isInteger(pool) || pool < 1 || pool > 200) throw new Error(`store: pool=${poolText} must be a whole number of connections from 1 to 200`);
  }
  const rest = params.toString();
  return { url: url.slice(0, q) + (rest ? `?${rest}` : ''), schema, pool };
}
