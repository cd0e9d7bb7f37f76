import type { ReclaimResult } from '../maintenance-types.js';
import type { SqliteDb } from './db.js';

/** PRAGMA auto_vacuum values. */
const AUTO_VACUUM_MODES = ['none', 'full', 'incremental'] as const;

export function autoVacuumMode(db: SqliteDb): string {
  const v = db.raw.pragma('auto_vacuum', { simple: true }) as number;
  return AUTO_VACUUM_MODES[v] ?? String(v);
}

/**
 * After a retention sweep: give free pages back to the file system (only when the database was created with
 * auto_vacuum = INCREMENTAL, which db.ts asks for on new files; older files need a one-off VACUUM, see
 * docs/operations.md), at most `maxBytes` per call so the write lock is held briefly, then checkpoint the WAL with
 * TRUNCATE so the -wal file shrinks too. Without a vacuum SQLite reuses free pages for new rows: the file stops
 * growing once retention keeps up, it just does not shrink.
 */
export function reclaimSpace(db: SqliteDb, opts: { maxBytes?: number; memory: boolean }): ReclaimResult {
  let freedBytes = 0;
  if (autoVacuumMode(db) === 'incremental') {
    const pageSize = db.raw.pragma('page_size', { simple: true }) as number;
    const free = db.raw.pragma('freelist_count', { simple: true }) as number;
    const pages = Math.min(free, Math.max(1, Math.floor((opts.maxBytes ?? 64 * 1024 * 1024) / pageSize)));
    if (pages > 0) {
      db.raw.pragma(`incremental_vacuum(${pages})`);
      freedBytes = (free - (db.raw.pragma('freelist_count', { simple: true }) as number)) * pageSize;
    }
  }
  if (opts.memory) return { checkpointed: false, freedBytes };
  const [r] = db.raw.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return { checkpointed: r !== undefined && r.busy === 0, freedBytes };
}
