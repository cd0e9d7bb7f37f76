import type { AppendInput, AppendResult } from '../types.js';
import { LaneCountDelta } from './adjust-lane-counts.js';
import type { SqliteDb } from './db.js';
import { messageHash } from './message-hash.js';
import { jsonOrNull } from './rows.js';

/**
 * Dedup: the last acceptance of this messageId in this source, through the `events_message_hash` index (see 001_core for
 * why there is no separate dedup table). Seen at or after the window start → duplicate; never seen, or only before the
 * window → accepted again. Earlier events of the same group transaction are visible here, so duplicates within one
 * request or one group are caught too.
 */
const LAST_SEEN = `SELECT max(received_at) AS seen FROM events
  WHERE message_hash = ? AND message_id = ? AND source_id = ?`;

const INSERT_EVENT = `INSERT INTO events
  (source_id, message_id, message_hash, type, user_id, anonymous_id, event_name, received_at, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_DELIVERY = `INSERT INTO deliveries
  (event_id, destination_id, mapping_id, action, lane, status, attempts, created_at, updated_at, next_attempt_at,
   message_id, user_id, event_name)
  VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?)`;

const INSERT_REJECTED = `INSERT INTO rejected (source_id, received_at, reason, field, batch_index, body)
  VALUES (?, ?, ?, ?, ?, ?)`;

const COUNT = `INSERT INTO ingest_counters (source_id, received, accepted, duplicates, rejected, suppressed)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (source_id) DO UPDATE SET
    received = received + excluded.received, accepted = accepted + excluded.accepted,
    duplicates = duplicates + excluded.duplicates, rejected = rejected + excluded.rejected,
    suppressed = suppressed + excluded.suppressed`;

/** The lane of a delivery: `<destinationId>:<action>`. */
export function laneOf(destinationId: string, action: string): string {
  return `${destinationId}:${action}`;
}

/**
 * One request's append in the form the SQL needs: each event reduced to its indexed columns and its body as JSON text.
 * Built on the caller's thread (`prepareAppend`), so with the store in a worker thread (worker-store.ts) the
 * serialisation runs beside the HTTP work and the worker receives flat strings: structured-cloning 100 parsed events
 * costs more than cloning their JSON text, and the main thread drops the parsed objects as soon as they are sent.
 * Row tuple: [messageId, type, userId, anonymousId, eventName, body, deliveries as [destinationId, mappingId, action]].
 */
export type PreparedEvent = [string, string, string | null, string | null, string | null, string, [string, string, string][]];

export interface PreparedAppend {
  sourceId: string;
  now: number;
  dedupWindowMs: number;
  events: PreparedEvent[];
  /** [reason, field, batch index, body JSON]. */
  rejected: [string, string | null, number | null, string][];
  suppressed: number;
}

export function prepareAppend(input: AppendInput): PreparedAppend {
  const events: PreparedEvent[] = new Array(input.events.length);
  for (let i = 0; i < input.events.length; i++) {
    const { event, deliveries } = input.events[i] as AppendInput['events'][number];
    const ds: [string, string, string][] = new Array(deliveries.length);
    for (let j = 0; j < deliveries.length; j++) {
      const d = deliveries[j] as AppendInput['events'][number]['deliveries'][number];
      ds[j] = [d.destinationId, d.mappingId, d.action];
    }
    events[i] = [event.messageId, event.type, event.userId ?? null, event.anonymousId ?? null, eventNameOf(event), JSON.stringify(event), ds];
  }
  return {
    sourceId: input.sourceId,
    now: input.now,
    dedupWindowMs: input.dedupWindowMs,
    events,
    rejected: input.rejected.map((r) => [r.reason, r.field ?? null, r.index ?? null, jsonOrNull(r.body) ?? 'null']),
    suppressed: input.suppressed,
  };
}

/** Append one request's events (prepareAppend + appendPrepared); must run inside a write transaction. */
export function appendEvents(db: SqliteDb, input: AppendInput): AppendResult {
  return appendPrepared(db, prepareAppend(input));
}

/**
 * Append one request's events, deliveries, rejected records and counters. Must run inside a write transaction
 * (group-commit.ts wraps many of these in one). Single-row prepared inserts: better-sqlite3 runs them at ~1–2 µs each
 * inside a transaction, so multi-row VALUES lists would save little and cost a statement per batch size.
 */
export function appendPrepared(db: SqliteDb, input: PreparedAppend): AppendResult {
  const lastSeen = db.stmt(LAST_SEEN);
  const insertEvent = db.stmt(INSERT_EVENT);
  const insertDelivery = db.stmt(INSERT_DELIVERY);
  const { sourceId, now } = input;
  const windowStart = now - input.dedupWindowMs;
  const outcomes: AppendResult['outcomes'] = [];
  let deliveriesCreated = 0;
  let accepted = 0;
  const counts = new LaneCountDelta();
  for (const [messageId, type, userId, anonymousId, eventName, body, deliveries] of input.events) {
    const hash = messageHash(messageId);
    const seen = (lastSeen.get(hash, messageId, sourceId) as { seen: number | null }).seen;
    if (seen !== null && seen >= windowStart) {
      outcomes.push('duplicate');
      continue;
    }
    outcomes.push('accepted');
    accepted++;
    const eventId = insertEvent.run(sourceId, messageId, hash, type, userId, anonymousId, eventName, now, body).lastInsertRowid;
    for (const [destinationId, mappingId, action] of deliveries) {
      const lane = laneOf(destinationId, action);
      insertDelivery.run(eventId, destinationId, mappingId, action, lane, now, now, now, messageId, userId, eventName);
      deliveriesCreated++;
      counts.add({ lane, destination_id: destinationId, action }, 'pending', 1);
    }
  }
  if (input.rejected.length > 0) {
    const insertRejected = db.stmt(INSERT_REJECTED);
    for (const [reason, field, index, body] of input.rejected) insertRejected.run(sourceId, now, reason, field, index, body);
  }
  const duplicates = input.events.length - accepted;
  const received = input.events.length + input.rejected.length + input.suppressed;
  counts.apply(db);
  db.stmt(COUNT).run(sourceId, received, accepted, duplicates, input.rejected.length, input.suppressed);
  return { outcomes, deliveriesCreated };
}

/** `event` for track, `name` for page/screen; what the admin API's `event=` filter matches. */
function eventNameOf(event: { event?: string; name?: string }): string | null {
  if (typeof event.event === 'string') return event.event;
  if (typeof event.name === 'string') return event.name;
  return null;
}
