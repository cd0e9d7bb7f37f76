/**
 * Event API faults injected by the sandbox (500, 429 with Retry-After, a response slower than `delivery.timeout`, a
 * cut connection): every conversion sent through analytics-node ends up counted exactly once by uuid, none lost.
 * A request that timed out at our end may still have been accepted by the API; its redelivery then carries uuids
 * the API already has, which it de-duplicates: the test reports how many (sandbox `duplicates`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { removeDir, tempDir } from '../server/helpers.js';
import { EVENT_KEYS, lane, sendTracks, startInProcess, until, uuidCounts, writeConfig } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const CASES: { name: string; fault: FaultSpec; duplicatesPossible: boolean }[] = [
  { name: '500', fault: { api: 'eventApi', status: 500, count: 3 }, duplicatesPossible: false },
  { name: '429 with Retry-After', fault: { api: 'eventApi', status: 429, retryAfter: 1, count: 2 }, duplicatesPossible: false },
  // Answered (and accepted) 1.5 s later, long after our 300 ms timeout gave up on it.
  { name: 'timeout', fault: { api: 'eventApi', delayMs: 1500, count: 2 }, duplicatesPossible: true },
  { name: 'cut connection', fault: { api: 'eventApi', cut: true, count: 3 }, duplicatesPossible: false },
];

async function retriedTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('optirelay_deliveries_retried_total{') && l.includes('destination="fx"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Event API faults', () => {
  it.each(CASES)('$name: every conversion counted exactly once by uuid, none lost', async ({ name, fault, duplicatesPossible }) => {
    const dir = tempDir('optirelay-e2e-faults-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    sandbox.faults.add(fault);
    const file = writeConfig(dir, sandbox, {
      destinations: [{ id: 'fx', batchSize: 100 }],
      delivery: 'timeout: 300ms, backoffBase: 20ms, backoffMax: 200ms',
    });
    const server = await startInProcess(file);
    cleanup.push(() => server.stop());

    const n = 600;
    const { acked, failed } = await sendTracks(server.url, n);
    expect(failed).toBe(0);
    expect(acked.size).toBe(n);

    const total = (): number => EVENT_KEYS.reduce((s, k) => s + sandbox.conversions(k).total, 0);
    await until(async () => (await lane(server.url, 'fx:trackEvent'))?.delivered === n, `every delivery recorded (${name})`, 60_000, () => total());

    // Every fault was served, and each one made deliveries retry.
    expect(sandbox.faults.list().faults).toEqual([]);
    if (duplicatesPossible) {
      // The timed-out requests are handled by the sandbox after their delay (their client is gone, so the sandbox
      // does not record them as requests): their conversions were accepted, and the redelivery got there first or
      // after; either way one of the two copies is a duplicate.
      await until(() => uuidCounts(sandbox).requestsWithDuplicates > 0, 'the delayed requests to be handled', 30_000);
    } else {
      expect(sandbox.received('eventApi').filter((r) => r.fault !== undefined).length).toBe(fault.count);
    }
    expect(await retriedTotal(server.url)).toBeGreaterThan(0);

    // Exactly once by uuid: the sandbox counts each uuid once; the set is exactly what was acknowledged.
    expect(total()).toBe(n);
    for (const k of EVENT_KEYS) expect(sandbox.conversions(k).total).toBe([...acked.values()].filter((v) => v === k).length);
    const { unique, requestsWithDuplicates } = uuidCounts(sandbox);
    expect(unique).toEqual(new Set(acked.keys()));
    console.info(`[e2e-delivery] ${name}: ${n} conversions counted once each; ${requestsWithDuplicates} redelivered uuid(s) de-duplicated by the Event API`);
    if (!duplicatesPossible) expect(requestsWithDuplicates).toBe(0);
    else expect(requestsWithDuplicates).toBeLessThanOrEqual(n);

    const l = await lane(server.url, 'fx:trackEvent');
    expect(l).toMatchObject({ pending: 0, inFlight: 0, retryWait: 0, dead: 0, delivered: n });
  }, 90_000);
});
