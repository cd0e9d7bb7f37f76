import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, demoSeed, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, PAT } from './helpers.js';

const FX = Number(DEMO.projectId);
const WEB = Number(DEMO.webProjectId);
type Obj = Record<string, unknown>;

describe('sandbox REST API v2', () => {
  let sb: Sandbox;
  const rest = (method: string, path: string, body?: unknown, headers: Record<string, string> = PAT) => call(sb.url, method, `/v2${path}`, { headers, body });
  beforeAll(async () => {
    // Functional tests: generous limits (the limiter has its own test file).
    sb = await startSandbox({ rateLimits: { fx: { perSecond: 10_000 }, web: { perMinute: 10_000 } } });
  });
  beforeEach(() => sb.seed(demoSeed()));
  afterAll(() => sb.close());

  describe('auth', () => {
    it('401 without or with an unknown token, in the Error envelope', async () => {
      for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
        const r = await rest('GET', '/projects', undefined, headers);
        expect(r.status).toBe(401);
        expect(r.json).toMatchObject({ code: 'unauthorized', message: expect.any(String), uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      }
    });
    it('403 for a project the token may not touch, 404 for one that does not exist', async () => {
      sb.seed({
        projects: [
          { id: '1', accountId: '9', name: 'a', platform: 'custom', sdkKey: 'a' },
          { id: '2', accountId: '9', name: 'b', platform: 'custom', sdkKey: 'b' },
        ],
        tokens: [{ token: 'only-project-1', accountId: '9', projectIds: ['1'] }],
        odpKeys: [],
      });
      const h = { authorization: 'Bearer only-project-1' };
      expect((await rest('GET', '/projects/1', undefined, h)).status).toBe(200);
      const forbidden = await rest('GET', '/projects/2', undefined, h);
      expect(forbidden.status).toBe(403);
      expect(forbidden.json).toMatchObject({ code: 'forbidden' });
      expect((await rest('POST', '/projects/2/custom_events', { key: 'x' }, h)).status).toBe(403);
      expect((await rest('GET', '/projects/3', undefined, h)).status).toBe(404);
      expect(((await rest('GET', '/projects', undefined, h)).json as Obj[]).map((p) => p.id)).toEqual([1]);
    });
  });

  it('404 envelope for unknown paths and ids', async () => {
    for (const path of ['/nothing/here', '/attributes/123', '/audiences/123', '/events/123', '/list_attributes/1', '/subject-access-requests/1']) {
      const r = await rest('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.json).toMatchObject({ code: 'not_found', message: 'Nothing matches the given URI', uuid: expect.any(String) });
      expect(r.headers.get('x-ratelimit-limit'), path).not.toBeNull();
    }
    expect((await rest('GET', '/nothing/here', undefined, {})).status).toBe(401);
    expect((await rest('DELETE', '/audiences/1')).status).toBe(404);
  });

  it('projects: integer ids and the documented fields', async () => {
    const r = await rest('GET', `/projects/${FX}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: FX, account_id: Number(DEMO.accountId), platform: 'custom', status: 'active', is_flags_enabled: true });
  });

  describe('custom events', () => {
    it('create (201), list, read, patch (200), archive (204)', async () => {
      const c = await rest('POST', `/projects/${FX}/custom_events`, { key: 'Checkout Started-1.0', description: 'd', category: 'convert', event_properties: [{ name: 'sku', data_type: 'string' }] });
      expect(c.status).toBe(201);
      const ev = c.json as Obj;
      expect(ev).toMatchObject({ key: 'Checkout Started-1.0', name: 'Checkout Started-1.0', project_id: FX, event_type: 'custom', archived: false, category: 'convert' });
      expect(typeof ev.id).toBe('number');
      const list = await rest('GET', `/events?project_id=${FX}&include_classic=false&per_page=100`);
      expect((list.json as Obj[]).map((e) => e.key)).toEqual(['purchase', 'signup', 'add_to_cart', 'Checkout Started-1.0']);
      expect((await rest('GET', `/events/${ev.id}`)).json).toMatchObject({ id: ev.id });
      const p = await rest('PATCH', `/projects/${FX}/custom_events/${ev.id}`, { name: 'Checkout started' });
      expect(p.status).toBe(200);
      expect(p.json).toMatchObject({ name: 'Checkout started', key: 'Checkout Started-1.0' });
      const del = await rest('DELETE', `/projects/${FX}/custom_events/${ev.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await rest('GET', `/events/${ev.id}`)).json).toMatchObject({ archived: true });
      expect((sb.datafile(DEMO.sdkKey)!.events as Obj[]).map((e) => e.key)).not.toContain('Checkout Started-1.0');
    });
    it('validates key length, characters, uniqueness and fields with 400 envelopes', async () => {
      const cases: [unknown, RegExp][] = [
        [{}, /^key: is required/],
        [{ key: 'a'.repeat(65) }, /key: must be at most 64/],
        [{ key: 'bad/key' }, /key: "bad\/key" must match/],
        [{ key: 'purchase' }, /already exists/],
        [{ key: 'ok', category: 'nope' }, /category: must be one of/],
        [{ key: 'ok', project_id: FX }, /Unknown field\(s\): project_id/],
        [{ key: 'ok', event_properties: [{ name: 'x', data_type: 'date' }] }, /data_type: must be one of/],
      ];
      for (const [body, message] of cases) {
        const r = await rest('POST', `/projects/${FX}/custom_events`, body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.json).toMatchObject({ code: 'bad_request', message: expect.stringMatching(message), uuid: expect.any(String) });
      }
      expect((await rest('POST', `/projects/${FX}/custom_events`, { key: 'a'.repeat(64) })).status).toBe(201);
      const bad = await call(sb.url, 'POST', `/v2/projects/${FX}/custom_events`, { headers: { ...PAT, 'content-type': 'application/json' }, raw: '{"key":' });
      expect(bad.status).toBe(400);
      expect((bad.json as Obj).message).toMatch(/not valid JSON/);
      const renameToTaken = await rest('PATCH', `/projects/${FX}/custom_events/${DEMO.events[1].id}`, { key: 'purchase' });
      expect(renameToTaken.status).toBe(400);
      expect((await rest('PATCH', `/projects/${FX}/custom_events/123`, { name: 'x' })).status).toBe(404);
    });
    it('requires project_id on the listing', async () => {
      const r = await rest('GET', '/events');
      expect(r.status).toBe(400);
      expect((r.json as Obj).message).toMatch(/project_id/);
    });
  });

  describe('attributes', () => {
    it('create, list, patch, archive; project_id must be an unquoted integer', async () => {
      const quoted = await rest('POST', '/attributes', { key: 'is_logged_in', project_id: String(FX) });
      expect(quoted.status).toBe(400);
      expect((quoted.json as Obj).message).toMatch(/project_id: must be an integer, not a string/);
      const c = await rest('POST', '/attributes', { key: 'is_logged_in', project_id: FX, description: 'x' });
      expect(c.status).toBe(201);
      expect(c.json).toMatchObject({ key: 'is_logged_in', name: 'is_logged_in', condition_type: 'custom_attribute', project_id: FX, archived: false });
      const id = (c.json as Obj).id;
      expect((await rest('POST', '/attributes', { key: 'is_logged_in', project_id: FX })).status).toBe(400);
      const list = await rest('GET', `/attributes?project_id=${FX}`);
      expect((list.json as Obj[]).map((a) => a.key)).toEqual(['plan', 'country', 'is_logged_in']);
      expect((await rest('PATCH', `/attributes/${id}`, { description: 'y' })).json).toMatchObject({ description: 'y' });
      expect((await rest('DELETE', `/attributes/${id}`)).status).toBe(204);
      expect((await rest('GET', `/attributes/${id}`)).json).toMatchObject({ archived: true });
      expect(((sb.datafile(DEMO.projectId)!.attributes as Obj[]).map((a) => a.key))).toEqual(['plan', 'country']);
    });
  });

  describe('audiences', () => {
    const conditions = JSON.stringify(['and', ['or', ['or', { name: 'plan', type: 'custom_attribute', match_type: 'exact', value: 'gold' }]]]);
    it('create with serialized conditions; the datafile gets the "match" spelling', async () => {
      const c = await rest('POST', '/audiences', { project_id: FX, name: 'Gold', conditions });
      expect(c.status).toBe(201);
      expect(c.json).toMatchObject({ name: 'Gold', conditions, archived: false, project_id: FX, experiment_count: 0, segmentation: false });
      const df = sb.datafile(DEMO.projectId)!.audiences as { conditions: string }[];
      expect(JSON.parse(df[0]!.conditions)).toEqual(['and', ['or', ['or', { name: 'plan', type: 'custom_attribute', match: 'exact', value: 'gold' }]]]);
      const id = (c.json as Obj).id as number;
      const combined = await rest('POST', '/audiences', { project_id: FX, name: 'Gold and not gold', conditions: JSON.stringify(['and', { audience_id: id }, ['not', { audience_id: id }]]) });
      expect(combined.status).toBe(201);
      const archived = await rest('PATCH', `/audiences/${id}`, { archived: true });
      expect(archived.json).toMatchObject({ archived: true });
      expect(((await rest('GET', `/audiences?project_id=${FX}&archived=false`)).json as Obj[]).map((a) => a.name)).toEqual(['Gold and not gold']);
    });
    it('rejects invalid condition structures with a message naming the problem', async () => {
      const cases: [unknown, RegExp][] = [
        [['and', { type: 'custom_attribute', name: 'plan', value: 'x' }], /serialized JSON string/],
        ['not json', /not valid JSON/],
        [JSON.stringify({ type: 'custom_attribute' }), /must encode a list/],
        [JSON.stringify(['xor', { type: 'custom_attribute', name: 'plan', value: 'x' }]), /must start with "and", "or" or "not"/],
        [JSON.stringify(['not', { type: 'custom_attribute', name: 'a', value: 1 }, { type: 'custom_attribute', name: 'b', value: 2 }]), /"not" takes exactly one operand/],
        [JSON.stringify(['and', { type: 'custom_attribute', value: 'x' }]), /\$\[1\]\.name must be the attribute key/],
        [JSON.stringify(['and', { type: 'custom_attribute', name: 'plan', value: 'x', match_type: 'equals' }]), /match_type "equals" is not one of/],
        [JSON.stringify(['and', { type: 'custom_attribute', name: 'plan', value: { a: 1 } }]), /value must be a string, number or boolean/],
        [JSON.stringify(['and', { type: 'language', value: 'es' }]), /not supported in a Feature Experimentation project/],
        [JSON.stringify(['and', { audience_id: 424242 }]), /audience_id 424242 is not an audience of this project/],
        [JSON.stringify(['and', { type: 'custom_attribute', name: 'plan', match: 'exact', value: 'x' }]), /use "match_type"/],
      ];
      for (const [cond, message] of cases) {
        const r = await rest('POST', '/audiences', { project_id: FX, name: 'n', conditions: cond });
        expect(r.status, JSON.stringify(cond)).toBe(400);
        expect((r.json as Obj).message).toMatch(/^conditions: /);
        expect((r.json as Obj).message).toMatch(message);
      }
      expect((await rest('POST', '/audiences', { project_id: FX, name: 'n' })).status).toBe(400);
      const web = await rest('POST', '/audiences', { project_id: WEB, name: 'Spanish', conditions: JSON.stringify(['and', { type: 'language', value: 'es' }]) });
      expect(web.status).toBe(201);
      const exists = await rest('POST', '/audiences', { project_id: FX, name: 'has plan', conditions: JSON.stringify(['and', { type: 'custom_attribute', name: 'plan', match_type: 'exists' }]) });
      expect(exists.status).toBe(201);
    });
  });

  describe('list attributes', () => {
    it('list_content overwrites the whole list on create and PATCH; GET returns it', async () => {
      const c = await rest('POST', '/list_attributes', { project_id: WEB, name: 'vip_users', key_field: 'user_id', list_type: 'cookies', list_content: 'a,b,c' });
      expect(c.status).toBe(201);
      const l = c.json as Obj;
      expect(l).toMatchObject({ name: 'vip_users', list_content: 'a,b,c', project_id: WEB, account_id: Number(DEMO.accountId) });
      const p = await rest('PATCH', `/list_attributes/${l.id}`, { name: 'vip_users', key_field: 'user_id', list_type: 'cookies', list_content: 'c,d' });
      expect(p.status).toBe(200);
      expect((await rest('GET', `/list_attributes/${l.id}`)).json).toMatchObject({ list_content: 'c,d' });
      expect(sb.listMembers('vip_users')).toEqual(['c', 'd']);
      const missing = await rest('PATCH', `/list_attributes/${l.id}`, { list_content: 'e' });
      expect(missing.status).toBe(400);
      expect((missing.json as Obj).message).toMatch(/name: is required/);
      expect(((await rest('GET', `/list_attributes?project_id=${WEB}`)).json as Obj[]).length).toBe(1);
      expect((await rest('DELETE', `/list_attributes/${l.id}`)).status).toBe(204);
    });
    it('validates name pattern, key_field and list_type', async () => {
      const cases: [Obj, RegExp][] = [
        [{ project_id: WEB, name: 'bad name', key_field: 'k', list_type: 'cookies' }, /name: .* must match/],
        [{ project_id: WEB, name: 'ok', list_type: 'cookies' }, /key_field: is required/],
        [{ project_id: WEB, name: 'ok', key_field: 'k', list_type: 'emails' }, /list_type: must be one of/],
        [{ project_id: WEB, name: 'ok', key_field: 'k', list_type: 'cookies', list_content: ['a'] }, /list_content: must be a string/],
      ];
      for (const [body, message] of cases) {
        const r = await rest('POST', '/list_attributes', body);
        expect(r.status).toBe(400);
        expect((r.json as Obj).message).toMatch(message);
      }
    });
  });

  describe('subject access requests', () => {
    it('create (201), list, read one', async () => {
      const c = await rest('POST', '/subject-access-requests', { data_type: 'visitor', identifier: 'user-123', identifier_type: 'fullstack_id', request_type: 'delete' });
      expect(c.status).toBe(201);
      expect(c.json).toMatchObject({ id: expect.any(Number), account_id: Number(DEMO.accountId), status: 'pending', request_type: 'delete', identifier: 'user-123', completed_at_time: null });
      const id = (c.json as Obj).id;
      expect(((await rest('GET', '/subject-access-requests')).json as Obj[]).map((s) => s.id)).toEqual([id]);
      expect((await rest('GET', `/subject-access-requests/${id}`)).json).toMatchObject({ id });
    });
    it('validates data_type, identifier_type, request_type', async () => {
      const base = { data_type: 'visitor', identifier: 'u', identifier_type: 'fullstack_id', request_type: 'access' };
      const cases: [Obj, RegExp][] = [
        [{ ...base, data_type: 'customer' }, /data_type: must be one of user, visitor/],
        [{ ...base, identifier_type: 'cookie' }, /identifier_type: must be one of/],
        [{ ...base, request_type: 'erase' }, /request_type: must be one of access, delete/],
        [{ ...base, data_type: 'user' }, /only "email" is valid/],
        [{ ...base, identifier: 'x'.repeat(356) }, /identifier: must be at most 355/],
        [{ ...base, identifier: undefined }, /identifier: is required/],
      ];
      for (const [body, message] of cases) {
        const r = await rest('POST', '/subject-access-requests', body);
        expect(r.status).toBe(400);
        expect((r.json as Obj).message).toMatch(message);
      }
    });
  });

  it('paginates with page/per_page (≤ 100) and an unquoted-rel Link header', async () => {
    for (let i = 0; i < 7; i++) expect((await rest('POST', `/projects/${FX}/custom_events`, { key: `e${i}` })).status).toBe(201);
    const p1 = await rest('GET', `/events?project_id=${FX}&per_page=4`);
    expect((p1.json as Obj[]).length).toBe(4);
    const link = p1.headers.get('link')!;
    expect(link).toContain(`<${sb.url}/v2/events?project_id=${FX}&per_page=4&page=2>; rel=next`);
    expect(link).toMatch(/page=3>; rel=last/);
    expect(link).not.toMatch(/rel=prev/);
    const p3 = await rest('GET', `/events?project_id=${FX}&per_page=4&page=3`);
    expect((p3.json as Obj[]).map((e) => e.key)).toEqual(['e5', 'e6']); // 3 demo events + 7
    expect(p3.headers.get('link')).toMatch(/page=2>; rel=prev/);
    expect(p3.headers.get('link')).not.toMatch(/rel=next/);
    // Default page size is 25.
    for (let i = 7; i < 30; i++) await rest('POST', `/projects/${FX}/custom_events`, { key: `e${i}` });
    expect(((await rest('GET', `/events?project_id=${FX}`)).json as Obj[]).length).toBe(25);
    for (const q of ['per_page=101', 'per_page=0', 'page=0', 'page=x']) {
      const r = await rest('GET', `/events?project_id=${FX}&${q}`);
      expect(r.status, q).toBe(400);
    }
  });

  it('records REST requests with the token masked', async () => {
    await rest('GET', '/projects');
    const rec = sb.received('rest');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(rec)).not.toContain(DEMO.personalAccessToken);
  });
});
