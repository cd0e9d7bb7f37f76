/**
 * `kill -9` of the server (a `optirelay serve` child process) while deliveries are in flight — the sandbox is slowed
 * by a delay fault so requests are on the wire — then a restart on the same SQLite store: every acknowledged event's
 * conversion is counted (nothing lost) and each uuid once (what the killed process had sent is redelivered and the
 * Event API de-duplicates it; the test reports how many).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { removeDir, tempDir } from '../server/helpers.js';
import { EVENT_KEYS, freePort, lane, sendTracks, startChild, until, uuidCounts, writeConfig, type ChildServer } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function stopChild(s: ChildServer): () => Promise<void> {
  return async () => {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  };
}

describe('kill -9 mid-delivery', () => {
  it('loses nothing and counts nothing twice after a restart on the same store', async () => {
    const dir = tempDir('optirelay-e2e-crash-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    // Short lease so the restarted process takes the killed one's claims back soon.
    const file = writeConfig(dir, sandbox, {
      destinations: [{ id: 'fx', batchSize: 100 }],
      delivery: 'lease: 2s, timeout: 10s, backoffBase: 20ms, backoffMax: 200ms',
    });
    const port = await freePort();
    const first = await startChild(file, port);
    cleanup.push(stopChild(first));

    // Every Event API request takes 400 ms: batches are on the wire when the process dies.
    sandbox.faults.add({ api: 'eventApi', delayMs: 400, count: 100_000 });
    const n = 4000;
    const { acked, failed } = await sendTracks(first.url, n);
    expect(failed).toBe(0);
    expect(acked.size).toBe(n);

    const total = (): number => EVENT_KEYS.reduce((s, k) => s + sandbox.conversions(k).total, 0);
    await until(async () => total() > 0 && ((await lane(first.url, 'fx:trackEvent'))?.inFlight ?? 0) > 0, 'deliveries in flight', 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by the signal
    const atKill = total();
    expect(atKill).toBeLessThan(n);

    sandbox.faults.clear();
    const second = await startChild(file, port);
    cleanup.push(stopChild(second));
    await until(async () => (await lane(second.url, 'fx:trackEvent'))?.delivered === n, 'every delivery recorded after the restart', 90_000, () => total());

    // Nothing lost, nothing counted twice: the counted uuids are exactly the acknowledged messageIds.
    expect(total()).toBe(n);
    const { unique, requestsWithDuplicates } = uuidCounts(sandbox);
    expect(unique.size).toBe(n);
    expect(unique).toEqual(new Set(acked.keys()));
    console.info(
      `[e2e-delivery] kill -9: ${atKill} of ${n} conversions counted before the kill; after the restart all ${n} counted once each; ` +
        `${requestsWithDuplicates} redelivered uuid(s) de-duplicated by the Event API`,
    );
    expect(await lane(second.url, 'fx:trackEvent')).toMatchObject({ pending: 0, inFlight: 0, retryWait: 0, dead: 0, delivered: n });
  }, 180_000);
});
