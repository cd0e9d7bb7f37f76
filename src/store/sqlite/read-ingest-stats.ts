import type { IngestCounts, IngestStats } from '../types.js';
import type { SqliteDb } from './db.js';

type CounterRow = IngestCounts & { source_id: string };

/** One row per source, maintained by the append transaction: O(sources). */
export function readIngestStats(db: SqliteDb): IngestStats {
  const rows = db
    .stmt('SELECT source_id, received, accepted, duplicates, rejected, suppressed FROM ingest_counters ORDER BY source_id')
    .all() as CounterRow[];
  const total: IngestCounts = { received: 0, accepted: 0, duplicates: 0, rejected: 0, suppressed: 0 };
  const perSource: Record<string, IngestCounts> = {};
  for (const { source_id, ...c } of rows) {
    perSource[source_id] = c;
    total.received += c.received;
    total.accepted += c.accepted;
    total.duplicates += c.duplicates;
    total.rejected += c.rejected;
    total.suppressed += c.suppressed;
  }
  return { total, perSource };
}
