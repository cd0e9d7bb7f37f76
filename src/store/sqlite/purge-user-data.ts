import { emptyPurgeCounts, type PurgeCounts, type UserIdentifiers } from '../privacy-types.js';
import type { SqliteDb } from './db.js';

/**
 * Forget one user: their events (by userId / anonymousId, and alias events whose previousId is theirs), every
 * delivery of those events whatever its status (in-flight ones too: the deliverer's late completion then matches no
 * row and is ignored), the attempt log of those deliveries (ON DELETE CASCADE), their dedup memory (the events' own
 * messageId index, or dedup rows where a schema still has that table), rejected records
 * that mention them, sync row errors / snapshot entries keyed by them; and the attempt rows of OTHER deliveries whose
 * batched request or response mentions them get their bodies replaced by a note (the Event API batches visitors).
 *
 * Two phases, because SQLite has one writer: the full-table scans (events by anonymousId and alias previousId,
 * rejected bodies, attempt bodies) run first as plain reads (WAL: they block nobody); then ONE short write transaction
 * deletes by id, re-reading the indexed userId so an event committed between the phases is caught as well.
 * Identifiers are matched in JSON text as JSON strings (`"user-123"`), so `user-1` does not match `user-12`.
 */
export function purgeUserData(db: SqliteDb, ids: UserIdentifiers, opts: { note: string }): PurgeCounts {
  const raws = [ids.userId, ids.anonymousId].filter((x): x is string => typeof x === 'string' && x !== '');
  const counts = emptyPurgeCounts();
  if (raws.length === 0) return counts;
  const quoted = raws.map((r) => JSON.stringify(r));

  // ---- phase 1: reads (no lock) ----
  const eventIds = new Set<number>();
  const byUser = db.stmt('SELECT id FROM events WHERE user_id = ?');
  if (ids.userId) for (const r of byUser.all(ids.userId) as { id: number }[]) eventIds.add(r.id);
  const scan = db.stmt(
    `SELECT id FROM events WHERE (:a IS NOT NULL AND anonymous_id = :a)
       OR (type = 'alias' AND json_extract(body, '$.previousId') IN (:u, :a))`,
  );
  for (const r of scan.all({ u: ids.userId ?? null, a: ids.anonymousId ?? null }) as { id: number }[]) eventIds.add(r.id);

  const mentions = (col: string): string => quoted.map((_, i) => `instr(${col}, :q${i}) > 0`).join(' OR ');
  const qParams = Object.fromEntries(quoted.map((q, i) => [`q${i}`, q]));
  const rejectedIds = (db.stmt(`SELECT id FROM rejected WHERE ${mentions('body')}`).all(qParams) as { id: number }[]).map((r) => r.id);
  const attemptIds = (
    db.stmt(`SELECT id FROM attempts WHERE ${mentions('request')} OR ${mentions('response')} OR ${mentions('error')}`).all(qParams) as { id: number }[]
  ).map((r) => r.id);
  const pkIn = raws.map((_, i) => `:r${i}`).join(', ');
  const rParams = Object.fromEntries(raws.map((r, i) => [`r${i}`, r]));
  const rowErrorIds = (
    db.stmt(`SELECT id FROM sync_row_errors WHERE pk IN (${pkIn}) OR ${mentions('message')}`).all({ ...rParams, ...qParams }) as { id: number }[]
  ).map((r) => r.id);

  // ---- phase 2: one write transaction ----
  db.write(() => {
    if (ids.userId) for (const r of byUser.all(ids.userId) as { id: number }[]) eventIds.add(r.id);
    const eventRow = db.stmt('SELECT source_id, message_id FROM events WHERE id = ?');
    const countAttempts = db.stmt('SELECT count(*) AS n FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ?)');
    const delDeliveries = db.stmt('DELETE FROM deliveries WHERE event_id = ?');
    // The dedup memory lives in the events' messageId index (001); an older schema kept a separate dedup table.
    const hasDedupTable = db.stmt(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dedup'`).get() !== undefined;
    const delDedup = hasDedupTable ? db.stmt('DELETE FROM dedup WHERE source_id = ? AND message_id = ?') : undefined;
    const delEvent = db.stmt('DELETE FROM events WHERE id = ?');
    for (const id of eventIds) {
      const ev = eventRow.get(id) as { source_id: string; message_id: string } | undefined;
      if (!ev) continue;
      counts.attempts += (countAttempts.get(id) as { n: number }).n;
      counts.deliveries += delDeliveries.run(id).changes;
      if (delDedup) counts.dedup += delDedup.run(ev.source_id, ev.message_id).changes;
      counts.events += delEvent.run(id).changes;
    }
    const delRejected = db.stmt('DELETE FROM rejected WHERE id = ?');
    for (const id of rejectedIds) counts.rejected += delRejected.run(id).changes;

    // Attempts of other deliveries (their own user's rows stay, minus this user's data). Method, URL and status are
    // kept for the delivery log; the bodies and headers go; the error text loses the identifier.
    let redactError = 'error';
    for (const [i] of raws.entries()) redactError = `replace(${redactError}, :r${i}, '[deleted]')`;
    const redact = db.stmt(
      `UPDATE attempts SET
         request = CASE WHEN request IS NULL THEN NULL ELSE json_object('method', json_extract(request, '$.method'),
           'url', ${raws.reduce((acc, _, i) => `replace(${acc}, :r${i}, '[deleted]')`, "json_extract(request, '$.url')")}, 'redacted', :note) END,
         response = CASE WHEN response IS NULL THEN NULL ELSE json_object('status', json_extract(response, '$.status'), 'redacted', :note) END,
         error = ${redactError}
       WHERE id = :id`,
    );
    for (const id of attemptIds) counts.attemptsRedacted += redact.run({ ...rParams, note: opts.note, id }).changes;

    const delRowError = db.stmt('DELETE FROM sync_row_errors WHERE id = ?');
    for (const id of rowErrorIds) counts.syncRowErrors += delRowError.run(id).changes;
    counts.syncSnapshots += db.stmt(`DELETE FROM sync_snapshots WHERE pk IN (${pkIn})`).run(rParams).changes;
  });
  return counts;
}
