import { sql as core001 } from './001_core.js';
import { sql as syncs002 } from './002_syncs.js';
import { sql as privacy003 } from './003_privacy.js';
import { sql as limiter004 } from './004_limiter.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema migration of the PostgreSQL store, in order. Never edit a shipped one; add a new file. */
export const PG_MIGRATIONS: PgMigration[] = [
  { version: 1, name: 'core', sql: core001 },
  { version: 2, name: 'syncs', sql: syncs002 },
  { version: 3, name: 'privacy', sql: privacy003 },
  { version: 4, name: 'limiter', sql: limiter004 },
];
