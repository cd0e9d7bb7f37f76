import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, ManualClock, PAT } from './helpers.js';

describe('sandbox datafile CDN', () => {
  const clock = new ManualClock();
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ clock });
  });
  afterAll(() => sb.close());

  it('serves the demo datafile generated from the project state', async () => {
    const r = await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('last-modified')).toBe(new Date(Math.floor(clock.t / 1000) * 1000).toUTCString());
    const df = r.json as Record<string, unknown> & { events: { key: string; id: string; experimentIds: string[] }[]; experiments: { key: string; status: string }[]; attributes: { key: string }[]; integrations: { key: string; host: string }[] };
    expect(df).toMatchObject({ version: '4', accountId: DEMO.accountId, projectId: DEMO.projectId, revision: '1', anonymizeIP: true, botFiltering: false, region: 'US', sdkKey: DEMO.sdkKey });
    expect(df.events.map((e) => e.key)).toEqual(['purchase', 'signup', 'add_to_cart']);
    expect(df.events.every((e) => e.experimentIds.includes(DEMO.experiment.id))).toBe(true);
    expect(df.experiments).toMatchObject([{ key: 'checkout_flow', status: 'Running' }]);
    expect(df.attributes.map((a) => a.key)).toEqual(['plan', 'country']);
    expect(df.integrations[0]).toMatchObject({ key: 'odp', host: sb.url });
  });

  it('answers If-Modified-Since with 304 until something changes, then bumps revision and Last-Modified', async () => {
    const first = await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`);
    const lm = first.headers.get('last-modified')!;
    const again = await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`, { headers: { 'if-modified-since': lm } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    // A REST change (same second on the clock) must still produce a later Last-Modified.
    const created = await call(sb.url, 'POST', `/v2/projects/${DEMO.projectId}/custom_events`, { headers: PAT, body: { key: 'newsletter_signup' } });
    expect(created.status).toBe(201);
    const after = await call(sb.url, 'GET', `/datafiles/${DEMO.sdkKey}.json`, { headers: { 'if-modified-since': lm } });
    expect(after.status).toBe(200);
    expect(Date.parse(after.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(lm));
    const df = after.json as { revision: string; events: { key: string }[] };
    expect(Number(df.revision)).toBe(Number((first.json as { revision: string }).revision) + 1);
    expect(df.events.map((e) => e.key)).toContain('newsletter_signup');
  });

  it('changes the datafile for attributes, project settings and experiment status', async () => {
    const before = Number(sb.datafile(DEMO.projectId)!.revision);
    const attr = await call(sb.url, 'POST', '/v2/attributes', { headers: PAT, body: { key: 'tier', project_id: Number(DEMO.projectId) } });
    expect(attr.status).toBe(201);
    sb.updateProject(DEMO.projectId, { botFiltering: true, anonymizeIP: false, region: 'EU' });
    sb.setExperimentStatus('checkout_flow', 'Paused');
    const df = sb.datafile(DEMO.sdkKey)! as unknown as { revision: string; botFiltering: boolean; anonymizeIP: boolean; region: string; attributes: { key: string }[]; experiments: { status: string }[] };
    expect(Number(df.revision)).toBe(before + 3);
    expect(df).toMatchObject({ botFiltering: true, anonymizeIP: false, region: 'EU' });
    expect(df.attributes.map((a) => a.key)).toContain('tier');
    expect(df.experiments[0]!.status).toBe('Paused');
    sb.reset();
  });

  it('requires the datafile token on the authenticated URL', async () => {
    expect((await call(sb.url, 'GET', `/datafiles/auth/${DEMO.sdkKey}.json`)).status).toBe(403);
    expect((await call(sb.url, 'GET', `/datafiles/auth/${DEMO.sdkKey}.json`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    const ok = await call(sb.url, 'GET', `/datafiles/auth/${DEMO.sdkKey}.json`, { headers: { authorization: `Bearer ${DEMO.datafileToken}` } });
    expect(ok.status).toBe(200);
    expect((ok.json as { projectId: string }).projectId).toBe(DEMO.projectId);
    const rec = sb.received('cdn').at(-1)!;
    expect(rec.headers.authorization).toBe('[redacted]');
  });

  it('answers 403 for an unknown sdkKey', async () => {
    const r = await call(sb.url, 'GET', '/datafiles/nope.json');
    expect(r.status).toBe(403);
    expect(r.text).toContain('AccessDenied');
  });

  it('serves a datafile the Optimizely SDK accepts', async () => {
    const sdk = await import('@optimizely/optimizely-sdk');
    const datafile = JSON.stringify(sb.datafile(DEMO.sdkKey));
    const client = sdk.createInstance({ projectConfigManager: sdk.createStaticProjectConfigManager({ datafile }) });
    await client.onReady({ timeout: 2000 });
    const decision = client.createUserContext('user-1', { plan: 'gold' })!.decide('checkout_flow');
    expect(['control', 'treatment']).toContain(decision.variationKey);
    client.close();
  });
});
