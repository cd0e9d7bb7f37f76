import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, ODP_MAX_BATCH, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, ODP } from './helpers.js';

type Obj = Record<string, unknown>;
const event = (i: number): Obj => ({ type: 'product', action: 'add_to_cart', identifiers: { email: `u${i}@example.com` }, data: { product_id: String(i), price: 9.5, active_event: true, note: null } });

describe('sandbox ODP v3', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  beforeEach(() => sb.reset());
  afterAll(() => sb.close());

  it('403 {"message":"Forbidden"} without a valid x-api-key', async () => {
    for (const headers of [{}, { 'x-api-key': 'wrong' }] as Record<string, string>[]) {
      const r = await call(sb.url, 'POST', '/v3/events', { headers, body: event(1) });
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ message: 'Forbidden' });
    }
    expect(sb.odpEvents()).toHaveLength(0);
  });

  it('accepts one event or an array: 202 Accepted body; records them and the customer', async () => {
    const one = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body: event(1) });
    expect(one.status).toBe(202);
    expect(one.json).toEqual({ title: 'Accepted', status: 202, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    const many = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body: [event(2), event(3)] });
    expect(many.status).toBe(202);
    expect(sb.odpEvents().map((e) => e.identifiers.email)).toEqual(['u1@example.com', 'u2@example.com', 'u3@example.com']);
    expect(sb.odpEvents()[0]).toMatchObject({ region: 'US', type: 'product', action: 'add_to_cart', data: { product_id: '1' } });
    expect(sb.profiles()).toHaveLength(3);
  });

  it('rejects the whole request with 400 detail.invalids when any event is invalid', async () => {
    const body = [
      event(1),
      { action: 'x', identifiers: { email: 'a@b.c' } },
      { type: 'product', identifiers: {} },
      { type: 'product', action: 'x', identifiers: { email: 'a@b.c' }, data: { items: [1, 2], nested: { a: 1 } } },
    ];
    const r = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body });
    expect(r.status).toBe(400);
    const json = r.json as { title: string; status: number; detail: { invalids: { event: number; message: string }[] } };
    expect(json).toMatchObject({ title: 'Bad Request', status: 400 });
    expect(json.detail.invalids).toEqual([
      { event: 1, message: expect.stringMatching(/^type is required/) },
      { event: 2, message: expect.stringMatching(/^action is required/) },
      { event: 2, message: 'identifiers must contain at least one identifier' },
      { event: 3, message: 'data.items must be a string, number, boolean or null (got array)' },
      { event: 3, message: 'data.nested must be a string, number, boolean or null (got object)' },
    ]);
    expect(sb.odpEvents()).toHaveLength(0);
  });

  it(`allows at most ${ODP_MAX_BATCH} events per request, and answers 400 to malformed JSON`, async () => {
    const ok = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body: Array.from({ length: ODP_MAX_BATCH }, (_, i) => event(i)) });
    expect(ok.status).toBe(202);
    const tooMany = await call(sb.url, 'POST', '/v3/events', { headers: ODP, body: Array.from({ length: ODP_MAX_BATCH + 1 }, (_, i) => event(i)) });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.json)).toContain('at most 500 events');
    const bad = await call(sb.url, 'POST', '/v3/events', { headers: { ...ODP, 'content-type': 'application/json' }, raw: '[{' });
    expect(bad.status).toBe(400);
    expect(sb.odpEvents()).toHaveLength(ODP_MAX_BATCH);
  });

  it('profiles: upsert by identifier, read by any identifier, 404 body shape', async () => {
    const up = await call(sb.url, 'POST', '/v3/profiles', { headers: ODP, body: [{ attributes: { email: 'jo@example.com', first_name: 'Jo', city: 'Boston' } }] });
    expect(up.status).toBe(202);
    await call(sb.url, 'POST', '/v3/profiles', { headers: ODP, body: [{ attributes: { email: 'jo@example.com', fs_user_id: 'u-7', city: null, plan: 'gold' } }] });
    const byUser = await call(sb.url, 'GET', '/v3/profiles?fs_user_id=u-7', { headers: ODP });
    expect(byUser.status).toBe(200);
    expect(byUser.json).toEqual({ attributes: { email: 'jo@example.com', first_name: 'Jo', fs_user_id: 'u-7', plan: 'gold' } });
    const missing = await call(sb.url, 'GET', '/v3/profiles?email=nobody@example.com', { headers: ODP });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ title: 'Not Found', status: 404, detail: { message: expect.any(String) } });
    const noId = await call(sb.url, 'POST', '/v3/profiles', { headers: ODP, body: [{ attributes: { first_name: 'x' } }] });
    expect(noId.status).toBe(400);
    expect((noId.json as { detail: { invalids: Obj[] } }).detail.invalids[0]).toMatchObject({ field: '[0].attributes' });
    const unknownRoute = await call(sb.url, 'GET', '/v3/nothing', { headers: ODP });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.json).toMatchObject({ title: 'Not Found', status: 404 });
  });

  it('lists and subscriptions', async () => {
    const created = await call(sb.url, 'POST', '/v3/lists', { headers: ODP, body: { name: 'Newsletter Weekly' } });
    expect(created.json).toEqual({ created: { list_id: 'newsletter_weekly', name: 'Newsletter Weekly' } });
    expect((await call(sb.url, 'POST', '/v3/lists', { headers: ODP, body: { name: 'Newsletter Weekly' } })).status).toBe(400);
    expect((await call(sb.url, 'GET', '/v3/lists', { headers: ODP })).json).toEqual({ lists: [{ list_id: 'newsletter_weekly', name: 'Newsletter Weekly', created_at: expect.any(String) }] });
    const sub = await call(sb.url, 'POST', '/v3/lists/subscriptions', { headers: ODP, body: [{ list_id: 'newsletter_weekly', email: 'a@example.com', subscribed: true }] });
    expect(sub.status).toBe(202);
    expect(sub.json).toEqual({ updates: [{ list_id: 'newsletter_weekly', email: 'a@example.com', subscribed: true }] });
    const unknownList = await call(sb.url, 'POST', '/v3/lists/subscriptions', { headers: ODP, body: { list_id: 'nope', email: 'a@example.com', subscribed: true } });
    expect(unknownList.status).toBe(400);
    const got = await call(sb.url, 'GET', '/v3/lists/subscriptions?email=a@example.com', { headers: ODP });
    expect(got.json).toMatchObject({ customer: { email: 'a@example.com' }, subscriptions: [{ list_id: 'newsletter_weekly', subscribed: true, ts_status_updated: expect.any(Number) }] });
    await call(sb.url, 'POST', '/v3/lists/subscriptions', { headers: ODP, body: { list_id: 'newsletter_weekly', email: 'a@example.com', subscribed: false } });
    expect(sb.subscriptions()).toMatchObject([{ list_id: 'newsletter_weekly', subscribed: false }]);
  });

  it('routes regions by path prefix and Host header; region-bound keys only work in their region', async () => {
    expect((await call(sb.url, 'POST', '/eu1/v3/events', { headers: { 'x-api-key': DEMO.odpApiKeyEu }, body: event(1) })).status).toBe(202);
    expect((await call(sb.url, 'POST', '/au1/v3/events', { headers: { 'x-api-key': DEMO.odpApiKeyAu }, body: event(2) })).status).toBe(202);
    expect((await call(sb.url, 'POST', '/v3/events', { headers: { 'x-api-key': DEMO.odpApiKeyEu }, body: event(3) })).status).toBe(403);
    expect((await call(sb.url, 'POST', '/au1/v3/events', { headers: { 'x-api-key': DEMO.odpApiKeyEu }, body: event(3) })).status).toBe(403);
    // The demo key works everywhere; the region is recorded.
    expect((await call(sb.url, 'POST', '/v3/events', { headers: { ...ODP, host: 'api.eu1.odp.optimizely.com' }, body: event(4) })).status).toBe(202);
    expect((await call(sb.url, 'POST', '/us1/v3/events', { headers: ODP, body: event(5) })).status).toBe(202);
    expect(sb.odpEvents('EU').map((e) => e.identifiers.email)).toEqual(['u1@example.com', 'u4@example.com']);
    expect(sb.odpEvents('AU')).toHaveLength(1);
    expect(sb.odpEvents('US')).toHaveLength(1);
    expect(sb.received('odp').map((r) => [r.region, r.status])).toEqual([
      ['EU', 202],
      ['AU', 202],
      ['US', 403],
      ['AU', 403],
      ['EU', 202],
      ['US', 202],
    ]);
    expect(sb.received('odp').every((r) => r.headers['x-api-key'] === '[redacted]')).toBe(true);
    // Profiles are per region too.
    expect((await call(sb.url, 'GET', '/eu1/v3/profiles?email=u1@example.com', { headers: ODP })).status).toBe(200);
    expect((await call(sb.url, 'GET', '/v3/profiles?email=u1@example.com', { headers: ODP })).status).toBe(404);
  });
});
