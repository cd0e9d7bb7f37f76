/**
 * Scale-out on PostgreSQL (issue 10): several optirelay processes — one `serve --no-workers` ingest process and
 * `optirelay worker` processes — on ONE database, delivering to the sandbox.
 * - 3 workers: every event delivered, each counted once by uuid at the sandbox, and the lane's rate limit held by the
 *   fleet together (shared limiter state), not by each worker.
 * - kill -9 of a worker holding a batch on the wire: its deliveries come back when the lease runs out and another
 *   worker delivers them; nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { hostname } from 'node:os';
import { startSandbox } from '../../src/sandbox/index.js';
import { DEMO } from '../../src/sandbox/demo.js';
import { dropSchema, PG_URL, randomSchema, requirePostgres, schemaUrl } from '../store/fixtures/pg.js';
import { maxInWindow, sendBatch, startIngest, startWorker, waitFor, writeFleetConfig, type Child } from './fleet.js';

const run = await requirePostgres('the scale-out fleet tests');

describe.runIf(run)('scale-out: a fleet of processes on one PostgreSQL database', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  const children: Child[] = [];
  const schemas: string[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGKILL')));
    await sandbox?.close();
    for (const s of schemas) await dropSchema(s);
  });

  async function query<T extends pg.QueryResultRow>(schema: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`SET search_path = "${schema}"`);
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  const events = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `${prefix}-user-${i % 17}`, event: DEMO.events[0]!.key, messageId: `${prefix}-${i}`, properties: { revenue: 100 } }));

  it('3 workers + 1 ingest process: every event delivered once by uuid, the rate limit held fleet-wide', async () => {
    sandbox.reset();
    const schema = randomSchema('fleet');
    schemas.push(schema);
    const perSecond = 10;
    const config = writeFleetConfig({ storeUrl: schemaUrl(schema), sandboxUrl: sandbox.url, batchSize: 5, perSecond });
    // Start the ingest process first (it migrates), then the workers all at once.
    const ingest = await startIngest(config);
    children.push(ingest);
    const workers = await Promise.all([startWorker(config), startWorker(config), startWorker(config)]);
    children.push(...workers);

    const n = 150;
    const all = events('fleet', n);
    // Three requests, one repeating part of another (client retries): duplicates are dropped at ingest.
    await Promise.all([sendBatch(ingest.url!, all.slice(0, 60)), sendBatch(ingest.url!, all.slice(40, 110)), sendBatch(ingest.url!, all.slice(100))]);

    await waitFor('every delivery delivered', async () => {
      const [r] = await query<{ open: string; delivered: string }>(
        schema,
        `SELECT count(*) FILTER (WHERE status <> 'delivered') AS open, count(*) FILTER (WHERE status = 'delivered') AS delivered FROM deliveries`,
      );
      return Number(r!.open) === 0 && Number(r!.delivered) === n;
    });
    const conv = sandbox.conversions(DEMO.events[0]!.key);
    expect(conv.total).toBe(n);
    expect(conv.duplicates).toBe(0); // each uuid sent once: no delivery went out twice

    // Several workers took part, and together they kept to the lane's limit (GCRA, burst 0: at most perSecond
    // requests in any 1 s window, +1 for a request exactly on the window's edge). Per-process limiters would allow
    // 3 × perSecond.
    const owners = await query<{ n: string }>(schema, `SELECT count(DISTINCT key) AS n FROM limiter_slots`);
    expect(Number(owners[0]!.n)).toBe(1);
    const requests = sandbox.received('eventApi');
    const times = requests.map((r) => Date.parse(r.at));
    // Batches of at most 5 visitors. Not exactly n / 5 requests: two workers claiming at the same moment can split
    // the last rows of a lane (SKIP LOCKED), and each sends its part after the linger.
    const sizes = requests.map((r) => (r.body as { visitors: unknown[] }).visitors.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(perSecond + 1);

    for (const w of workers) await w.stop();
    await ingest.stop();
    for (const c of [...workers, ingest]) expect(await c.exited).toBe(0);
  });

  it('kill -9 of a worker mid-batch: its deliveries are taken over after the lease and nothing is lost', async () => {
    sandbox.reset();
    const schema = randomSchema('kill');
    schemas.push(schema);
    const leaseMs = 2_000;
    const config = writeFleetConfig({ storeUrl: schemaUrl(schema), sandboxUrl: sandbox.url, batchSize: 10, leaseMs });
    const ingest = await startIngest(config);
    children.push(ingest);
    const victim = await startWorker(config);
    children.push(victim);
    // Every Event API call hangs (the victim's batches stay on the wire) until the fault is cleared.
    sandbox.faults.add({ api: 'eventApi', delayMs: 60_000, count: 1000 });
    const n = 60;
    await sendBatch(ingest.url!, events('kill', n));

    const owner = `${hostname()}:${victim.pid}:`;
    const held = await waitFor('the victim to hold a batch on the wire', async () => {
      const rows = await query<{ id: string }>(schema, `SELECT id FROM deliveries WHERE status = 'in_flight' AND starts_with(lease_owner, $1)`, [owner]);
      return rows.length > 0 && sandbox.received('eventApi').length === 0 ? rows.map((r) => Number(r.id)) : false;
    });
    victim.proc.kill('SIGKILL');
    await victim.exited;
    sandbox.faults.clear();

    // The rest of the fleet: two workers that never saw these deliveries.
    const rescuers = await Promise.all([startWorker(config), startWorker(config)]);
    children.push(...rescuers);
    await waitFor('every delivery delivered after the takeover', async () => {
      const [r] = await query<{ open: string }>(schema, `SELECT count(*) FILTER (WHERE status <> 'delivered') AS open FROM deliveries`);
      return Number(r!.open) === 0;
    });
    // Every event counted at the sandbox, once per uuid.
    expect(sandbox.conversions(DEMO.events[0]!.key).total).toBe(n);
    // The victim's deliveries went back to pending when its lease ran out and were delivered by a rescuer.
    const rows = await query<{ status: string; attempts: number }>(schema, `SELECT status, attempts FROM deliveries WHERE id = ANY($1::bigint[])`, [held]);
    expect(rows).toHaveLength(held.length);
    for (const r of rows) expect(r).toEqual({ status: 'delivered', attempts: 1 });

    for (const w of rescuers) await w.stop();
    await ingest.stop();
  });
});
