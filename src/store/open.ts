import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { OptirelayError } from '../core/errors.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { openWorkerStore } from './sqlite/worker-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** Where `sqlite:` without a path puts its file (`<dataDir>/optirelay.db`); relative paths resolve from the cwd. */
  dataDir?: string;
  logger?: Logger;
  /** Group-commit window (config `ingest.commitWindowMs`). Default 2 ms. */
  commitWindowMs?: number;
  /** Run schema migrations before returning (default true). */
  migrate?: boolean;
  /**
   * SQLite only: 'worker' runs the store in a worker thread (src/store/sqlite/worker-store.ts): SQLite CPU time and
   * the fsync of every commit leave the HTTP event loop (`optirelay serve` uses it); 'main' (default) keeps it on
   * the caller's thread with the raw connection at hand (CLI commands, tests, backup).
   * The environment variable OPTIRELAY_STORE_THREAD=main|worker overrides a 'worker' request (escape hatch).
   */
  thread?: 'main' | 'worker';
}

export class StoreUrlError extends OptirelayError {
  constructor(message: string) {
    super('OR_STORE_URL', message, 500);
  }
}

/**
 * Open the store a `store:` URL names:
 * - `sqlite:./data/optirelay.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:`,
 *   `sqlite:` (→ `<dataDir>/optirelay.db`). The parent directory is created.
 * - `postgres://…` / `postgresql://…` → the PostgreSQL store.
 */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const file = sqliteFile(url.slice('sqlite:'.length), opts.dataDir);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const thread = opts.thread === 'worker' ? (process.env.OPTIRELAY_STORE_THREAD === 'main' ? 'main' : 'worker') : 'main';
    const storeOpts = { logger: opts.logger, commitWindowMs: opts.commitWindowMs };
    const store = thread === 'worker' ? await openWorkerStore(file, storeOpts) : new SqliteStore(file, storeOpts);
    try {
      if (opts.migrate !== false) await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // Loaded on demand: SQLite deployments never load pg.
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore(url, opts);
  }
  throw new StoreUrlError(
    `store: unsupported URL ${JSON.stringify(redactUrl(url))}; use sqlite:./data/optirelay.db, sqlite::memory: ` +
      'or postgres://user@host:5432/db',
  );
}

function sqliteFile(rest: string, dataDir: string | undefined): string {
  if (rest === ':memory:') return ':memory:';
  if (rest === '') return resolve(join(dataDir ?? './data', 'optirelay.db'));
  const path = rest.startsWith('//') ? rest.slice(2) : rest; // sqlite:///abs → /abs
  return isAbsolute(path) ? path : resolve(path);
}

/** Drop a password from a URL before it goes into a message. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:[redacted]@');
}
