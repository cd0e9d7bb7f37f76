/** The Tracking API over raw HTTP: every route, auth, content types, compression, limits, bad input, CORS. */
import { gzipSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, basic, post, removeDir, SERVER_KEY, startTestServer, WEB_KEY, type TestServer } from './helpers.js';

let ts: TestServer;
const auth = { authorization: basic(WEB_KEY) };

async function stats(): Promise<{ received: number; accepted: number; duplicates: number; rejected: number }> {
  const r = await admin(ts, '/stats');
  return (r.json as { total: { received: number; accepted: number; duplicates: number; rejected: number } }).total;
}

async function eventByMessageId(messageId: string): Promise<Record<string, unknown> | undefined> {
  const r = await admin(ts, `/events?messageId=${encodeURIComponent(messageId)}`);
  return (r.json.events as { body: Record<string, unknown> }[])[0]?.body;
}

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
  removeDir(ts.dir);
});

describe('routes and auth', () => {
  const single: [string, Record<string, unknown>][] = [
    ['track', { event: 'Signed Up' }], ['identify', { traits: { plan: 'pro' } }], ['page', { name: 'Home' }],
    ['screen', { name: 'Main' }], ['group', { groupId: 'g1' }], ['alias', { previousId: 'anon-1' }],
    ['t', { event: 'Clicked' }], ['i', {}], ['p', {}], ['s', {}], ['g', { groupId: 'g2' }], ['a', { previousId: 'anon-2' }],
  ];
  it.each(single)('POST /v1/%s stores one event of the implied type', async (path, extra) => {
    const messageId = `m-${path}-${Math.random()}`;
    const res = await post(`${ts.url}/v1/${path}`, { userId: 'u1', messageId, ...extra }, auth);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true });
    const stored = await eventByMessageId(messageId);
    const type = { t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias' }[path] ?? path;
    expect(stored?.type).toBe(type);
  });

  it.each(['batch', 'import', 'b'])('POST /v1/%s stores every event of the batch', async (path) => {
    const ids = [0, 1, 2].map((i) => `m-${path}-${i}-${Math.random()}`);
    const batch = ids.map((messageId) => ({ type: 'track', event: 'Viewed', anonymousId: 'a1', messageId }));
    const res = await post(`${ts.url}/v1/${path}`, { batch, writeKey: WEB_KEY });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true });
    for (const id of ids) expect(await eventByMessageId(id)).toBeDefined();
  });

  it('accepts Basic without the colon, and the body writeKey alone; records the right source', async () => {
    const a = await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E', messageId: 'nocolon-1' }, { authorization: basic(SERVER_KEY, false) });
    const b = await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E', messageId: 'bodykey-1', writeKey: SERVER_KEY });
    expect([a.status, b.status]).toEqual([200, 200]);
    const r = await admin(ts, '/events?messageId=bodykey-1');
    const ev = (r.json.events as { sourceId: string; body: Record<string, unknown> }[])[0];
    expect(ev.sourceId).toBe('server');
    expect(ev.body.writeKey).toBeUndefined(); // the write key is never stored
  });

  it('answers 401 invalid_write_key for a missing or unknown key and stores nothing', async () => {
    const before = await stats();
    const cases = [
      await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E' }),
      await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E' }, { authorization: basic('nope') }),
      await post(`${ts.url}/v1/batch`, { batch: [{ type: 'track', userId: 'u', event: 'E' }], writeKey: 'nope' }),
      await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E', writeKey: WEB_KEY }, { authorization: basic('wrong') }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ success: false, code: 'invalid_write_key' });
      expect(String(r.json.message)).toContain('write key');
    }
    expect(await stats()).toEqual(before);
  });
});

describe('content types and compression', () => {
  it('parses a browser-style text/plain body', async () => {
    const res = await fetch(`${ts.url}/v1/t`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: basic(WEB_KEY) },
      body: JSON.stringify({ anonymousId: 'browser-1', event: 'Clicked', messageId: 'text-plain-1', writeKey: WEB_KEY, sentAt: new Date().toISOString() }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(await eventByMessageId('text-plain-1')).toMatchObject({ type: 'track', anonymousId: 'browser-1' });
  });

  it('parses a body without any Content-Type', async () => {
    const res = await fetch(`${ts.url}/v1/identify`, {
      method: 'POST',
      headers: { authorization: basic(WEB_KEY) },
      body: new Blob([JSON.stringify({ userId: 'u-noct', messageId: 'no-ct-1' })]),
    });
    expect(res.status).toBe(200);
    expect(await eventByMessageId('no-ct-1')).toBeDefined();
  });

  it('accepts gzip and deflate bodies', async () => {
    for (const [encoding, fn] of [['gzip', gzipSync], ['deflate', deflateSync]] as const) {
      const messageId = `enc-${encoding}`;
      const body = fn(Buffer.from(JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Zipped', messageId }] })));
      const res = await fetch(`${ts.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: basic(WEB_KEY) },
        body: new Blob([body]),
      });
      expect(res.status).toBe(200);
      expect(await eventByMessageId(messageId)).toMatchObject({ event: 'Zipped' });
    }
  });

  it('refuses an unknown Content-Encoding with 415', async () => {
    const res = await post(`${ts.url}/v1/track`, '{}', { ...auth, 'content-encoding': 'zstd-ish' });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ success: false, code: 'unsupported_encoding' });
  });
});

describe('limits and bad input', () => {
  it('refuses malformed JSON whole with 400 invalid_json', async () => {
    const before = await stats();
    const res = await post(`${ts.url}/v1/batch`, '{"batch": [{"type":"track",', auth);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: 'invalid_json' });
    expect(String(res.json.message)).toMatch(/malformed JSON/);
    expect(await stats()).toEqual(before);
  });

  it('refuses a body that is not an object, an empty body, or a batch without "batch", with 400', async () => {
    for (const [path, body] of [['track', '[1,2]'], ['track', ''], ['batch', '{"events":[]}'], ['batch', '{"batch":{}}']] as const) {
      const res = await post(`${ts.url}/v1/${path}`, body, auth);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, code: 'invalid_request' });
    }
  });

  it('refuses an over-500 KB request whole with 413 request_too_large, plain or gzip', async () => {
    const before = await stats();
    const big = { batch: Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: 'u', event: 'Big', messageId: `big-${i}`, properties: { pad: 'x'.repeat(30_000) } })) };
    const raw = JSON.stringify(big);
    expect(raw.length).toBeGreaterThan(500 * 1024);
    const plain = await post(`${ts.url}/v1/batch`, raw, auth);
    expect(plain.status).toBe(413);
    expect(plain.json).toMatchObject({ success: false, code: 'request_too_large' });
    expect(String(plain.json.message)).toContain('500 KB');
    const zipped = await fetch(`${ts.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: basic(WEB_KEY) },
      body: new Blob([gzipSync(Buffer.from(raw))]),
    });
    expect(zipped.status).toBe(413); // measured after decompression
    expect(await zipped.json()).toMatchObject({ code: 'request_too_large' });
    expect(await stats()).toEqual(before);
    expect(await eventByMessageId('big-0')).toBeUndefined();
  });

  it('refuses more than 2,500 events whole with 400 too_many_events', async () => {
    const before = await stats();
    const batch = Array.from({ length: 2501 }, (_, i) => ({ type: 'identify', userId: `u${i}` }));
    const res = await post(`${ts.url}/v1/batch`, { batch }, auth);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: 'too_many_events', limit: 2500 });
    expect(String(res.json.message)).toContain('2500');
    expect(await stats()).toEqual(before);
  });

  it('accepts the valid neighbours of invalid events, lists each rejection, and keeps it as a rejected record', async () => {
    const before = await stats();
    const batch: unknown[] = [
      { type: 'track', userId: 'ok', event: 'Good', messageId: 'nb-good-1' },
      { type: 'track', userId: 'u', messageId: 'nb-no-event' },
      { type: 'identify', traits: {}, messageId: 'nb-no-id' },
      { type: 'group', userId: 'u', messageId: 'nb-no-group' },
      { type: 'alias', userId: 'u', messageId: 'nb-no-prev' },
      { type: 'track', userId: { id: 42 }, event: 'E', messageId: 'nb-obj-user' },
      { type: 'track', userId: 42, event: 'Numeric', messageId: 'nb-num-user' },
      { type: 'track', userId: 'u', event: 'E', properties: [1], messageId: 'nb-props-array' },
      { type: 'track', userId: 'u', event: 'E', timestamp: 'yesterday-ish', messageId: 'nb-bad-ts' },
      { type: 'purchase', userId: 'u', messageId: 'nb-bad-type' },
      { type: 'track', userId: 'u', event: 'E', messageId: 'x'.repeat(120) },
      { type: 'track', userId: 'u', event: 'Huge', messageId: 'nb-huge', properties: { pad: 'é'.repeat(17_000) } },
      'not an object',
      { type: 'page', anonymousId: 'a', messageId: 'nb-good-2' },
    ];
    const res = await post(`${ts.url}/v1/batch`, { batch }, auth);
    expect(res.status).toBe(200);
    expect(res.json.success).toBe(true);
    const rejected = res.json.rejected as { index: number; code: string; field: string; messageId?: string; message: string }[];
    expect(rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'missing_field', 'event'],
      [2, 'no_user_anon_id', 'userId'],
      [3, 'missing_field', 'groupId'],
      [4, 'missing_field', 'previousId'],
      [5, 'invalid_field', 'userId'],
      [7, 'invalid_field', 'properties'],
      [8, 'invalid_timestamp', 'timestamp'],
      [9, 'invalid_type', 'type'],
      [10, 'invalid_field', 'messageId'],
      [11, 'event_too_large', ''],
      [12, 'invalid_message', ''],
    ]);
    expect(rejected[0].messageId).toBe('nb-no-event');
    expect(rejected[9].message).toContain('32 KB');
    expect(await eventByMessageId('nb-good-1')).toBeDefined();
    expect(await eventByMessageId('nb-good-2')).toBeDefined();
    expect((await eventByMessageId('nb-num-user'))?.userId).toBe('42'); // numeric ids are kept as their string
    for (const id of ['nb-no-event', 'nb-no-id', 'nb-huge', 'nb-bad-ts']) expect(await eventByMessageId(id)).toBeUndefined();
    const after = await stats();
    expect(after.received - before.received).toBe(14);
    expect(after.accepted - before.accepted).toBe(3);
    expect(after.rejected - before.rejected).toBe(11);

    const list = await admin(ts, '/rejected?limit=11');
    const records = list.json.rejected as { reason: string; field: string | null; body: Record<string, unknown> }[];
    expect(records).toHaveLength(11);
    const noEvent = records.find((r) => (r.body as { messageId?: string })?.messageId === 'nb-no-event');
    expect(noEvent?.field).toBe('event');
    expect(noEvent?.reason).toMatch(/^missing_field: track requires event/);
    const huge = records.find((r) => (r.body as { messageId?: string })?.messageId === 'nb-huge');
    expect(huge?.body).toMatchObject({ truncated: true, messageId: 'nb-huge' }); // an over-size body is not kept
  });

  it('measures each event as sent: an over-32 KB single message is rejected, a pretty-printed batch is measured per element', async () => {
    const single = await post(`${ts.url}/v1/track`, { userId: 'u', event: 'Big', messageId: 'single-big', properties: { pad: 'x'.repeat(33_000) } }, auth);
    expect(single.status).toBe(200);
    expect(single.json).toMatchObject({ rejected: [{ index: 0, code: 'event_too_large', messageId: 'single-big' }] });
    const batch = [
      { type: 'track', userId: 'u', event: 'Small', messageId: 'pretty-small', properties: { pad: 'y'.repeat(20_000) } },
      { type: 'track', userId: 'u', event: 'Big', messageId: 'pretty-big', properties: { pad: 'z'.repeat(32_800) } },
    ];
    const pretty = await post(`${ts.url}/v1/batch`, JSON.stringify({ batch }, null, 2), auth);
    expect(pretty.json).toMatchObject({ success: true, rejected: [{ index: 1, code: 'event_too_large', messageId: 'pretty-big' }] });
    expect(await eventByMessageId('pretty-small')).toBeDefined();
    expect(await eventByMessageId('single-big')).toBeUndefined();
  });

  it('a single-message endpoint reports an invalid message in the same way', async () => {
    const res = await post(`${ts.url}/v1/track`, { userId: 'u' }, auth);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, rejected: [{ index: 0, code: 'missing_field', field: 'event' }] });
  });

  it('refuses a bad batch-level context or sentAt whole with 400', async () => {
    const r1 = await post(`${ts.url}/v1/batch`, { batch: [], context: 'x' }, auth);
    const r2 = await post(`${ts.url}/v1/batch`, { batch: [], sentAt: 'soon' }, auth);
    expect([r1.status, r2.status]).toEqual([400, 400]);
    expect(r1.json).toMatchObject({ code: 'invalid_request', field: 'context' });
    expect(r2.json).toMatchObject({ code: 'invalid_request', field: 'sentAt' });
  });
});

describe('normalisation', () => {
  it('acknowledges a duplicate messageId and does not store it again', async () => {
    const before = await stats();
    const msg = { userId: 'dup', event: 'Once', messageId: 'dup-1' };
    expect((await post(`${ts.url}/v1/track`, msg, auth)).status).toBe(200);
    expect((await post(`${ts.url}/v1/track`, msg, auth)).json).toEqual({ success: true });
    const after = await stats();
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.duplicates - before.duplicates).toBe(1);
    const r = await admin(ts, '/events?messageId=dup-1');
    expect(r.json.events).toHaveLength(1);
  });

  it('corrects client clock skew from sentAt (device clock 1 h ahead)', async () => {
    const skewed = Date.now() + 3_600_000;
    const res = await post(`${ts.url}/v1/batch`, {
      sentAt: new Date(skewed).toISOString(),
      batch: [{ type: 'track', userId: 'skew', event: 'Skewed', messageId: 'skew-1', timestamp: new Date(skewed - 5_000).toISOString() }],
    }, auth);
    expect(res.status).toBe(200);
    const ev = (await eventByMessageId('skew-1')) as Record<string, string>;
    const received = Date.parse(ev.receivedAt);
    expect(ev.originalTimestamp).toBe(new Date(skewed - 5_000).toISOString());
    expect(ev.sentAt).toBe(new Date(skewed).toISOString());
    expect(Date.parse(ev.timestamp)).toBe(received - 5_000); // receivedAt − (sentAt − originalTimestamp)
    expect(ev.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('assigns a messageId when absent and merges batch-level context (the message wins)', async () => {
    const res = await post(`${ts.url}/v1/batch`, {
      context: { library: { name: 'batch-lib' }, ip: '10.0.0.1' },
      integrations: { All: true },
      batch: [{ type: 'identify', userId: 'merge-user', context: { ip: '10.0.0.2' } }],
    }, auth);
    expect(res.status).toBe(200);
    const r = await admin(ts, '/events?userId=merge-user');
    const ev = (r.json.events as { messageId: string; body: Record<string, unknown> }[])[0];
    expect(ev.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ev.body.context).toEqual({ library: { name: 'batch-lib' }, ip: '10.0.0.2' });
    expect(ev.body.integrations).toEqual({ All: true });
  });
});

describe('CORS, health, logs', () => {
  it('answers a CORS preflight on the tracking routes, and only there', async () => {
    const pre = await fetch(`${ts.url}/v1/track`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const adminPre = await fetch(`${ts.url}/admin/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    expect(adminPre.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${ts.url}/healthz`, { headers: { origin: 'https://shop.example' } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /healthz and /readyz, and JSON 404s', async () => {
    expect(await (await fetch(`${ts.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${ts.url}/readyz`);
    expect(ready.status).toBe(200);
    const missing = await post(`${ts.url}/v1/nope`, {}, auth);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ success: false, code: 'not_found' });
  });

  it('never logs write keys, the admin token or request bodies', async () => {
    await post(`${ts.url}/v1/track`, { userId: 'log-user', event: 'Secretive', properties: { marker: 'body-marker-xyz' } }, auth);
    await post(`${ts.url}/v1/track`, { userId: 'u', event: 'E' }, { authorization: basic('unknown-key-zzz') });
    const logs = ts.logs.join('');
    expect(logs).toContain('/v1/track');
    for (const secret of [WEB_KEY, SERVER_KEY, 'body-marker-xyz', 'unknown-key-zzz', 'admin-test-token-abc']) expect(logs).not.toContain(secret);
  });
});

describe('store failure', () => {
  it('answers 503 when the store write fails, so clients retry', async () => {
    const other = await startTestServer();
    try {
      await other.app.store.close();
      const res = await post(`${other.url}/v1/track`, { userId: 'u', event: 'E' }, auth);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ success: false, code: 'store_unavailable' });
      const ready = await fetch(`${other.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await other.app.server.close();
      removeDir(other.dir);
    }
  });
});
