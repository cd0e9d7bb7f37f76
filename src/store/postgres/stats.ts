import type { ActivitySeries, DeliveryBreakdown, DeliveryStatus, IngestCounts, IngestStats, LaneStats } from '../types.js';
import { countFlags, ingestStatsOf, laneStatsOf, type LaneCountRow } from '../stats-rows.js';
import type { PgDb } from './db.js';

/**
 * Counts from lane_counts (summed over shards) and, per lane, the oldest not-yet-delivered delivery: one probe into
 * `deliveries_queued` and one over the few in-flight rows — one statement.
 */
const LANES = /* sql */ `
WITH c AS (
  SELECT lane, status, min(destination_id) AS destination_id, min(action) AS action, sum(n) AS n
    FROM lane_counts GROUP BY lane, status
)
SELECT c.*,
  CASE WHEN c.status IN ('pending','retry_wait') AND c.n > 0 THEN
    (SELECT d.created_at FROM deliveries d WHERE d.lane = c.lane AND d.status IN ('pending','retry_wait') ORDER BY d.id LIMIT 1)
  WHEN c.status = 'in_flight' AND c.n > 0 THEN
    (SELECT min(d.created_at) FROM deliveries d WHERE d.status = 'in_flight' AND d.lane = c.lane)
  END AS oldest
  FROM c ORDER BY c.lane`;

export async function laneStats(db: PgDb, now: number): Promise<LaneStats[]> {
  const rows = await db.q<LaneCountRow & { oldest: number | null }>(LANES);
  const oldest = new Map<string, number>();
  for (const r of rows) if (r.oldest !== null) oldest.set(r.lane, Math.min(oldest.get(r.lane) ?? Infinity, r.oldest));
  return [...laneStatsOf(rows).values()].map((s) => {
    const o = oldest.get(s.lane);
    return { ...s, oldestPendingAgeMs: o === undefined ? 0 : Math.max(0, now - o) };
  });
}

export async function deliveryBreakdown(db: PgDb, destinationId: string): Promise<DeliveryBreakdown> {
  const byStatus: Record<DeliveryStatus, number> = { pending: 0, in_flight: 0, delivered: 0, retry_wait: 0, dead: 0 };
  for (const r of await db.q<{ status: DeliveryStatus; n: number }>(
    'SELECT status, sum(n) AS n FROM lane_counts WHERE destination_id = $1 GROUP BY status',
    [destinationId],
  )) {
    byStatus[r.status] = r.n;
  }
  const deadReasons = await db.q<{ reason: string; count: number }>(
    `SELECT reason, count(*) AS count FROM (
         SELECT coalesce(last_error, '(no error recorded)') AS reason FROM deliveries WHERE destination_id = $1 AND status = 'dead'
       ) x GROUP BY reason ORDER BY count(*) DESC, reason COLLATE "C" LIMIT 50`,
    [destinationId],
  );
  const flags: Record<string, number> = {};
  for (const r of await db.q<{ flags: string }>(
    `SELECT flags FROM deliveries WHERE destination_id = $1 AND flags IS NOT NULL AND status = 'delivered'`,
    [destinationId],
  )) {
    countFlags(JSON.parse(r.flags) as unknown, flags);
  }
  return { byStatus, deadReasons, flags };
}

export async function ingestStats(db: PgDb): Promise<IngestStats> {
  const rows = await db.q<IngestCounts & { source_id: string }>(
    `SELECT source_id, sum(received) AS received, sum(accepted) AS accepted, sum(duplicates) AS duplicates,
            sum(rejected) AS rejected, sum(suppressed) AS suppressed
       FROM ingest_counters GROUP BY source_id ORDER BY source_id`,
  );
  return ingestStatsOf(rows);
}

/**
 * Bucketed counts for the console's charts. events.received_at and deliveries.created_at have BRIN indexes (a few
 * pages; both grow with id), so the window's rows are found without a scan. Like SQLite, deliveries are bounded by
 * created_at ≥ since − 1 h (a delivery created earlier that changed status inside the window is left out).
 */
const DELIVERY_MARGIN_MS = 60 * 60 * 1000;

export async function activitySeries(db: PgDb, q: { since: number; bucketMs: number }): Promise<ActivitySeries> {
  const bucket = Math.max(1000, Math.floor(q.bucketMs));
  const events = await db.q<{ sourceId: string; bucket: number; count: number }>(
    `SELECT source_id AS "sourceId", (received_at / $1) * $1 AS bucket, count(*) AS count FROM events
      WHERE received_at >= $2 GROUP BY 1, 2 ORDER BY 2, 1`,
    [bucket, q.since],
  );
  const deliveries = await db.q<{ lane: string; destinationId: string; status: DeliveryStatus; bucket: number; count: number }>(
    `SELECT lane, min(destination_id) AS "destinationId", status, (updated_at / $1) * $1 AS bucket, count(*) AS count
       FROM deliveries WHERE created_at >= $3 AND updated_at >= $2 GROUP BY lane, status, 4 ORDER BY 4, lane, status`,
    [bucket, q.since, q.since - DELIVERY_MARGIN_MS],
  );
  return { events, deliveries };
}
