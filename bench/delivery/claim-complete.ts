/**
 * The SQLite store's claim + complete transactions alone (what a lane does per batch, without HTTP), for before/after
 * measurements of src/store/sqlite/claim-deliveries.ts and complete-deliveries.ts.
 *   npx tsx bench/delivery/claim-complete.ts [--events 200000] [--batch 500] [--mix] [--keep DIR]
 * 1. appends `events` realistic track events (~700 bytes, one delivery each) in 100-event appends, 16 in flight;
 * 2. drains the lane: claimDeliveries(batch) → completeDeliveries(all delivered, no attempt rows, as first-try
 *    successes are recorded). `--mix`: every 10th outcome is a retry_wait with an attempt row and every 50th a dead
 *    one (retries come back and are claimed again), so the grouped paths are exercised too.
 * Prints CPU µs per delivery for claim and for complete separately (better-sqlite3 is synchronous, so the process
 * CPU time around each call is the call's own), the wall rate, and the load average (the machine is shared).
 * Profile with: node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/delivery/claim-complete.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmentEvent } from '../../src/core/event.js';
import { openStore } from '../../src/store/open.js';
import type { DeliveryOutcome } from '../../src/store/types.js';
import { appendBacklog } from '../store/append-backlog.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const total = arg('events', 200_000);
const batchSize = arg('batch', 500);
const mix = process.argv.includes('--mix');
const keepIdx = process.argv.indexOf('--keep');
const dir = keepIdx > 0 ? (process.argv[keepIdx + 1] as string) : mkdtempSync(join(tmpdir(), 'optirelay-bench-cc-'));

let seq = 0;
function event(now: number): SegmentEvent {
  const n = seq++;
  const ts = new Date(now).toISOString();
  return {
    type: 'track',
    event: ['purchase', 'signup', 'add_to_cart'][n % 3]!,
    messageId: randomUUID(),
    userId: `user-${n % 50_000}`,
    anonymousId: `anon-${(n * 7919) % 100_000}-6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b`,
    properties: { revenue: 4200, value: 42.5, currency: 'USD', orderId: `order-${n}`, sku: 'SKU-12345', qty: 2 },
    context: {
      library: { name: 'analytics-node', version: '3.1.0' },
      traits: { plan: 'pro', country: 'DE' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      ip: '203.0.113.7',
    },
    timestamp: ts,
    originalTimestamp: ts,
    sentAt: ts,
    receivedAt: ts,
  };
}

const cpuUs = (u: NodeJS.CpuUsage): number => u.user + u.system;

const store = await openStore(`sqlite:${join(dir, 'bench.db')}`);
const tA = performance.now();
await appendBacklog(store, total, 16, event);
console.log(`appended ${Math.ceil(total / 100) * 100} events in ${((performance.now() - tA) / 1000).toFixed(1)} s`);

let claimCpu = 0;
let completeCpu = 0;
let claimed = 0;
let delivered = 0;
let batches = 0;
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; ; i++) {
  const now = Date.now();
  let c = process.cpuUsage();
  const batch = await store.claimDeliveries({ lane: 'fx:trackEvent', limit: batchSize, owner: 'bench', leaseMs: 30_000, now });
  claimCpu += cpuUs(process.cpuUsage(c));
  if (batch.length === 0) break;
  batches++;
  claimed += batch.length;
  const outcomes: DeliveryOutcome[] = batch.map((d, k) => {
    const n = i * batchSize + k;
    if (mix && d.attempts === 0 && n % 50 === 7) {
      return { id: d.id, owner: 'bench', status: 'dead', error: 'event key "nope" is not defined in the datafile', statusCode: 400, countsAsAttempt: true, attempt: { startedAt: now, durationMs: 0, error: 'x' } };
    }
    if (mix && d.attempts === 0 && n % 10 === 3) {
      return {
        id: d.id,
        owner: 'bench',
        status: 'retry_wait',
        nextAttemptAt: now,
        error: 'Event API answered 503',
        statusCode: 503,
        countsAsAttempt: true,
        attempt: { startedAt: now, durationMs: 12, statusCode: 503, request: { method: 'POST', url: 'http://x/v1/events', batchSize }, response: { status: 503 } },
      };
    }
    delivered++;
    return { id: d.id, owner: 'bench', status: 'delivered', countsAsAttempt: true, statusCode: 204, flags: n % 100 === 1 ? { notInRunningExperiment: true } : undefined };
  });
  c = process.cpuUsage();
  await store.completeDeliveries(outcomes, Date.now());
  completeCpu += cpuUs(process.cpuUsage(c));
}
const wallS = (performance.now() - t0) / 1000;
const totalCpu = cpuUs(process.cpuUsage(c0));
const stats = (await store.laneStats(Date.now())).find((s) => s.lane === 'fx:trackEvent');
console.log(
  `drain: ${claimed} claimed (${delivered} delivered) in ${batches} batches of ${batchSize}${mix ? ' (mixed outcomes)' : ''}: ` +
    `${Math.round(claimed / wallS)} claims/s wall, ${Math.round(claimed / (totalCpu / 1e6))} per CPU-second`,
);
console.log(`CPU per delivery: claim ${(claimCpu / claimed).toFixed(1)} µs, complete ${(completeCpu / claimed).toFixed(1)} µs`);
console.log(`lane after: ${JSON.stringify(stats)}`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
await store.close();
if (keepIdx < 0) rmSync(dir, { recursive: true, force: true });
