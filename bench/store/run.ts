/**
 * Store micro-benchmark (SQLite): append throughput through group commit, then claim + complete throughput.
 *   npx tsx bench/store/run.ts [--events 200000] [--concurrency 16] [--batch 500] [--url sqlite:/tmp/x.db]
 * Events are ~600 bytes, appended in 100-event requests, each with one delivery; `concurrency` requests are in flight
 * at once (as concurrent HTTP requests would be), so group commit shares one fsync among them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmentEvent } from '../../src/core/event.js';
import { openStore } from '../../src/store/open.js';
import type { DeliveryOutcome } from '../../src/store/types.js';
import { appendBacklog } from './append-backlog.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const urlArg = process.argv.indexOf('--url');
const totalEvents = arg('events', 200_000);
const concurrency = arg('concurrency', 16);
const claimBatch = arg('batch', 500);
const withAttempts = !process.argv.includes('--no-attempts');

const dir = mkdtempSync(join(tmpdir(), 'optirelay-bench-store-'));
const url = urlArg > 0 ? (process.argv[urlArg + 1] as string) : `sqlite:${join(dir, 'bench.db')}`;

let seq = 0;
function event(now: number): SegmentEvent {
  const n = seq++;
  const ts = new Date(now).toISOString();
  return {
    type: 'track',
    event: n % 10 === 0 ? 'Signed Up' : 'Order Completed',
    messageId: randomUUID(), // random keys, as SDKs send: the realistic (costly) case for the index
    userId: `user-${n % 50_000}`,
    anonymousId: `anon-${(n * 7919) % 100_000}-6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b`,
    properties: { revenue: 4200, value: 42.5, currency: 'USD', orderId: `order-${n}`, sku: 'SKU-12345', qty: 2 },
    context: {
      library: { name: 'analytics-node', version: '3.1.0' },
      traits: { plan: 'pro', country: 'DE', email_hash: 'f0e1d2c3b4a5968778695a4b3c2d1e0f' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      ip: '203.0.113.7',
    },
    timestamp: ts,
    originalTimestamp: ts,
    sentAt: ts,
    receivedAt: ts,
  };
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MB`;
}

const store = await openStore(url);
const sample = JSON.stringify(event(Date.now())).length;
seq = 0;
let peakRss = process.memoryUsage().rss;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 100);

// --- append ---
const requests = Math.ceil(totalEvents / 100);
const t0 = performance.now();
const c0 = process.cpuUsage();
await appendBacklog(store, totalEvents, concurrency, event);
const appendMs = performance.now() - t0;
const appendCpu = cpuSeconds(process.cpuUsage(c0));
const appended = requests * 100;

// --- claim + complete ---
const t1 = performance.now();
const c1 = process.cpuUsage();
let drained = 0;
let claims = 0;
for (;;) {
  const now = Date.now();
  const batch = await store.claimDeliveries({ lane: 'fx:trackEvent', limit: claimBatch, owner: 'bench', leaseMs: 30_000, now });
  if (batch.length === 0) break;
  claims++;
  const outcomes: DeliveryOutcome[] = batch.map((d) => ({
    id: d.id,
    owner: 'bench',
    status: 'delivered',
    countsAsAttempt: true,
    attempt: withAttempts ? { startedAt: now, durationMs: 12, statusCode: 204 } : undefined,
  }));
  await store.completeDeliveries(outcomes, Date.now());
  drained += batch.length;
}
const drainMs = performance.now() - t1;
const drainCpu = cpuSeconds(process.cpuUsage(c1));
clearInterval(rssTimer);
sampleRss();

console.log(`store: ${store.kind} (${url.startsWith('sqlite:') ? 'WAL, synchronous=FULL' : url})`);
console.log(`event size: ~${sample} bytes JSON; ${appended} events in ${requests} appends of 100, ${concurrency} in flight`);
console.log(
  `append: ${Math.round(appended / (appendMs / 1000))} events/s (${(appendMs / 1000).toFixed(2)} s; ` +
    `${Math.round(appended / appendCpu)} events per CPU-second)`,
);
console.log(
  `claim+complete: ${Math.round(drained / (drainMs / 1000))} deliveries/s (${claims} batches of ${claimBatch}, ` +
    `${withAttempts ? 'one attempt row each' : 'no attempt rows'}, ${(drainMs / 1000).toFixed(2)} s; ` +
    `${Math.round(drained / drainCpu)} per CPU-second)`,
);
const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
console.log(`peak RSS: ${mb(peakRss)}; load average at the end: ${load} on ${(await import('node:os')).cpus().length} cores`);
await store.close();
if (urlArg < 0) rmSync(dir, { recursive: true, force: true });
