import type { SegmentEvent } from '../../core/event.js';
import type { ClaimedDelivery, ClaimInput } from '../types.js';
import { LaneCountDelta } from './adjust-lane-counts.js';
import type { SqliteDb } from './db.js';
import { DELIVERY_COLUMNS, toDelivery, type DeliveryRow } from './rows.js';

/**
 * Read the batch through the partial `deliveries_ready` index (lane, next_attempt_at, id), which holds only pending
 * and retry_wait rows, so the walk starts at the oldest ready row and stops after `limit`: O(limit · log queued),
 * however many rows were delivered before. The event body comes along by primary-key join.
 * The `status IN (...)` text must match the index's WHERE for SQLite to use the partial index.
 */
const SELECT_READY = `SELECT ${DELIVERY_COLUMNS}, e.body AS event_body
  FROM deliveries d JOIN events e ON e.id = d.event_id
  WHERE d.lane = ? AND d.status IN ('pending','retry_wait') AND d.next_attempt_at <= ?
  ORDER BY d.next_attempt_at, d.id LIMIT ?`;

const LEASE = `UPDATE deliveries SET status = 'in_flight', lease_owner = ?, lease_expires_at = ?, updated_at = ?
  WHERE id = ?`;

/**
 * Select-then-update inside one BEGIN IMMEDIATE transaction: no other writer (process) can run between the two, so
 * two claimers never get the same delivery. Point updates by id keep the work O(batch).
 */
export function claimDeliveries(db: SqliteDb, input: ClaimInput): ClaimedDelivery[] {
  if (input.limit <= 0) return [];
  const select = db.stmt(SELECT_READY);
  const lease = db.stmt(LEASE);
  const expires = input.now + input.leaseMs;
  return db.write(() => {
    const rows = select.all(input.lane, input.now, Math.floor(input.limit)) as (DeliveryRow & { event_body: string })[];
    const out: ClaimedDelivery[] = [];
    const counts = new LaneCountDelta();
    for (const r of rows) {
      lease.run(input.owner, expires, input.now, r.id);
      counts.move(r, r.status, 'in_flight');
      const d = toDelivery(r);
      d.status = 'in_flight';
      d.leaseOwner = input.owner;
      d.leaseExpiresAt = expires;
      d.updatedAt = input.now;
      out.push({ ...d, event: JSON.parse(r.event_body) as SegmentEvent });
    }
    counts.apply(db);
    return out;
  });
}
