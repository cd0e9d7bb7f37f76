/**
 * Sources: where a sync's model rows come from. Each yields plain row objects (column → value), streamed, never
 * loaded whole: SQLite (`.iterate()`), PostgreSQL (a server-side cursor), CSV (RFC 4180) and NDJSON files.
 */
import type { SyncSourceConfig } from '../../config/types.js';
import { readSqlite } from './sqlite.js';
import { readPostgres } from './postgres.js';
import { readCsv } from './csv.js';
import { readNdjson } from './ndjson.js';

import type { Row } from './types.js';

export { SourceError, type Row } from './types.js';

/** Rows in batches (a batch per await keeps a 1M-row read from paying 1M promise ticks). */
export function readSource(source: SyncSourceConfig, opts: { signal?: AbortSignal } = {}): AsyncIterable<Row[]> {
  switch (source.type) {
    case 'sqlite':
      return readSqlite(source.path, source.query, opts);
    case 'postgres':
      return readPostgres(source.url, source.query, opts);
    case 'csv':
      return readCsv(source.path, opts);
    case 'ndjson':
      return readNdjson(source.path, opts);
  }
}

/** "sqlite examples/warehouse/warehouse.db" — for logs and the CLI, never with credentials. */
export function describeSource(source: SyncSourceConfig): string {
  switch (source.type) {
    case 'postgres': {
      try {
        const u = new URL(source.url);
        return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}`;
      } catch {
        return 'postgres';
      }
    }
    default:
      return `${source.type} ${source.path}`;
  }
}
