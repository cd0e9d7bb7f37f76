import { statSync } from 'node:fs';
import type { StoreStats, TableStats } from '../maintenance-types.js';
import type { SqliteDb } from './db.js';
import { schemaVersion } from './migrate.js';
import { autoVacuumMode } from './reclaim-space.js';

/**
 * Size, rows and oldest row per table. Oldest rows are one index/rowid probe each. Row counts: deliveries come
 * from lane_counts (O(lanes)); the others are count(*) (SQLite walks the smallest index: ~10-30 ms per million
 * rows), so callers cache the result (the retention worker refreshes it; /metrics reads the cache).
 */
const TABLES: { table: string; count: string; oldest: string }[] = [
  { table: 'events', count: 'SELECT count(*) AS n FROM events', oldest: 'SELECT received_at AS t FROM events ORDER BY id LIMIT 1' },
  { table: 'deliveries', count: 'SELECT coalesce(sum(n), 0) AS n FROM lane_counts', oldest: 'SELECT created_at AS t FROM deliveries ORDER BY id LIMIT 1' },
  { table: 'attempts', count: 'SELECT count(*) AS n FROM attempts', oldest: 'SELECT started_at AS t FROM attempts ORDER BY id LIMIT 1' },
  { table: 'rejected', count: 'SELECT count(*) AS n FROM rejected', oldest: 'SELECT received_at AS t FROM rejected ORDER BY id LIMIT 1' },
];

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function readStoreStats(db: SqliteDb, file: string): StoreStats {
  const tables: TableStats[] = TABLES.map((t) => {
    const n = (db.stmt(t.count).get() as { n: number }).n;
    const oldest = db.stmt(t.oldest).get() as { t: number | null } | undefined;
    return { table: t.table, rows: n, oldestAt: oldest?.t ?? null };
  });
  let oldest: StoreStats['oldest'] = null;
  for (const t of tables) if (t.oldestAt !== null && (oldest === null || t.oldestAt < oldest.at)) oldest = { table: t.table, at: t.oldestAt };
  const pageSize = db.raw.pragma('page_size', { simple: true }) as number;
  const free = db.raw.pragma('freelist_count', { simple: true }) as number;
  const memory = file === ':memory:';
  const walBytes = memory ? 0 : fileSize(`${file}-wal`);
  const sizeBytes = memory ? (db.raw.pragma('page_count', { simple: true }) as number) * pageSize : fileSize(file) + walBytes;
  return { kind: 'sqlite', sizeBytes, walBytes, freeBytes: free * pageSize, vacuumMode: autoVacuumMode(db), schemaVersion: schemaVersion(db), tables, oldest };
}
