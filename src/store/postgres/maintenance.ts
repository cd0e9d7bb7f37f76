import type { PurgeInput, PurgeResult, ReclaimResult, StoreStats, TableStats } from '../maintenance-types.js';
import type { PgDb } from './db.js';
import { pgSchemaVersion } from './migrate.js';

/**
 * Retention (rules in maintenance-types.ts), each call ONE statement (one short transaction):
 * - delivered events: walk events by id from the cursor (ids grow with received_at; the walk goes SLACK_MS past the
 *   cutoff for commit-order skew, as in SQLite), keep those with no delivery that is not (delivered and old), and
 *   delete them with their deliveries, attempts and their dedup row (unless the messageId was accepted again later).
 * - dead letters: walk the partial dead index; the DELETE re-checks status, so a replayed delivery is never purged.
 * - rejected: walk by id.
 * The lane_counts delete trigger keeps the counts exact. Dead tuples are left to autovacuum (docs/scale-out.md).
 */
const SLACK_MS = 60_000;

const PURGE_EVENTS = /* sql */ `
WITH scan AS (
  SELECT id, received_at, source_id, message_id FROM events WHERE id > $1 ORDER BY id LIMIT $2
),
due AS (
  SELECT s.* FROM scan s
   WHERE s.received_at < $3
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = s.id AND NOT (d.status = 'delivered' AND d.updated_at < $3))
),
del_attempts AS (
  DELETE FROM attempts a USING deliveries d, due WHERE a.delivery_id = d.id AND d.event_id = due.id RETURNING a.id
),
del_deliveries AS (
  DELETE FROM deliveries d USING due WHERE d.event_id = due.id RETURNING d.id
),
del_dedup AS (
  DELETE FROM dedup x USING due WHERE x.source_id = due.source_id AND x.message_id = due.message_id AND x.seen_at <= due.received_at
  RETURNING 1
),
del_events AS (
  DELETE FROM events e USING due WHERE e.id = due.id RETURNING e.id
)
SELECT (SELECT count(*) FROM scan) AS scanned,
       (SELECT max(id) FROM scan) AS last_id,
       (SELECT count(*) FROM scan WHERE received_at >= $3 + ${SLACK_MS}) AS young,
       (SELECT count(*) FROM del_events) AS events,
       (SELECT count(*) FROM del_deliveries) AS deliveries,
       (SELECT count(*) FROM del_attempts) AS attempts
`;

interface PurgeRow {
  scanned: number;
  last_id: number | null;
  young: number;
  events?: number;
  deliveries?: number;
  attempts?: number;
  rejected?: number;
}

export async function purgeDeliveredEvents(db: PgDb, input: PurgeInput): Promise<PurgeResult> {
  const r = (await db.one<PurgeRow>(PURGE_EVENTS, [input.cursor ?? 0, input.limit, input.before]))!;
  return {
    deleted: { events: r.events ?? 0, deliveries: r.deliveries ?? 0, attempts: r.attempts ?? 0 },
    more: r.young === 0 && r.scanned === input.limit,
    cursor: r.last_id ?? input.cursor,
  };
}

const PURGE_DEAD = /* sql */ `
WITH scan AS (
  SELECT id, updated_at FROM deliveries WHERE status = 'dead' AND id > $1 ORDER BY id LIMIT $2
),
due AS (
  SELECT d.id FROM deliveries d JOIN scan ON scan.id = d.id WHERE d.status = 'dead' AND d.updated_at < $3 FOR UPDATE OF d
),
del_attempts AS (DELETE FROM attempts a USING due WHERE a.delivery_id = due.id RETURNING a.id),
del_deliveries AS (DELETE FROM deliveries d USING due WHERE d.id = due.id AND d.status = 'dead' RETURNING d.id)
SELECT (SELECT count(*) FROM scan) AS scanned, (SELECT max(id) FROM scan) AS last_id, 0 AS young,
       (SELECT count(*) FROM del_deliveries) AS deliveries, (SELECT count(*) FROM del_attempts) AS attempts
`;

export async function purgeDeadLetters(db: PgDb, input: PurgeInput): Promise<PurgeResult> {
  const r = (await db.one<PurgeRow>(PURGE_DEAD, [input.cursor ?? 0, input.limit, input.before]))!;
  return { deleted: { deliveries: r.deliveries ?? 0, attempts: r.attempts ?? 0 }, more: r.scanned === input.limit, cursor: r.last_id ?? input.cursor };
}

const PURGE_REJECTED = /* sql */ `
WITH scan AS (SELECT id, received_at FROM rejected WHERE id > $1 ORDER BY id LIMIT $2),
del AS (DELETE FROM rejected r USING scan WHERE r.id = scan.id AND scan.received_at < $3 RETURNING r.id)
SELECT (SELECT count(*) FROM scan) AS scanned, (SELECT max(id) FROM scan) AS last_id,
       (SELECT count(*) FROM scan WHERE received_at >= $3 + ${SLACK_MS}) AS young, (SELECT count(*) FROM del) AS rejected
`;

export async function purgeRejected(db: PgDb, input: PurgeInput): Promise<PurgeResult> {
  const r = (await db.one<PurgeRow>(PURGE_REJECTED, [input.cursor ?? 0, input.limit, input.before]))!;
  return { deleted: { rejected: r.rejected ?? 0 }, more: r.young === 0 && r.scanned === input.limit, cursor: r.last_id ?? input.cursor };
}

/**
 * PostgreSQL reuses the space of dead rows once (auto)vacuum has marked it; it does not give it back to the file
 * system without VACUUM FULL (an exclusive lock: an operator's decision, docs/scale-out.md). Here: a plain VACUUM
 * (no exclusive lock) of the churned tables when the caller asks for reclaiming after a sweep, and report 0 bytes.
 */
export async function reclaimSpace(db: PgDb): Promise<ReclaimResult> {
  await db.q('VACUUM (SKIP_LOCKED) deliveries, attempts, events, dedup, rejected, lane_counts, ingest_counters');
  return { checkpointed: false, freedBytes: 0 };
}

const TABLES: { table: string; time: string | null; exact?: string }[] = [
  { table: 'events', time: 'received_at' },
  { table: 'deliveries', time: 'created_at', exact: 'SELECT coalesce(sum(n), 0) AS n FROM lane_counts' },
  { table: 'attempts', time: 'started_at' },
  { table: 'rejected', time: 'received_at' },
  { table: 'dedup', time: null }, // no index on seen_at: the oldest would be a full scan
];

/** Above this many rows (planner estimate), report the estimate instead of count(*) (a full scan in PostgreSQL). */
const EXACT_COUNT_BELOW = 200_000;

export async function storeStats(db: PgDb): Promise<StoreStats> {
  const est = new Map(
    (await db.q<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples::bigint AS reltuples FROM pg_class WHERE oid = ANY(ARRAY[${TABLES.map((t) => `to_regclass('${t.table}')`).join(', ')}])`,
    )).map((r) => [r.relname, r.reltuples]),
  );
  const tables: TableStats[] = [];
  for (const t of TABLES) {
    const estimate = est.get(t.table) ?? -1;
    let rows: number;
    if (t.exact) rows = (await db.one<{ n: number }>(t.exact))!.n;
    else if (estimate >= 0 && estimate >= EXACT_COUNT_BELOW) rows = estimate;
    else rows = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t.table}`))!.n;
    const oldest = t.time ? await db.one<{ t: number }>(`SELECT ${t.time} AS t FROM ${t.table} ORDER BY id LIMIT 1`) : undefined;
    tables.push({ table: t.table, rows, oldestAt: oldest?.t ?? null });
  }
  let oldest: StoreStats['oldest'] = null;
  for (const t of tables) if (t.oldestAt !== null && (oldest === null || t.oldestAt < oldest.at)) oldest = { table: t.table, at: t.oldestAt };
  const size = await db.one<{ n: number }>('SELECT pg_database_size(current_database()) AS n');
  return { kind: 'postgres', sizeBytes: size?.n ?? 0, vacuumMode: 'autovacuum', schemaVersion: await pgSchemaVersion(db), tables, oldest };
}
