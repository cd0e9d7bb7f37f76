import pg from 'pg';

/**
 * The connection pool of a PostgreSQL store, and the two ways operations use it:
 * - `q(sql, params)`: one statement in autocommit (most operations are ONE statement: claim, complete, append…);
 * - `tx(fn)`: a short transaction on one pooled client (never held across an HTTP call: the store has no method
 *   that waits on anything but the database).
 * Both retry on deadlock (40P01) and serialization failure (40001): the statement or transaction rolled back as a
 * whole, so running it again is safe.
 */
export type Row = Record<string, unknown>;
export type Param = string | number | boolean | null | (string | number | boolean | null)[];

/** int8 (count(*), bigint ids and epoch-ms columns) as a JS number: every value we store is below 2^53. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

const RETRY_CODES = new Set(['40P01', '40001']);
const MAX_TRIES = 5;

export interface PgDbOptions {
  /** Pool size per process. Default 10. */
  max?: number;
  /** Schema to put first on the search_path (tests use one schema per file). */
  schema?: string;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export class PgDb {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;

  constructor(
    readonly url: string,
    opts: PgDbOptions = {},
  ) {
    this.schema = opts.schema;
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      application_name: opts.applicationName ?? 'optirelay',
      types: TYPES,
      ...(opts.schema ? { options: `-c search_path=${quoteIdent(opts.schema)},public` } : {}),
    });
    // An idle client that loses its connection emits 'error' on the pool; without a listener Node would exit.
    this.pool.on('error', () => undefined);
  }

  /** Connection settings for a client outside the pool (LISTEN). */
  clientConfig(): pg.ClientConfig {
    return {
      connectionString: this.url,
      types: TYPES,
      ...(this.schema ? { options: `-c search_path=${quoteIdent(this.schema)},public` } : {}),
    };
  }

  async q<R extends object = Row>(sql: string, params: Param[] = []): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.pool.query(sql, params);
        return r.rows as R[];
      } catch (err) {
        if (!retryable(err) || attempt >= MAX_TRIES) throw err;
        await backoff(attempt);
      }
    }
  }

  async one<R extends object = Row>(sql: string, params: Param[] = []): Promise<R | undefined> {
    return (await this.q<R>(sql, params))[0];
  }

  /** Run `fn` in one transaction (READ COMMITTED). Retried as a whole on deadlock / serialization failure. */
  async tx<T>(fn: (c: TxClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn(new TxClient(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (!retryable(err) || attempt >= MAX_TRIES) throw err;
      } finally {
        client.release(broken);
      }
      await backoff(attempt);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export class TxClient {
  constructor(readonly client: pg.PoolClient) {}
  async q<R extends object = Row>(sql: string, params: Param[] = []): Promise<R[]> {
    return (await this.client.query(sql, params)).rows as R[];
  }
  async one<R extends object = Row>(sql: string, params: Param[] = []): Promise<R | undefined> {
    return (await this.client.query(sql, params)).rows[0] as R | undefined;
  }
}

function retryable(err: unknown): boolean {
  return RETRY_CODES.has((err as { code?: string }).code ?? '');
}

function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
}

export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * A counter shard, picked per statement: lane_counts and ingest_counters keep one row per (key, shard) so that concurrent
 * transactions of different processes do not queue on one hot row (each waits for the other's commit fsync
 * otherwise). Readers sum the shards.
 */
export const COUNTER_SHARDS = 16;
export function counterShard(): number {
  return Math.floor(Math.random() * COUNTER_SHARDS);
}
