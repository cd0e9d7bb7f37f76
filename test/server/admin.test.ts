/** The admin API: bearer auth (configured or generated token), events/rejected/stats/config, OpenAPI, param errors. */
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyPluginAsync } from 'fastify';
import { ADMIN_ROUTE_MODULES } from '../../src/server/admin/index.js';
import type { ServerDeps } from '../../src/server/types.js';
import { admin, basic, post, removeDir, SERVER_KEY, startTestServer, tempDir, WEB_KEY, type TestServer } from './helpers.js';

// Another engineer's admin module, added the way docs/admin-api.md says (one line in ADMIN_ROUTE_MODULES).
const extraModule: FastifyPluginAsync<ServerDeps> = async (app) => {
  app.get('/widgets/:name', {
    schema: {
      summary: 'A widget',
      tags: ['test'],
      params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
    },
  }, async (req) => ({ name: (req.params as { name: string }).name }));
};
ADMIN_ROUTE_MODULES.push(extraModule);

let ts: TestServer;
const auth = { authorization: basic(WEB_KEY) };

beforeAll(async () => {
  ts = await startTestServer();
  const batch = [
    { type: 'identify', userId: 'alice', traits: { plan: 'pro' }, messageId: 'adm-1' },
    { type: 'track', userId: 'alice', event: 'Order Completed', messageId: 'adm-2' },
    { type: 'track', userId: 'bob', event: 'Order Completed', messageId: 'adm-3' },
    { type: 'track', userId: 'bob', event: 'Viewed', messageId: 'adm-4' },
    { type: 'page', anonymousId: 'anon-9', messageId: 'adm-5' },
    { type: 'track', userId: 'bob', messageId: 'adm-bad' },
  ];
  expect((await post(`${ts.url}/v1/batch`, { batch }, auth)).status).toBe(200);
  expect((await post(`${ts.url}/v1/track`, { userId: 'carol', event: 'Viewed', messageId: 'adm-6' }, { authorization: basic(SERVER_KEY) })).status).toBe(200);
});
afterAll(async () => {
  await ts.stop();
  removeDir(ts.dir);
});

type Ev = { id: number; messageId: string; type: string; userId: string | null; sourceId: string; receivedAt: string; body: Record<string, unknown> };

describe('auth', () => {
  it('401 without a token, 403 with a wrong one, JSON bodies', async () => {
    const none = await admin(ts, '/events', '');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ success: false, code: 'unauthorized' });
    const wrong = await admin(ts, '/stats', 'wrong-token');
    expect(wrong.status).toBe(403);
    expect(wrong.json).toMatchObject({ success: false, code: 'forbidden' });
    const basicAuth = await fetch(`${ts.url}/admin/v1/stats`, { headers: { authorization: basic(WEB_KEY) } });
    expect(basicAuth.status).toBe(401);
  });

  it('generates a token at first start (0600 file, printed once) and keeps it across restarts', async () => {
    const dir = tempDir();
    try {
      const first = await startTestServer({ dir, adminToken: null });
      expect(first.app.admin.generated).toBe(true);
      const file = join(dir, 'admin-token');
      expect(first.app.admin.file).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const token = readFileSync(file, 'utf8').trim();
      expect(token).toBe(first.app.adminToken);
      expect((await admin(first, '/stats', token)).status).toBe(200);
      expect((await admin(first, '/stats', 'x')).status).toBe(403);
      await first.stop();
      const second = await startTestServer({ dir, adminToken: null });
      expect(second.app.admin.generated).toBe(false);
      expect(second.app.adminToken).toBe(token);
      await second.stop();
    } finally {
      removeDir(dir);
    }
  });
});

describe('events', () => {
  it('lists newest first and filters by userId, type, event and source', async () => {
    const all = (await admin(ts, '/events')).json.events as Ev[];
    expect(all.map((e) => e.messageId)).toEqual(['adm-6', 'adm-5', 'adm-4', 'adm-3', 'adm-2', 'adm-1']);
    expect(all[0].receivedAt).toMatch(/Z$/);
    const bob = (await admin(ts, '/events?userId=bob')).json.events as Ev[];
    expect(bob.map((e) => e.messageId)).toEqual(['adm-4', 'adm-3']);
    const orders = (await admin(ts, '/events?type=track&event=Order%20Completed')).json.events as Ev[];
    expect(orders.map((e) => e.messageId)).toEqual(['adm-3', 'adm-2']);
    const server = (await admin(ts, '/events?sourceId=server')).json.events as Ev[];
    expect(server.map((e) => e.messageId)).toEqual(['adm-6']);
  });

  it('pages with limit and before (nextBefore)', async () => {
    const p1 = (await admin(ts, '/events?limit=4')).json;
    expect((p1.events as Ev[]).map((e) => e.messageId)).toEqual(['adm-6', 'adm-5', 'adm-4', 'adm-3']);
    expect(p1.nextBefore).toBe((p1.events as Ev[])[3].id);
    const p2 = (await admin(ts, `/events?limit=4&before=${p1.nextBefore as number}`)).json;
    expect((p2.events as Ev[]).map((e) => e.messageId)).toEqual(['adm-2', 'adm-1']);
    expect(p2.nextBefore).toBeNull();
  });

  it('returns one event by id, 404 for an unknown id', async () => {
    const [first] = (await admin(ts, '/events?limit=1')).json.events as Ev[];
    const one = await admin(ts, `/events/${first.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: first.id, messageId: 'adm-6', body: { event: 'Viewed' } });
    const missing = await admin(ts, '/events/999999');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ success: false, code: 'not_found' });
  });

  it('answers 400 naming the parameter for bad query values', async () => {
    for (const [q, field] of [['/events?limit=abc', 'limit'], ['/events?limit=0', 'limit'], ['/events?limit=5000', 'limit'], ['/events?type=purchase', 'type'], ['/events?before=-1', 'before'], ['/events/abc', 'id'], ['/rejected?limit=x', 'limit']] as const) {
      const r = await admin(ts, q);
      expect(r.status, q).toBe(400);
      expect(r.json).toMatchObject({ success: false, code: 'invalid_param', field });
      expect(String(r.json.message)).toContain(`"${field}"`);
    }
  });
});

describe('rejected, stats, config', () => {
  it('lists rejected records with reason and field', async () => {
    const r = await admin(ts, '/rejected');
    const rows = r.json.rejected as { sourceId: string; field: string; reason: string; body: Record<string, unknown> }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sourceId: 'web', field: 'event', body: { messageId: 'adm-bad' } });
    expect(rows[0].reason).toContain('event');
  });

  it('counts in total and per source (every configured source listed)', async () => {
    const s = (await admin(ts, '/stats')).json as { total: Record<string, number>; perSource: Record<string, Record<string, number>> };
    expect(s.total).toEqual({ received: 7, accepted: 6, duplicates: 0, rejected: 1, suppressed: 0 });
    expect(s.perSource.web).toEqual({ received: 6, accepted: 5, duplicates: 0, rejected: 1, suppressed: 0 });
    expect(s.perSource.server).toEqual({ received: 1, accepted: 1, duplicates: 0, rejected: 0, suppressed: 0 });
  });

  it('shows the loaded config with every secret masked', async () => {
    const r = await admin(ts, '/config');
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.json);
    for (const secret of [WEB_KEY, SERVER_KEY, 'admin-test-token-abc']) expect(text).not.toContain(secret);
    expect(r.json).toMatchObject({ sources: [{ id: 'web', writeKey: '[redacted]' }, { id: 'server', writeKey: '[redacted]' }], admin: { token: '[redacted]' } });
  });
});

describe('OpenAPI', () => {
  it('is generated from the route schemas, including routes other modules add, and needs no token', async () => {
    const res = await fetch(`${ts.url}/admin/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string; schema: Record<string, unknown> }[]; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/admin/v1/events', '/admin/v1/events/{id}', '/admin/v1/rejected', '/admin/v1/stats', '/admin/v1/config', '/admin/v1/widgets/{name}',
    ]));
    expect(doc.paths['/admin/v1/openapi.json']).toBeUndefined();
    const params = doc.paths['/admin/v1/events'].get.parameters;
    expect(params.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'before', 'userId', 'type', 'event']));
    expect(params.find((p) => p.name === 'type')?.schema.enum).toContain('track');
    expect(doc.paths['/admin/v1/events/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path' });
    expect(Object.keys(doc.paths['/admin/v1/events'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    const widget = await admin(ts, '/widgets/w1');
    expect(widget.json).toEqual({ name: 'w1' });
  });
});
