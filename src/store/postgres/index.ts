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
    throw explainOpenError(err, clean);
  }
  return store;
}

/** The URL with its password masked, for messages (never print a store password). */
function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the store URL';
  }
}

/** PostgreSQL error codes and socket errors of a store that cannot be opened, with the fix. */
const OPEN_FIXES: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there: start PostgreSQL, or fix the host and port in `store:`',
  ENOTFOUND: 'the host name does not resolve: fix the host in `store:`',
  EAI_AGAIN: 'the host name does not resolve: fix the host in `store:`',
  ETIMEDOUT: 'the connection timed out: check the host, port and firewall',
  EHOSTUNREACH: 'the host is unreachable: check the host and the network',
  '28P01': 'wrong password: fix the user and password in `store:` (e.g. postgres://user:${PG_PASSWORD}@host:5432/db)',
  '28000': 'the server refused this user (pg_hba.conf): fix the user in `store:` or the server\'s pg_hba.conf',
  '3D000': 'the database does not exist: create it (createdb …) or fix the database name in `store:`',
  '42501': 'the user lacks a privilege the store needs (create tables in the schema): grant it, or use a schema it owns (?schema=optirelay)',
};

/** A clear error naming the (masked) store URL and the fix; other errors pass through unchanged. */
function explainOpenError(err: unknown, url: string): unknown {
  const e = err as { code?: string; message?: string };
  const fix = e.code ? OPEN_FIXES[e.code] : undefined;
  if (!fix) return err;
  const out = new Error(`store: cannot open PostgreSQL at ${maskedUrl(url)}: ${e.message ?? e.code}. Fix: ${fix}`);
  (out as Error & { code?: string }).code = e.code;
  return out;
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
