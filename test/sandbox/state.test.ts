import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO, demoSeed, loadSeedFile, parseSeed, SeedError, startSandbox } from '../../src/sandbox/index.js';
import { call, conversionBatch, ODP, PAT } from './helpers.js';

const fixture = (name: string): string => join(import.meta.dirname, '..', 'fixtures', 'sandbox', name);
const dir = mkdtempSync(join(tmpdir(), 'optirelay-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox --state', () => {
  it('survives a restart: REST objects, revision, conversions (with dedup) and ODP data', async () => {
    const stateFile = join(dir, 'state', 'sandbox.json');
    const a = await startSandbox({ stateFile, persistDebounceMs: 10 });
    const created = await call(a.url, 'POST', `/v2/projects/${DEMO.projectId}/custom_events`, { headers: PAT, body: { key: 'persisted_event' } });
    expect(created.status).toBe(201);
    await call(a.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'keep-1' }]) });
    await call(a.url, 'POST', '/v3/events', { headers: ODP, body: { type: 't', action: 'a', identifiers: { email: 'p@example.com' } } });
    const revision = a.datafile(DEMO.sdkKey)!.revision;
    await a.close();
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { version: number };
    expect(saved.version).toBe(1);

    const b = await startSandbox({ stateFile });
    try {
      expect(b.datafile(DEMO.sdkKey)!.revision).toBe(revision);
      expect((b.datafile(DEMO.sdkKey)!.events as { key: string }[]).map((e) => e.key)).toContain('persisted_event');
      expect(b.conversions('purchase').total).toBe(1);
      await call(b.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'keep-1' }]) });
      expect(b.conversions('purchase')).toMatchObject({ total: 1, duplicates: 1 });
      expect(b.profiles()).toMatchObject([{ attributes: { email: 'p@example.com' } }]);
      // New ids continue after the persisted ones.
      const next = await call(b.url, 'POST', `/v2/projects/${DEMO.projectId}/custom_events`, { headers: PAT, body: { key: 'second' } });
      expect((next.json as { id: number }).id).toBe((created.json as { id: number }).id + 1);
    } finally {
      await b.close();
    }
  });

  it('refuses a corrupt state file with a message naming the file and the fix', async () => {
    const stateFile = join(dir, 'corrupt.json');
    writeFileSync(stateFile, '{"not":"a state"}');
    await expect(startSandbox({ stateFile })).rejects.toThrow(/corrupt.json is not a sandbox state file.*move it away/);
  });
});

describe('sandbox seeds and control API', () => {
  it('seeds from a JSON file (startSandbox({seed: path}))', async () => {
    const sb = await startSandbox({ seed: fixture('seed-shop.json') });
    try {
      const df = await call(sb.url, 'GET', '/datafiles/auth/shop-sdk-key.json', { headers: { authorization: 'Bearer shop-datafile-token' } });
      expect(df.status).toBe(200);
      const json = df.json as { region: string; botFiltering: boolean; events: { key: string; experimentIds: string[] }[]; audiences: { conditions: string }[] };
      expect(json).toMatchObject({ region: 'EU', botFiltering: true, anonymizeIP: false });
      expect(json.events).toMatchObject([{ key: 'order_completed', experimentIds: ['70000000201'] }, { key: 'refund', experimentIds: [] }]);
      expect(JSON.parse(json.audiences[0]!.conditions)).toEqual(['and', { type: 'custom_attribute', name: 'tier', match: 'exact', value: 'gold' }]);
      expect((await call(sb.url, 'GET', '/v2/projects/70000000001', { headers: { authorization: 'Bearer shop-pat' } })).status).toBe(200);
      expect((await call(sb.url, 'GET', '/v2/projects', { headers: PAT })).status).toBe(401);
      expect((await call(sb.url, 'POST', '/eu1/v3/events', { headers: { 'x-api-key': 'shop-odp-key-eu1' }, body: { type: 't', action: 'a', identifiers: { email: 'e@x.y' } } })).status).toBe(202);
    } finally {
      await sb.close();
    }
  });

  it('rejects an invalid seed, naming every bad field', () => {
    try {
      loadSeedFile(fixture('seed-invalid.json'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SeedError);
      const issues = (err as SeedError).issues.join('\n');
      expect(issues).toMatch(/\(root\) must NOT have additional properties \(extra\)/);
      expect(issues).toMatch(/\/projects\/0\/id must match pattern/);
      expect(issues).toMatch(/\/projects\/0\/platform must be equal to one of the allowed values: \["custom","web"\]/);
      expect(issues).toMatch(/\/projects\/0\/events\/0\/key must match pattern/);
    }
    expect(() => parseSeed({ ...demoSeed(), tokens: [{ token: 'tttt', accountId: '1', projectIds: ['999'] }] })).toThrow(/tokens\/0\/projectIds\/0 names unknown project 999/);
    expect(() => loadSeedFile(join(dir, 'missing.json'))).toThrow(/cannot read seed file/);
  });

  it('POST /_sandbox/seed, /_sandbox/reset and the inspection endpoints', async () => {
    const sb = await startSandbox();
    try {
      await call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'c-1' }]) });
      expect((await call(sb.url, 'GET', '/_sandbox/conversions?eventKey=purchase')).json).toMatchObject({ eventKey: 'purchase', total: 1 });
      expect((await call(sb.url, 'GET', '/_sandbox/events')).json).toMatchObject({ accepted: [{ uuid: 'c-1' }], dropped: [] });
      const reqs = (await call(sb.url, 'GET', '/_sandbox/requests?api=eventApi')).json as unknown[];
      expect(reqs).toHaveLength(1);
      expect((await call(sb.url, 'GET', '/_sandbox/demo')).json).toMatchObject({ sdkKey: DEMO.sdkKey });
      expect((await call(sb.url, 'PATCH', `/_sandbox/projects/${DEMO.projectId}`, { body: { botFiltering: true } })).json).toMatchObject({ botFiltering: true, revision: 2 });
      expect((await call(sb.url, 'PATCH', '/_sandbox/experiments/checkout_flow', { body: { status: 'Bogus' } })).status).toBe(400);
      expect((await call(sb.url, 'GET', `/_sandbox/datafile/${DEMO.sdkKey}`)).json).toMatchObject({ revision: '2', botFiltering: true });
      expect((await call(sb.url, 'POST', '/_sandbox/reset')).status).toBe(204);
      expect((await call(sb.url, 'GET', '/_sandbox/conversions')).json).toEqual({});
      expect(sb.received()).toEqual([]);
      const bad = await call(sb.url, 'POST', '/_sandbox/seed', { body: { projects: [] } });
      expect(bad.status).toBe(400);
      expect((bad.json as { issues: string[] }).issues.join(' ')).toMatch(/must have required property 'tokens'/);
      const seed = JSON.parse(readFileSync(fixture('seed-shop.json'), 'utf8')) as unknown;
      expect((await call(sb.url, 'POST', '/_sandbox/seed', { body: seed })).status).toBe(204);
      expect((await call(sb.url, 'GET', '/datafiles/shop-sdk-key.json')).status).toBe(200);
      expect((await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`)).status).toBe(403);
      expect((await call(sb.url, 'GET', '/_sandbox/state')).json).toMatchObject({ version: 1, projects: [{ id: '70000000001' }] });
    } finally {
      await sb.close();
    }
  });
});
