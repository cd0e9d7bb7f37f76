import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedServer } from './scripted-server.js';
import { harness, ids, testDest, until, type Harness } from './harness.js';

let server: ScriptedServer;
let h: Harness | undefined;

beforeEach(async () => {
  server = await new ScriptedServer().start();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  await server.close();
});

async function statuses(hh: Harness): Promise<Record<string, number>> {
  const rows = await hh.store.listDeliveries({ limit: 10_000 });
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe('deliverer', () => {
  it('delivers every event once, in batches of the lane size', async () => {
    h = await harness({ destinations: [testDest('a', server.url)] });
    await h.send(ids('e', 120));
    await h.deliverer.drain({ settled: true });
    expect(new Set(server.delivered).size).toBe(120);
    expect(server.delivered.length).toBe(120);
    expect(server.requests.every((r) => r.items.length <= 50)).toBe(true);
    expect(await statuses(h)).toEqual({ delivered: 120 });
  });

  it('retries 5xx, timeouts and cut connections with backoff, then delivers', async () => {
    h = await harness({ destinations: [testDest('a', server.url)], delivery: { timeoutMs: 300 } });
    server.enqueue({ status: 503 }, { hang: true }, { cut: true }, { status: 500 });
    await h.send(['r1']);
    await h.deliverer.drain({ settled: true });
    expect(server.delivered).toEqual(['r1']);
    const [row] = await h.store.listDeliveries({ messageId: 'r1' });
    expect(row).toMatchObject({ status: 'delivered', attempts: 5 });
    const full = await h.store.getDelivery(row!.id);
    const log = full!.attemptLog;
    expect(log.map((a) => a.outcome)).toEqual(['retry_wait', 'retry_wait', 'retry_wait', 'retry_wait', 'delivered']);
    expect(log[0]!.statusCode).toBe(503);
    expect(String(log[1]!.error)).toMatch(/timeout|Timeout/i);
    expect(String(log[2]!.error)).toMatch(/OR_HTTP_TRANSPORT|socket|closed|ECONNRESET|other side/i);
    // secrets redacted in the stored request
    expect(JSON.stringify(log[0]!.request)).not.toContain('test-secret-token');
    expect(JSON.stringify(log[0]!.request)).toContain('[redacted]');
  });

  it('a 4xx goes to dead at once with the response kept', async () => {
    h = await harness({ destinations: [testDest('a', server.url)] });
    server.enqueue({ status: 403, body: { error: 'forbidden: bad token' } });
    await h.send(['d1']);
    await h.deliverer.drain({ settled: true });
    const [row] = await h.store.listDeliveries({ messageId: 'd1' });
    expect(row).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 403 });
    const full = await h.store.getDelivery(row!.id);
    expect(JSON.stringify(full!.attemptLog[0]!.response)).toContain('forbidden: bad token');
  });

  it('gives up after maxAttempts, naming the limit and the last error', async () => {
    h = await harness({ destinations: [testDest('a', server.url)], delivery: { maxAttempts: 3 } });
    server.always.set('/batch', { status: 502 });
    await h.send(['m1']);
    await h.deliverer.drain({ settled: true });
    const [row] = await h.store.listDeliveries({ messageId: 'm1' });
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
    expect(row!.lastError).toMatch(/maxAttempts 3 reached; last error: server error 502/);
    expect(server.requests.length).toBe(3);
  });

  it('gives up when the delivery is older than maxAge', async () => {
    h = await harness({ destinations: [testDest('a', server.url)], delivery: { maxAgeMs: 60_000, backoffBaseMs: 1000, backoffMaxMs: 1000 } });
    server.always.set('/batch', { status: 500 });
    await h.send(['old1']);
    await until(async () => (await h!.store.listDeliveries({ messageId: 'old1' }))[0]!.attempts >= 1);
    h.clock.advance(61_000);
    h.deliverer.wake();
    await h.deliverer.drain({ settled: true });
    const [row] = await h.store.listDeliveries({ messageId: 'old1' });
    expect(row!.status).toBe('dead');
    expect(row!.lastError).toMatch(/older than maxAge 1m .*last error: server error 500/);
  });

  it('a 429 pauses and slows the lane until Retry-After, without spending maxAttempts', async () => {
    h = await harness({ destinations: [testDest('a', server.url, { lanes: { send: { rateLimit: { perSecond: 1000, burst: 10 } } } })], delivery: { maxAttempts: 1 } });
    server.enqueue({ status: 429, headers: { 'retry-after': '120' } });
    await h.send(['t1']);
    await until(() => server.requests.length === 1);
    await until(async () => (await h!.store.listDeliveries({ messageId: 't1' }))[0]!.status === 'retry_wait');
    const snap = await h.deliverer.limiter.snapshot('a:send');
    const now = h.clock.now();
    expect(snap.pausedUntil).toBeGreaterThan(now + 100_000);
    expect(snap.factor).toBeCloseTo(0.7);
    const [row] = await h.store.listDeliveries({ messageId: 't1' });
    expect(row!.nextAttemptAt).toBeGreaterThan(now + 100_000);
    // New work for the paused lane is not sent while paused.
    await h.send(['t2']);
    await h.deliverer.drain();
    expect(server.requests.length).toBe(1);
    // Time passes (clock moved, no sleeping): the lane resumes and both deliver, although maxAttempts is 1.
    h.clock.advance(121_000);
    h.deliverer.wake(['a:send']);
    await h.deliverer.drain({ settled: true });
    expect(server.delivered.sort()).toEqual(['t1', 't2']);
    const [after] = await h.store.listDeliveries({ messageId: 't1' });
    expect(after).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('a payload that fails validation goes to dead alone; its batch neighbours deliver', async () => {
    h = await harness({ destinations: [testDest('a', server.url)] });
    await h.send(ids('p', 10), (id) => ({ value: id === 'p-4' ? 'not a number' : 2 }));
    await h.deliverer.drain({ settled: true });
    expect(server.delivered.sort()).toEqual(ids('p', 10).filter((x) => x !== 'p-4').sort());
    const [bad] = await h.store.listDeliveries({ messageId: 'p-4' });
    expect(bad!.status).toBe('dead');
    expect(bad!.lastError).toMatch(/payload invalid: .*value/i);
  });

  it('an item the API rejects goes to dead alone (per-item outcomes)', async () => {
    h = await harness({ destinations: [testDest('a', server.url)] });
    server.rejectIds.add('q-3');
    await h.send(ids('q', 8));
    await h.deliverer.drain({ settled: true });
    expect(server.delivered.length).toBe(7);
    const [bad] = await h.store.listDeliveries({ messageId: 'q-3' });
    expect(bad).toMatchObject({ status: 'dead', lastError: 'item q-3 rejected', lastStatusCode: 400 });
  });

  it('a whole-batch 400 caused by one poison item is bisected: only that item dies', async () => {
    h = await harness({ destinations: [testDest('a', server.url)] });
    server.poisonIds.add('z-5');
    await h.send(ids('z', 16));
    await h.deliverer.drain({ settled: true });
    expect(server.delivered.sort()).toEqual(ids('z', 16).filter((x) => x !== 'z-5').sort());
    expect(await statuses(h)).toEqual({ delivered: 15, dead: 1 });
  });

  it('a destination that hangs does not delay a healthy one', async () => {
    h = await harness({ destinations: [testDest('down', `${server.url}/down`), testDest('up', server.url)], delivery: { timeoutMs: 10_000 } });
    server.always.set('/down', { hang: true });
    await h.send(ids('i', 200));
    await until(() => server.delivered.length === 200);
    // All 200 reached the healthy destination while the other's first requests (one per in-flight batch) still hang.
    expect(server.requests.filter((r) => r.path.startsWith('/down')).length).toBeLessThanOrEqual(4);
    // The server has seen all 200; the last batch's outcome may still be on its way into the store.
    const store = h.store;
    const deliveredUp = async () => (await store.listDeliveries({ destinationId: 'up', limit: 1000 })).filter((d) => d.status === 'delivered').length;
    await until(async () => (await deliveredUp()) === 200);
    expect(await deliveredUp()).toBe(200);
    const down = await h.store.listDeliveries({ destinationId: 'down', limit: 1000 });
    expect(down.filter((d) => d.status === 'delivered').length).toBe(0);
    server.always.delete('/down');
    await server.close(); // ends the hanging request; the harness stop() finishes the in-flight batch
    server = await new ScriptedServer().start();
  });

  it('an expired lease returns work to pending (crash recovery) and it is delivered once', async () => {
    h = await harness({ destinations: [testDest('a', server.url)], start: false });
    await h.send(ids('c', 30));
    // A worker that crashed after claiming: its lease runs out.
    const claimed = await h.store.claimDeliveries({ lane: 'a:send', limit: 30, owner: 'crashed-worker', leaseMs: 5000, now: h.clock.now() });
    expect(claimed.length).toBe(30);
    h.clock.advance(6000);
    await h.deliverer.start();
    await h.deliverer.drain({ settled: true });
    expect(server.delivered.sort()).toEqual(ids('c', 30).sort());
    // The crashed worker's late completion is ignored.
    await h.store.completeDeliveries(claimed.map((d) => ({ id: d.id, owner: 'crashed-worker', status: 'dead', error: 'late', countsAsAttempt: true })), h.clock.now());
    expect(await statuses(h)).toEqual({ delivered: 30 });
  });

  it('stop() finishes the in-flight batch and releases unsent claims', async () => {
    h = await harness({ destinations: [testDest('a', server.url, { lanes: { send: { batchSize: 5, rateLimit: { perSecond: 0.5, burst: 0 } } } })] });
    await h.send(ids('s', 20));
    await until(() => server.delivered.length >= 5);
    await h.deliverer.stop();
    const st = await statuses(h);
    expect(st.in_flight ?? 0).toBe(0);
    expect(st.delivered).toBe(server.delivered.length);
    expect((st.pending ?? 0) + st.delivered!).toBe(20);
  });

  it('dead-letters deliveries whose mapping or destination left the config', async () => {
    h = await harness({ destinations: [testDest('a', server.url), testDest('b', server.url)], start: false });
    await h.send(ids('g', 3));
    const dir = h.dir;
    await h.deliverer.stop();
    await h.destinations.stop();
    await h.store.close();
    const h2 = await harness({ dir, destinations: [testDest('a', server.url, { mappings: [{ id: 'other', action: 'send', trigger: 'type = "identify"', fields: {}, enabled: true, origin: 'config' }] })] });
    h = h2;
    await h2.deliverer.drain({ settled: true });
    await until(async () => (await h2.store.listDeliveries({ destinationId: 'b', status: 'dead' })).length === 3);
    const a = await h2.store.listDeliveries({ destinationId: 'a' });
    expect(a.every((d) => d.status === 'dead' && d.lastError === 'mapping "m1" no longer exists in destination "a"')).toBe(true);
    const b = await h2.store.listDeliveries({ destinationId: 'b' });
    expect(b[0]!.lastError).toBe('destination "b" no longer exists in the config');
    expect(server.requests.length).toBe(0);
  });
});
