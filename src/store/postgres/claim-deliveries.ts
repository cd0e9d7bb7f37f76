import type { SegmentEvent } from '../../core/event.js';
import type { ClaimedDelivery, ClaimInput } from '../types.js';
import { counterShard, type PgDb } from './db.js';
import { DELIVERY_COLUMNS, toDelivery, type DeliveryRow } from './rows.js';

/**
 * One statement: pick the batch through the partial `deliveries_ready` index with FOR UPDATE SKIP LOCKED (rows
 * another claimer holds are passed over, never waited for, never handed out twice), lease them, count the status
 * move in lane_counts, and join the event bodies. Committed at once: no transaction stays open while the batch is
 * on the wire.
 */
const CLAIM = /* sql */ `
WITH picked AS (
  SELECT id, status AS prev_status FROM deliveries
   WHERE lane = $1 AND status IN ('pending','retry_wait') AND next_attempt_at <= $2
   ORDER BY next_attempt_at, id
   LIMIT $3
   FOR UPDATE SKIP LOCKED
),
upd AS (
  UPDATE deliveries d SET status = 'in_flight', lease_owner = $4, lease_expires_at = $5, updated_at = $2
    FROM picked p WHERE d.id = p.id
  RETURNING d.*, p.prev_status
),
lc AS (
  INSERT INTO lane_counts AS c (lane, status, shard, destination_id, action, n)
  SELECT lane, status, $6, min(destination_id), min(action), sum(delta) FROM (
    SELECT lane, prev_status AS status, destination_id, action, -1 AS delta FROM upd
    UNION ALL
    SELECT lane, 'in_flight', destination_id, action, 1 FROM upd
  ) x GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = c.n + excluded.n
)
SELECT ${DELIVERY_COLUMNS}, e.body AS event_body FROM upd d JOIN events e ON e.id = d.event_id
 ORDER BY d.next_attempt_at, d.id
`;

export async function claimDeliveries(db: PgDb, input: ClaimInput): Promise<ClaimedDelivery[]> {
  if (input.limit <= 0) return [];
  const rows = await db.q<DeliveryRow & { event_body: string }>(CLAIM, [
    input.lane,
    input.now,
    Math.floor(input.limit),
    input.owner,
    input.now + input.leaseMs,
    counterShard(),
  ]);
  return rows.map((r) => ({ ...toDelivery(r), event: JSON.parse(r.event_body) as SegmentEvent }));
}
