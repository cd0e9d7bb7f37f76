import type { SegmentEvent } from '../../core/event.js';
import { PayloadValidationError } from '../../core/errors.js';
import type { Delivery, DeliveryQuery, DeliveryStatus, EventQuery, StoredAttempt, StoredEvent, StoredRejected } from '../types.js';
import type { Param, PgDb } from './db.js';
import {
  DELIVERY_COLUMNS,
  pageLimit,
  toDelivery,
  toStoredAttempt,
  toStoredEvent,
  toStoredRejected,
  type AttemptRow,
  type DeliveryRow,
  type EventRow,
  type RejectedRow,
} from './rows.js';

/** Builds `WHERE a = $1 AND b = $2 …` with numbered parameters. */
class Where {
  readonly clauses: string[] = [];
  readonly params: Param[] = [];
  /** `clause` uses `?` for each value, in order. */
  add(clause: string, ...values: (Param | undefined)[]): void {
    if (values.some((v) => v === undefined)) return;
    let text = clause;
    for (const v of values) {
      this.params.push(v as Param);
      text = text.replace('?', `$${this.params.length}`);
    }
    this.clauses.push(text);
  }
  raw(clause: string): void {
    this.clauses.push(clause);
  }
  sql(): string {
    return this.clauses.length ? ` WHERE ${this.clauses.join(' AND ')}` : '';
  }
  next(v: Param): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }
}

const EVENT_COLUMNS = 'id, source_id, message_id, type, user_id, anonymous_id, event_name, received_at, body';

/** Newest first, paged with `before`; with `after` (and no `before`) oldest first (live tail). */
export async function listEvents(db: PgDb, q: EventQuery): Promise<StoredEvent[]> {
  const w = new Where();
  w.add('id < ?', q.before);
  w.add('id > ?', q.after);
  w.add('source_id = ?', q.sourceId);
  w.add('user_id = ?', q.userId);
  w.add('type = ?', q.type);
  w.add('event_name = ?', q.event);
  w.add('message_id = ?', q.messageId);
  const ascending = q.after !== undefined && q.before === undefined;
  const limit = w.next(pageLimit(q.limit));
  const rows = await db.q<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events${w.sql()} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ${limit}`, w.params);
  return rows.map(toStoredEvent);
}

export async function getEvent(db: PgDb, id: number): Promise<StoredEvent | undefined> {
  const row = await db.one<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id]);
  return row && toStoredEvent(row);
}

export async function listRejected(db: PgDb, q: { limit?: number; before?: number; sourceId?: string }): Promise<StoredRejected[]> {
  const w = new Where();
  w.add('id < ?', q.before);
  w.add('source_id = ?', q.sourceId);
  const limit = w.next(pageLimit(q.limit));
  const rows = await db.q<RejectedRow>(`SELECT id, source_id, received_at, reason, field, body FROM rejected${w.sql()} ORDER BY id DESC LIMIT ${limit}`, w.params);
  return rows.map(toStoredRejected);
}

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['pending', 'in_flight', 'delivered', 'retry_wait', 'dead']);

export function statusLiteral(s: string): DeliveryStatus {
  if (!STATUSES.has(s)) {
    throw new PayloadValidationError(`status must be one of ${[...STATUSES].join(', ')} (got ${JSON.stringify(s)})`, 'status');
  }
  return s as DeliveryStatus;
}

/** Newest first, paged with `before`. messageId / userId go through the events' indexes, then deliveries_event_id. */
export async function listDeliveries(db: PgDb, q: DeliveryQuery): Promise<Delivery[]> {
  const w = new Where();
  w.add('d.id < ?', q.before);
  // Inlined (validated) so the planner can match the partial indexes (deliveries_dead, deliveries_inflight).
  if (q.status !== undefined) w.raw(`d.status = '${statusLiteral(q.status)}'`);
  w.add('d.destination_id = ?', q.destinationId);
  w.add('d.lane = ?', q.lane);
  w.add('d.event_id = ?', q.eventId);
  w.add('d.event_id IN (SELECT id FROM events WHERE user_id = ?)', q.userId);
  w.add('d.event_id IN (SELECT id FROM events WHERE message_id = ?)', q.messageId);
  w.add('d.event_name = ?', q.eventName);
  w.add(`strpos(lower(coalesce(d.last_error, '')), lower(?)) > 0`, q.error);
  const limit = w.next(pageLimit(q.limit));
  const rows = await db.q<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d${w.sql()} ORDER BY d.id DESC LIMIT ${limit}`, w.params);
  return rows.map(toDelivery);
}

export async function getDelivery(db: PgDb, id: number): Promise<(Delivery & { event: SegmentEvent; attemptLog: StoredAttempt[] }) | undefined> {
  const row = await db.one<DeliveryRow & { event_body: string }>(
    `SELECT ${DELIVERY_COLUMNS}, e.body AS event_body FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
    [id],
  );
  if (!row) return undefined;
  const attempts = await db.q<AttemptRow>(
    `SELECT id, delivery_id, attempt, outcome, started_at, duration_ms, status_code, error, request, response
       FROM attempts WHERE delivery_id = $1 ORDER BY id`,
    [id],
  );
  return { ...toDelivery(row), event: JSON.parse(row.event_body) as SegmentEvent, attemptLog: attempts.map(toStoredAttempt) };
}

export { Where };
