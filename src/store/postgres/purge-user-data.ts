import { emptyPurgeCounts, type PurgeCounts, type UserIdentifiers } from '../privacy-types.js';
import type { PgDb } from './db.js';

/**
 * Forget one user (privacy-types.ts PrivacyStore.purgeUserData), same reach as the SQLite version: their events (by
 * userId, anonymousId, and alias events whose previousId is theirs), every delivery of those events whatever its
 * status (a late completion of an in-flight one then matches no row), the attempt log of those deliveries, their
 * dedup rows, rejected records that mention them, sync row errors / snapshot entries keyed by them; attempt rows of
 * OTHER deliveries whose batched request/response mentions them get their bodies replaced by a note.
 * One transaction (MVCC: the scans block no writer). Identifiers are matched in JSON text as JSON strings
 * (`"user-123"`), so `user-1` does not match `user-12`.
 */
export async function purgeUserData(db: PgDb, ids: UserIdentifiers, opts: { note: string }): Promise<PurgeCounts> {
  const raws = [ids.userId, ids.anonymousId].filter((x): x is string => typeof x === 'string' && x !== '');
  const counts = emptyPurgeCounts();
  if (raws.length === 0) return counts;
  const quoted = raws.map((r) => JSON.stringify(r));
  return db.tx(async (c) => {
    const events = await c.q<{ id: number }>(
      `SELECT id FROM events
        WHERE ($1::text IS NOT NULL AND user_id = $1)
           OR ($2::text IS NOT NULL AND anonymous_id = $2)
           OR (type = 'alias' AND (body::jsonb ->> 'previousId') IN ($1, $2))
        FOR UPDATE`,
      [ids.userId ?? null, ids.anonymousId ?? null],
    );
    const eventIds = events.map((e) => e.id);
    if (eventIds.length > 0) {
      const r = await c.one<{ attempts: number; deliveries: number; dedup: number; events: number }>(
        `WITH ev AS (SELECT id, source_id, message_id FROM events WHERE id = ANY($1::bigint[])),
         del_attempts AS (DELETE FROM attempts a USING deliveries d WHERE a.delivery_id = d.id AND d.event_id = ANY($1::bigint[]) RETURNING a.id),
         del_deliveries AS (DELETE FROM deliveries WHERE event_id = ANY($1::bigint[]) RETURNING id),
         del_dedup AS (DELETE FROM dedup x USING ev WHERE x.source_id = ev.source_id AND x.message_id = ev.message_id RETURNING 1),
         del_events AS (DELETE FROM events WHERE id = ANY($1::bigint[]) RETURNING id)
         SELECT (SELECT count(*) FROM del_attempts) AS attempts, (SELECT count(*) FROM del_deliveries) AS deliveries,
                (SELECT count(*) FROM del_dedup) AS dedup, (SELECT count(*) FROM del_events) AS events`,
        [eventIds],
      );
      counts.attempts += r!.attempts;
      counts.deliveries += r!.deliveries;
      counts.dedup += r!.dedup;
      counts.events += r!.events;
    }
    const anyMention = (col: string): string => `EXISTS (SELECT 1 FROM unnest($1::text[]) AS u(q) WHERE strpos(${col}, u.q) > 0)`;
    counts.rejected += (await c.q(`DELETE FROM rejected WHERE ${anyMention('body')} RETURNING 1`, [quoted])).length;

    // Attempts of other deliveries: method, URL (minus the identifier) and status stay; bodies and headers go.
    let url = `(request::jsonb ->> 'url')`;
    let error = 'error';
    raws.forEach((_, i) => {
      url = `replace(${url}, $${i + 3}, '[deleted]')`;
      error = `replace(${error}, $${i + 3}, '[deleted]')`;
    });
    const redacted = await c.q(
      `UPDATE attempts SET
         request = CASE WHEN request IS NULL THEN NULL ELSE
           jsonb_build_object('method', request::jsonb -> 'method', 'url', ${url}, 'redacted', $2::text)::text END,
         response = CASE WHEN response IS NULL THEN NULL ELSE
           jsonb_build_object('status', response::jsonb -> 'status', 'redacted', $2::text)::text END,
         error = ${error}
       WHERE ${anyMention('request')} OR ${anyMention('response')} OR ${anyMention('error')}
       RETURNING 1`,
      [quoted, opts.note, ...raws],
    );
    counts.attemptsRedacted += redacted.length;

    counts.syncRowErrors += (
      await c.q(`DELETE FROM sync_row_errors WHERE pk = ANY($2::text[]) OR ${anyMention('message')} RETURNING 1`, [quoted, raws])
    ).length;
    counts.syncSnapshots += (await c.q('DELETE FROM sync_snapshots WHERE pk = ANY($1::text[]) RETURNING 1', [raws])).length;
    return counts;
  });
}
