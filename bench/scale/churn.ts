/**
 * Churn benchmark for the PostgreSQL store's bloat control (`npx tsx bench/scale/churn.ts [--cycles 10]
 * [--events 4000]`). Each cycle appends `events` track events (one delivery each, 100 per request), claims them in
 * batches of 200, sends one heartbeat per batch, completes them as delivered, then runs retention (events delivered
 * before the cycle). After each cycle it prints live/dead row counts of `deliveries` and the table + index sizes.
 * Two runs on fresh schemas: the store's own vacuum loop OFF (what a server with autovacuum off or lagging gives),
 * then ON (one check per cycle). Prints a markdown table for docs/scale-out.md.
 */
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const CYCLES = Number(args.get('cycles') ?? 10);
const EVENTS = Number(args.get('events') ?? 4000);
const URL = process.env.OPTIRELAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const FX = { destinationId: 'fx', mappingId: 'c', action: 'trackEvent' };

async function stats(store: PostgresStore): Promise<{ live: number; dead: number; heap: number; total: number }> {
  await store.db.q('SELECT pg_stat_force_next_flush()').catch(() => undefined);
  const r = await store.db.one<{ live: number; dead: number; heap: number; total: number }>(
    `SELECT n_live_tup AS live, n_dead_tup AS dead, pg_relation_size('deliveries') AS heap, pg_total_relation_size('deliveries') AS total
       FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'deliveries'`,
  );
  return r!;
}

async function runOnce(vacuum: boolean): Promise<string[]> {
  const schema = `churn_${vacuum ? 'on' : 'off'}_${process.pid}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const store = new PostgresStore(URL, { schema, vacuum: vacuum ? { intervalMs: 3_600_000 } : false });
  await store.migrate();
  const lines: string[] = [];
  let seq = 0;
  const t0 = Date.now();
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const now = t0 + cycle * 60_000;
    const ts = new Date(now).toISOString();
    for (let i = 0; i < EVENTS; i += 100) {
      const events = Array.from({ length: Math.min(100, EVENTS - i) }, () => ({
        event: { type: 'track' as const, event: 'purchase', messageId: `c-${seq++}`, userId: `u${seq % 500}`, properties: { revenue: 100, sku: 'x'.repeat(200) }, timestamp: ts, originalTimestamp: ts, receivedAt: ts },
        deliveries: [FX],
      }));
      await store.appendEvents({ sourceId: 'web', now, dedupWindowMs: 86_400_000, events, rejected: [], suppressed: 0 });
    }
    for (;;) {
      const batch = await store.claimDeliveries({ lane: 'fx:trackEvent', limit: 200, owner: 'w', leaseMs: 30_000, now });
      if (batch.length === 0) break;
      await store.extendLeases(batch.map((d) => d.id), 'w', now + 60_000);
      await store.completeDeliveries(batch.map((d) => ({ id: d.id, owner: 'w', status: 'delivered' as const, countsAsAttempt: true })), now);
    }
    // Retention: everything delivered before this cycle.
    let cursor: number | undefined;
    for (;;) {
      const r = await store.purgeDeliveredEvents({ before: now, limit: 2000, cursor });
      cursor = r.cursor;
      if (!r.more) break;
    }
    if (vacuum) await store.vacuumer!.tick();
    const s = await stats(store);
    lines.push(`| ${vacuum ? 'on' : 'off'} | ${cycle} | ${cycle * EVENTS} | ${s.live} | ${s.dead} | ${(s.heap / 1048576).toFixed(1)} | ${(s.total / 1048576).toFixed(1)} |`);
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
  await store.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  return lines;
}

const out = ['| store vacuum | cycle | deliveries created | live rows | dead rows | heap MiB | heap + indexes MiB |', '|---|---|---|---|---|---|---|'];
out.push(...(await runOnce(false)));
out.push(...(await runOnce(true)));
process.stdout.write(`${out.join('\n')}\n`);
