import type { ActivitySeries, DeliveryStatus } from '../types.js';
import type { SqliteDb } from './db.js';

/**
 * Bucketed counts for the console's charts. Neither events.received_at nor deliveries.updated_at is indexed (ingest
 * pays for every index), but ids grow with time, so a binary search over the primary key (O(log n) point reads) finds
 * the first row of the window and the GROUP BY only walks the window's rows.
 * Deliveries are bounded by created_at ≥ since − 1 h: a delivery created earlier that changed status inside the
 * window is left out (an approximation the charts can afford; the lane counters are exact).
 */
const DELIVERY_MARGIN_MS = 60 * 60 * 1000;

function firstIdAtOrAfter(db: SqliteDb, table: 'events' | 'deliveries', column: 'received_at' | 'created_at', t: number): number | undefined {
  const max = (db.stmt(`SELECT max(id) AS id FROM ${table}`).get() as { id: number | null }).id;
  if (max === null) return undefined;
  const probe = db.stmt(`SELECT id, ${column} AS t FROM ${table} WHERE id >= ? ORDER BY id LIMIT 1`);
  let lo = 1;
  let hi = max + 1; // invariant: every row with id >= hi has t >= since
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = probe.get(mid) as { id: number; t: number } | undefined;
    if (!row) {
      hi = mid;
      continue;
    }
    if (row.t >= t) hi = mid;
    else lo = row.id + 1;
  }
  return lo > max ? undefined : lo;
}

export function readActivitySeries(db: SqliteDb, q: { since: number; bucketMs: number }): ActivitySeries {
  const out: ActivitySeries = { events: [], deliveries: [] };
  const bucket = Math.max(1000, Math.floor(q.bucketMs));
  const firstEvent = firstIdAtOrAfter(db, 'events', 'received_at', q.since);
  if (firstEvent !== undefined) {
    const rows = db
      .stmt(
        `SELECT source_id AS sourceId, (received_at / ?) * ? AS bucket, count(*) AS count FROM events
         WHERE id >= ? AND received_at >= ? GROUP BY source_id, bucket ORDER BY bucket`,
      )
      .all(bucket, bucket, firstEvent, q.since) as { sourceId: string; bucket: number; count: number }[];
    out.events = rows;
  }
  const firstDelivery = firstIdAtOrAfter(db, 'deliveries', 'created_at', q.since - DELIVERY_MARGIN_MS);
  if (firstDelivery !== undefined) {
    out.deliveries = db
      .stmt(
        `SELECT lane, destination_id AS destinationId, status, (updated_at / ?) * ? AS bucket, count(*) AS count FROM deliveries
         WHERE id >= ? AND updated_at >= ? GROUP BY lane, status, bucket ORDER BY bucket`,
      )
      .all(bucket, bucket, firstDelivery, q.since) as { lane: string; destinationId: string; status: DeliveryStatus; bucket: number; count: number }[];
  }
  return out;
}
