import { ingestStatsOf } from '../stats-rows.js';
import type { IngestCounts, IngestStats } from '../types.js';
import type { SqliteDb } from './db.js';

type CounterRow = IngestCounts & { source_id: string };

/** One row per source, maintained by the append transaction: O(sources). */
export function readIngestStats(db: SqliteDb): IngestStats {
  const rows = db
    .stmt('SELECT source_id, received, accepted, duplicates, rejected, suppressed FROM ingest_counters ORDER BY source_id')
    .all() as CounterRow[];
  return ingestStatsOf(rows);
}
