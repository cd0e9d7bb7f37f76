import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, conversionBatch, ODP, PAT } from './helpers.js';

describe('sandbox fault injection', () => {
  let sb: Sandbox;
  const post = (uuid: string) => call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid }]) });
  beforeAll(async () => {
    sb = await startSandbox({ rateLimits: { fx: {}, web: {} } });
  });
  beforeEach(() => sb.reset());
  afterAll(() => sb.close());

  it('answers a status with Retry-After for the next N requests of an API, then recovers', async () => {
    sb.faults.add({ api: 'eventApi', status: 503, retryAfter: 7, count: 2 });
    const a = await post('f-1');
    const b = await post('f-2');
    const c = await post('f-3');
    expect([a.status, b.status, c.status]).toEqual([503, 503, 204]);
    expect(a.headers.get('retry-after')).toBe('7');
    expect(sb.events().map((e) => e.uuid)).toEqual(['f-3']);
    expect(sb.received('eventApi').map((r) => [r.status, r.fault])).toEqual([
      [503, 'f1'],
      [503, 'f1'],
      [204, undefined],
    ]);
    expect(sb.faults.list().faults).toEqual([]);
  });

  it('shapes the default body per API and honours a custom body and path prefix', async () => {
    sb.faults.add({ pathPrefix: '/v2/projects', status: 429, retryAfter: 3 });
    sb.faults.add({ api: 'odp', status: 500 });
    sb.faults.add({ api: 'cdn', status: 502, body: { custom: true } });
    const rest = await call(sb.url, 'GET', '/v2/projects', { headers: PAT });
    expect(rest.status).toBe(429);
    expect(rest.json).toMatchObject({ code: 'too_many_requests', uuid: expect.any(String) });
    expect(rest.headers.get('retry-after')).toBe('3');
    const odp = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body: { type: 't', action: 'a', identifiers: { email: 'x@y.z' } } });
    expect(odp.status).toBe(500);
    expect(odp.json).toMatchObject({ title: 'Internal Server Error', status: 500 });
    const cdn = await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`);
    expect(cdn.status).toBe(502);
    expect(cdn.json).toEqual({ custom: true });
    expect((await call(sb.url, 'GET', '/v2/projects', { headers: PAT })).status).toBe(200);
    expect(sb.odpEvents()).toHaveLength(0);
  });

  it('cuts the connection without an answer', async () => {
    sb.faults.add({ api: 'eventApi', cut: true });
    await expect(post('cut-1')).rejects.toThrow();
    expect(sb.events()).toHaveLength(0);
    expect(sb.received('eventApi')[0]).toMatchObject({ cut: true, status: 0, fault: 'f1' });
    expect((await post('cut-2')).status).toBe(204);
  });

  it('adds a delay and then handles the request normally', async () => {
    sb.faults.add({ api: 'eventApi', delayMs: 30 });
    expect((await post('slow-1')).status).toBe(204);
    expect(sb.events()).toHaveLength(1);
    expect(sb.received('eventApi')[0]!.fault).toBe('f1');
  });

  it('fails a seeded random share of requests, reproducibly', async () => {
    const run = async (): Promise<number[]> => {
      sb.reset();
      sb.faults.random({ api: 'eventApi', ratio: 0.3, status: 500, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await post(`r-${i}`)).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failed = first.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(sb.events()).toHaveLength(60 - failed);
    expect(sb.faults.list().random).toMatchObject({ ratio: 0.3, hits: failed });
  });

  it('is controlled over HTTP and never faults the control API', async () => {
    const bad = await call(sb.url, 'POST', '/_sandbox/faults', { body: { api: 'logx', status: 500 } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/fault.api must be one of/);
    const added = await call(sb.url, 'POST', '/_sandbox/faults', { body: [{ status: 500, count: 5 }] });
    expect(added.status).toBe(201);
    expect((await call(sb.url, 'GET', '/_sandbox/conversions')).status).toBe(200);
    expect((await call(sb.url, 'GET', '/_sandbox/faults')).json).toMatchObject({ faults: [{ id: 'f1', remaining: 5 }] });
    expect((await post('h-1')).status).toBe(500);
    expect((await call(sb.url, 'DELETE', '/_sandbox/faults/f1')).status).toBe(204);
    expect((await post('h-2')).status).toBe(204);
    expect((await call(sb.url, 'POST', '/_sandbox/faults/random', { body: { ratio: 1, cut: true } })).status).toBe(204);
    await expect(post('h-3')).rejects.toThrow();
    expect((await call(sb.url, 'DELETE', '/_sandbox/faults/random')).status).toBe(204);
    expect((await post('h-4')).status).toBe(204);
  });
});
