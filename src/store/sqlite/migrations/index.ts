import { sql as core001 } from './001_core.js';
import { sql as syncs002 } from './002_syncs.js';
import { sql as privacy003 } from './003_privacy.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every schema migration of the SQLite store, in order. Adding one = adding a file `NNN_name.ts` exporting `sql` and
 * one entry here. Numbers are reserved: 001 core, 002 syncs, 003 privacy, 004 limiter/maintenance.
 * Never edit a shipped migration; add a new one.
 */
export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'core', sql: core001 },
  { version: 2, name: 'syncs', sql: syncs002 },
  { version: 3, name: 'privacy', sql: privacy003 },
];
