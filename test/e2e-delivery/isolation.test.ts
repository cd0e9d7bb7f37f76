/**
 * Isolation: a second FX destination that is down (its Event API is a closed port, or a sandbox path that always
 * answers 500) keeps failing while the healthy one delivers every conversion. Counts, not timings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { removeDir, tempDir } from '../server/helpers.js';
import { EVENT_KEYS, freePort, lane, sendTracks, startInProcess, until, writeConfig } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('a dead destination does not hold up a healthy one', () => {
  it.each(['closed port', 'always 500'] as const)('%s: the healthy destination delivers everything while the dead one keeps failing', async (kind) => {
    const dir = tempDir('optirelay-e2e-isolation-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    // The dead destination's Event API: nothing listens there, or a sandbox path every request of which fails.
    const deadUrl = kind === 'closed port' ? `http://127.0.0.1:${await freePort()}/v1/events` : `${sandbox.url}/v1/events/down`;
    if (kind === 'always 500') sandbox.faults.add({ pathPrefix: '/v1/events/down', status: 500, count: 100_000 });
    const file = writeConfig(dir, sandbox, {
      destinations: [
        { id: 'down', eventApi: deadUrl, batchSize: 100 },
        { id: 'fx', batchSize: 100 },
      ],
      delivery: 'timeout: 2s, backoffBase: 20ms, backoffMax: 100ms',
    });
    const server = await startInProcess(file);
    cleanup.push(() => server.stop());

    const n = 1000;
    const { acked } = await sendTracks(server.url, n);
    expect(acked.size).toBe(n);

    const total = (): number => EVENT_KEYS.reduce((s, k) => s + sandbox.conversions(k).total, 0);
    await until(() => total() === n, 'every healthy conversion at the sandbox', 60_000, () => total());
    await until(async () => (await lane(server.url, 'fx:trackEvent'))?.delivered === n, 'every healthy delivery recorded');

    // Meanwhile the dead destination has failed (and is still failing): nothing delivered, nothing lost.
    const down = (await lane(server.url, 'down:trackEvent'))!;
    expect(down.delivered).toBe(0);
    expect(down.pending + down.inFlight + down.retryWait + down.dead).toBe(n);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const retried = metrics.split('\n').find((l) => l.startsWith('optirelay_deliveries_retried_total{') && l.includes('destination="down"'));
    expect(Number(retried?.split(' ').pop() ?? 0)).toBeGreaterThan(0);
    if (kind === 'always 500') expect(sandbox.received().filter((r) => r.path === '/v1/events/down').length).toBeGreaterThan(0);
  }, 90_000);
});
