/**
 * Scale-out benchmark (`npx tsx bench/scale/run.ts [--deliveries 20000] [--workers 1,2,4] [--stores postgres,sqlite]`).
 *
 * Delivery throughput of 1, 2 and 4 `optirelay worker` processes (child processes through the CLI) draining one
 * queue of FX Event API deliveries into the sandbox (in this process), on PostgreSQL and, for comparison, on one
 * SQLite file shared by the processes. The backlog is appended up front with `now` a few seconds in the future, so
 * every delivery falls due at the same instant after all workers are up: the clock starts then and stops when the
 * last one is delivered. Batches of 200 events per request (one lane), no rate limit.
 * Prints a markdown table for BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startSandbox } from '../../src/sandbox/index.js';
import { DEMO } from '../../src/sandbox/demo.js';
import { openStore } from '../../src/store/open.js';
import { startWorker, writeFleetConfig, type Child } from '../../test/scale/fleet.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const N = Number(args.get('deliveries') ?? 20_000);
const WORKERS = (args.get('workers') ?? '1,2,4').split(',').map(Number);
const STORES = (args.get('stores') ?? 'postgres,sqlite').split(',');
const PG = process.env.OPTIRELAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const START_DELAY_MS = (workers: number): number => 15_000 + 8_000 * workers;

const sandbox = await startSandbox({ port: 0, maxRecordedRequests: 10 });

async function once(kind: string, workers: number): Promise<{ perSecond: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-scale-'));
  const schema = `bench_${process.pid}_${kind}_${workers}`;
  const url = kind === 'postgres' ? `${PG}?schema=${schema}` : `sqlite:${join(dir, 'optirelay.db')}`;
  const config = writeFleetConfig({ storeUrl: url, sandboxUrl: sandbox.url, batchSize: 200, dir });
  sandbox.reset();
  const store = await openStore(url);
  const startAt = Date.now() + START_DELAY_MS(workers);
  const ts = new Date(startAt).toISOString();
  for (let i = 0; i < N; i += 500) {
    const events = Array.from({ length: Math.min(500, N - i) }, (_, j) => ({
      event: { type: 'track' as const, event: DEMO.events[0]!.key, messageId: `b-${i + j}`, userId: `u-${(i + j) % 1000}`, properties: { revenue: 100 }, timestamp: ts, originalTimestamp: ts, receivedAt: ts },
      deliveries: [{ destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' }],
    }));
    await store.appendEvents({ sourceId: 'web', now: startAt, dedupWindowMs: 86_400_000, events, rejected: [], suppressed: 0 });
  }
  const children: Child[] = [];
  let doneAt = 0;
  try {
    children.push(...(await Promise.all(Array.from({ length: workers }, () => startWorker(config)))));
    if (Date.now() > startAt) throw new Error('workers took longer than the start delay to come up; raise START_DELAY_MS in bench/scale/run.ts');
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const [lane] = await store.laneStats(Date.now());
      if (lane && lane.delivered === N) {
        doneAt = Date.now();
        break;
      }
    }
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await store.close();
  }
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
  rmSync(dir, { recursive: true, force: true });
  const counted = sandbox.conversions(DEMO.events[0]!.key);
  if (counted.total !== N) throw new Error(`sandbox counted ${counted.total} conversions, expected ${N}`);
  const seconds = (doneAt - startAt) / 1000;
  return { seconds, perSecond: N / seconds };
}

const rows = ['| store | worker processes | deliveries | seconds | deliveries/s |', '|---|---|---|---|---|'];
for (const kind of STORES) {
  for (const w of WORKERS) {
    const r = await once(kind, w);
    const line = `| ${kind} | ${w} | ${N} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} |`;
    process.stderr.write(`${line}\n`);
    rows.push(line);
  }
}
await sandbox.close();
process.stdout.write(`${rows.join('\n')}\n`);
