/**
 * The whole pipeline: @segment/analytics-node → /v1/batch → SQLite → deliverer → FX destination → sandbox Event API.
 * Conversions counted by the sandbox match what was sent; the datafile is fetched once for thousands of events;
 * an unknown event key is dead with its reason, listed in the DLQ and in the destination's health.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { removeDir, tempDir } from '../server/helpers.js';
import { admin, EVENT_KEYS, lane, sendTracks, startInProcess, until, uuidCounts, writeConfig } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('analytics-node to the Event API', () => {
  it('delivers 3,000 track events as conversions, once each, with one datafile fetch and batched requests', async () => {
    const dir = tempDir('optirelay-e2e-conv-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    const server = await startInProcess(writeConfig(dir, sandbox));
    cleanup.push(() => server.stop());

    const n = 3000;
    const { acked, failed } = await sendTracks(server.url, n);
    expect(failed).toBe(0);
    expect(acked.size).toBe(n);
    const perKey = (k: string): number => [...acked.values()].filter((v) => v === k).length;

    await until(
      () => EVENT_KEYS.every((k) => sandbox.conversions(k).total === perKey(k)),
      'every conversion at the sandbox',
      60_000,
      () => EVENT_KEYS.map((k) => sandbox.conversions(k).total),
    );
    for (const k of EVENT_KEYS) {
      const c = sandbox.conversions(k);
      expect(c.total).toBe(perKey(k));
      expect(c.duplicates).toBe(0);
      expect(Object.keys(c.byExperiment).length).toBeGreaterThan(0); // attributed to checkout_flow (running)
    }
    const { unique } = uuidCounts(sandbox);
    expect(unique).toEqual(new Set(acked.keys()));

    // One datafile fetch for all of them; many visitors per Event API request.
    expect(sandbox.received('cdn')).toHaveLength(1);
    const requests = sandbox.received('eventApi');
    expect(requests.every((r) => r.status === 204)).toBe(true);
    expect(requests.length).toBeLessThan(n / 10);

    await until(async () => (await lane(server.url, 'fx:trackEvent'))?.delivered === n, 'every delivery recorded');
    const l = await lane(server.url, 'fx:trackEvent');
    expect(l).toMatchObject({ pending: 0, inFlight: 0, retryWait: 0, dead: 0, delivered: n });
  }, 90_000);

  it('sends an unknown event key to the dead letters with the reason, visible in the DLQ and destination health', async () => {
    const dir = tempDir('optirelay-e2e-unknown-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    const server = await startInProcess(writeConfig(dir, sandbox));
    cleanup.push(() => server.stop());

    const { acked } = await sendTracks(server.url, 30, ['purchase', 'checkout_started']);
    const unknown = [...acked].filter(([, k]) => k === 'checkout_started').map(([id]) => id);
    expect(unknown).toHaveLength(15);

    await until(async () => (await lane(server.url, 'fx:trackEvent'))?.dead === 15, 'the unknown keys in the dead letters');
    await until(() => sandbox.conversions('purchase').total === 15, 'the known keys delivered');
    expect(sandbox.events().some((e) => e.key === 'checkout_started')).toBe(false);

    const dlq = await admin<{ deliveries: { messageId: string; status: string; lastError: string; eventName: string }[] }>(
      server.url,
      '/deliveries?status=dead&limit=100',
    );
    expect(new Set(dlq.deliveries.map((d) => d.messageId))).toEqual(new Set(unknown));
    for (const d of dlq.deliveries) {
      expect(d.status).toBe('dead');
      expect(d.lastError).toMatch(/event key "checkout_started" is not defined in the datafile; known keys: .*purchase/);
    }

    const health = await admin<{ byStatus: Record<string, number>; deadReasons: { reason: string; count: number }[] }>(server.url, '/destinations/fx/health');
    expect(health.byStatus).toMatchObject({ dead: 15, delivered: 15 });
    expect(health.deadReasons).toHaveLength(1);
    expect(health.deadReasons[0]!.count).toBe(15);
    expect(health.deadReasons[0]!.reason).toContain('event key "checkout_started" is not defined in the datafile');
  }, 60_000);
});
