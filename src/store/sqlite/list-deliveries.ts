import type { SegmentEvent } from '../../core/event.js';
import { PayloadValidationError } from '../../core/errors.js';
import type { Delivery, DeliveryQuery, DeliveryStatus, StoredAttempt } from '../types.js';
import type { SqliteDb } from './db.js';
import { messageHash } from './message-hash.js';
import { DELIVERY_COLUMNS, pageLimit, toDelivery, toStoredAttempt, type AttemptRow, type DeliveryRow } from './rows.js';
import { Where } from './where.js';

/**
 * Newest first (id DESC), paged with `before`. messageId and userId go through the events' indexes and then
 * `deliveries_event_id` (O(matches)) instead of indexing those columns a second time on deliveries (each index costs
 * ingest throughput). status = 'dead' walks the partial dead index. Other filters are checked while walking the
 * primary key backwards, which stops after `limit` matches.
 */
export function listDeliveries(db: SqliteDb, q: DeliveryQuery): Delivery[] {
  const where = new Where().add('d.id < ?', q.before);
  // Inlined (validated) so SQLite can match the literal against partial indexes (deliveries_dead).
  if (q.status !== undefined) where.raw(`d.status = '${statusLiteral(q.status)}'`);
  where
    .add('d.destination_id = ?', q.destinationId)
    .add('d.lane = ?', q.lane)
    .add('d.event_id = ?', q.eventId)
    .add('d.event_id IN (SELECT id FROM events WHERE user_id = ?)', q.userId);
  if (q.messageId !== undefined) {
    where.add('d.event_id IN (SELECT id FROM events WHERE message_hash = ? AND message_id = ?)', messageHash(q.messageId), q.messageId);
  }
  where.add('d.event_name = ?', q.eventName).add("instr(lower(coalesce(d.last_error, '')), lower(?)) > 0", q.error);
  const sql = `SELECT ${DELIVERY_COLUMNS} FROM deliveries d${where.sql()} ORDER BY d.id DESC LIMIT ?`;
  return (db.stmt(sql).all(...where.params, pageLimit(q.limit)) as DeliveryRow[]).map(toDelivery);
}

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['pending', 'in_flight', 'delivered', 'retry_wait', 'dead']);

function statusLiteral(s: string): DeliveryStatus {
  if (!STATUSES.has(s)) {
    throw new PayloadValidationError(
      `status must be one of ${[...STATUSES].join(', ')} (got ${JSON.stringify(s)})`,
      'status',
    );
  }
  return s as DeliveryStatus;
}

export function getDelivery(
  db: SqliteDb,
  id: number,
): (Delivery & { event: SegmentEvent; attemptLog: StoredAttempt[] }) | undefined {
  const row = db
    .stmt(`SELECT ${DELIVERY_COLUMNS}, e.body AS event_body FROM deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.id = ?`)
    .get(id) as (DeliveryRow & { event_body: string }) | undefined;
  if (!row) return undefined;
  const attempts = db
    .stmt(`SELECT id, delivery_id, attempt, outcome, started_at, duration_ms, status_code, error, request, response
      FROM attempts WHERE delivery_id = ? ORDER BY id`)
    .all(id) as AttemptRow[];
  return { ...toDelivery(row), event: JSON.parse(row.event_body) as SegmentEvent, attemptLog: attempts.map(toStoredAttempt) };
}
