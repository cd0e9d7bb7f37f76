import { counterShard, type PgDb } from './db.js';

/** Heartbeat: one statement for the batch; only rows this owner still holds. A HOT update (no index covers it). */
export async function extendLeases(db: PgDb, ids: number[], owner: string, leaseExpiresAt: number): Promise<void> {
  if (ids.length === 0) return;
  await db.q(`UPDATE deliveries SET lease_expires_at = $3 WHERE id = ANY($1::bigint[]) AND status = 'in_flight' AND lease_owner = $2`, [
    [...ids].sort((a, b) => a - b),
    owner,
    leaseExpiresAt,
  ]);
}

/**
 * Expired leases back to pending, keeping their place (next_attempt_at). Reads the partial in-flight index (few
 * rows). Any process may run it: rows are locked in id order, and a row completed meanwhile no longer matches.
 */
const RELEASE = /* sql */ `
WITH expired AS (
  SELECT id FROM deliveries WHERE status = 'in_flight' AND lease_expires_at <= $1 ORDER BY id FOR UPDATE SKIP LOCKED
),
upd AS (
  UPDATE deliveries d SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
    FROM expired WHERE d.id = expired.id
  RETURNING d.lane, d.destination_id, d.action
),
lc AS (
  INSERT INTO lane_counts AS c (lane, status, shard, destination_id, action, n)
  SELECT lane, status, $2, min(destination_id), min(action), sum(delta) FROM (
    SELECT lane, 'in_flight' AS status, destination_id, action, -1 AS delta FROM upd
    UNION ALL
    SELECT lane, 'pending', destination_id, action, 1 FROM upd
  ) x GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = c.n + excluded.n
)
SELECT count(*) AS n FROM upd
`;

export async function releaseExpiredLeases(db: PgDb, now: number): Promise<number> {
  const row = await db.one<{ n: number }>(RELEASE, [now, counterShard()]);
  return row?.n ?? 0;
}
