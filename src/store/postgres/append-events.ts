import type { AppendInput, AppendResult } from '../types.js';
import { counterShard, type PgDb } from './db.js';
import { jsonText } from './rows.js';

/**
 * One request's append as ONE statement (one round trip, atomic in autocommit): data-modifying CTEs claim the
 * messageIds in `dedup`, insert the accepted events, their deliveries, the rejected records, and count lanes and
 * ingest. A failure anywhere (say a NOT NULL on a bad delivery) rolls back everything of this request and nothing
 * of any other request (each request is its own statement: PostgreSQL handles concurrent transactions, so there is
 * no group commit to isolate).
 *
 * Dedup (see 001_core.ts): `INSERT … ON CONFLICT DO UPDATE … WHERE seen_at < windowStart RETURNING` returns the
 * accepted messageIds. Repeats inside the request are resolved here first (first one wins). Keys are inserted in
 * sorted order, so two requests sharing messageIds lock them in the same order (no deadlock).
 * Event rows are inserted in input order; their identity ids are handed out in that order, so sorting the returned
 * ids maps them back to the input.
 */
const APPEND = /* sql */ `
WITH ev AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    WITH ORDINALITY AS t(message_id, type, user_id, anonymous_id, event_name, body, ord)
),
dd AS (
  INSERT INTO dedup AS d (source_id, message_id, seen_at)
  SELECT $1, message_id, $8 FROM ev ORDER BY message_id
  ON CONFLICT (source_id, message_id) DO UPDATE SET seen_at = excluded.seen_at WHERE d.seen_at < $9
  RETURNING message_id
),
ins AS (
  INSERT INTO events (source_id, message_id, type, user_id, anonymous_id, event_name, received_at, body)
  SELECT $1, ev.message_id, ev.type, ev.user_id, ev.anonymous_id, ev.event_name, $8, ev.body
    FROM ev JOIN dd ON dd.message_id = ev.message_id ORDER BY ev.ord
  RETURNING id, message_id, user_id, event_name
),
dl AS (
  SELECT * FROM unnest($10::bigint[], $11::text[], $12::text[], $13::text[]) AS t(ord, destination_id, mapping_id, action)
),
insd AS (
  INSERT INTO deliveries (event_id, destination_id, mapping_id, action, lane, status, attempts, created_at, updated_at,
                          next_attempt_at, message_id, user_id, event_name)
  SELECT ins.id, dl.destination_id, dl.mapping_id, dl.action, dl.destination_id || ':' || dl.action, 'pending', 0,
         $8, $8, $8, ins.message_id, ins.user_id, ins.event_name
    FROM dl JOIN ev ON ev.ord = dl.ord JOIN ins ON ins.message_id = ev.message_id
   ORDER BY ins.id, dl.ord
  RETURNING lane, destination_id, action
),
lc AS (
  INSERT INTO lane_counts AS c (lane, status, shard, destination_id, action, n)
  SELECT lane, 'pending', $14, min(destination_id), min(action), count(*) FROM insd GROUP BY lane ORDER BY lane
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = c.n + excluded.n
),
rj AS (
  INSERT INTO rejected (source_id, received_at, reason, field, batch_index, body)
  SELECT $1, $8, reason, field, batch_index, body
    FROM unnest($15::text[], $16::text[], $17::int[], $18::text[]) WITH ORDINALITY AS t(reason, field, batch_index, body, ord)
   ORDER BY ord
),
acc AS (SELECT count(*) AS n FROM dd),
ic AS (
  INSERT INTO ingest_counters AS c (source_id, shard, received, accepted, duplicates, rejected, suppressed)
  SELECT $1, $14, $19, acc.n, $20 - acc.n, $21, $22 FROM acc
  ON CONFLICT (source_id, shard) DO UPDATE SET
    received = c.received + excluded.received, accepted = c.accepted + excluded.accepted,
    duplicates = c.duplicates + excluded.duplicates, rejected = c.rejected + excluded.rejected,
    suppressed = c.suppressed + excluded.suppressed
)
SELECT ins.id, ins.message_id, (SELECT count(*) FROM insd) AS deliveries FROM ins
`;

/** `event` for track, `name` for page/screen; what the admin API's `event=` filter matches. */
function eventNameOf(event: { event?: string; name?: string }): string | null {
  if (typeof event.event === 'string') return event.event;
  if (typeof event.name === 'string') return event.name;
  return null;
}

export async function appendEvents(db: PgDb, input: AppendInput): Promise<AppendResult> {
  const { sourceId, now } = input;
  // Repeats within the request: the first occurrence goes to the database, later ones are duplicates.
  const firstIndex = new Map<string, number>();
  const ev = { messageId: [] as string[], type: [] as string[], userId: [] as (string | null)[], anon: [] as (string | null)[], name: [] as (string | null)[], body: [] as string[] };
  const dl = { ord: [] as number[], dest: [] as (string | null)[], mapping: [] as (string | null)[], action: [] as (string | null)[] };
  input.events.forEach(({ event, deliveries }, i) => {
    if (firstIndex.has(event.messageId)) return;
    firstIndex.set(event.messageId, i);
    ev.messageId.push(event.messageId);
    ev.type.push(event.type);
    ev.userId.push(event.userId ?? null);
    ev.anon.push(event.anonymousId ?? null);
    ev.name.push(eventNameOf(event));
    ev.body.push(JSON.stringify(event));
    const ord = ev.messageId.length; // WITH ORDINALITY is 1-based
    for (const d of deliveries) {
      dl.ord.push(ord);
      dl.dest.push(d.destinationId ?? null);
      dl.mapping.push(d.mappingId ?? null);
      dl.action.push(d.action ?? null);
    }
  });
  const rj = { reason: [] as string[], field: [] as (string | null)[], index: [] as (number | null)[], body: [] as string[] };
  for (const r of input.rejected) {
    rj.reason.push(r.reason);
    rj.field.push(r.field ?? null);
    rj.index.push(r.index ?? null);
    rj.body.push(jsonText(r.body) ?? 'null');
  }
  const received = input.events.length + input.rejected.length + input.suppressed;
  const rows = await db.q<{ id: number; message_id: string; deliveries: number }>(APPEND, [
    sourceId,
    ev.messageId,
    ev.type,
    ev.userId,
    ev.anon,
    ev.name,
    ev.body,
    now,
    now - input.dedupWindowMs,
    dl.ord,
    dl.dest,
    dl.mapping,
    dl.action,
    counterShard(),
    rj.reason,
    rj.field,
    rj.index,
    rj.body,
    received,
    input.events.length,
    input.rejected.length,
    input.suppressed,
  ]);
  const accepted = new Set(rows.map((r) => r.message_id));
  const outcomes: AppendResult['outcomes'] = input.events.map(({ event }, i) =>
    firstIndex.get(event.messageId) === i && accepted.has(event.messageId) ? 'accepted' : 'duplicate',
  );
  return { outcomes, deliveriesCreated: rows[0]?.deliveries ?? 0 };
}
