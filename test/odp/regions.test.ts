import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/core/errors.js';
import { getDestinationType } from '../../src/destinations/registry.js';
import { optimizelyDataPlatform } from '../../src/destinations/optimizely-data-platform/index.js';
import { ODP_HOSTS, resolveOdpBaseUrl } from '../../src/destinations/optimizely-data-platform/regions.js';
import { epochSeconds } from '../../src/destinations/optimizely-data-platform/values.js';
import { ODP_FORBIDDEN_MESSAGE } from '../../src/optimizely/odp-client.js';
import { DEMO } from '../../src/sandbox/index.js';
import { EVENTS, action, odpContext, resolveItem, startOdpSandbox, type OdpSandbox, type Region } from './helpers.js';

let odp: OdpSandbox;

beforeAll(async () => {
  odp = await startOdpSandbox();
});
afterAll(() => odp.close());
beforeEach(() => odp.reset());

describe('ODP destination type', () => {
  it('is registered with its settings', () => {
    expect(getDestinationType('optimizely-data-platform')).toBe(optimizelyDataPlatform);
    expect(optimizelyDataPlatform.settings.apiKey).toMatchObject({ type: 'password', required: true });
    expect(optimizelyDataPlatform.settings.region).toMatchObject({ default: 'US' });
    expect(Object.keys(optimizelyDataPlatform.actions)).toEqual(['upsertContact', 'emailEvent', 'ecommerceEvent', 'customEvent']);
  });

  it('defaults odpApi to the region host; an endpoints override wins', () => {
    const def = optimizelyDataPlatform.endpoints.odpApi!.default as (s: Record<string, unknown>) => string;
    expect(def({ region: 'US' })).toBe('https://api.us1.odp.optimizely.com/v3');
    expect(def({ region: 'EU' })).toBe('https://api.eu1.odp.optimizely.com/v3');
    expect(def({ region: 'AU' })).toBe('https://api.au1.odp.optimizely.com/v3');
    expect(def({})).toBe(ODP_HOSTS.US);
    expect(resolveOdpBaseUrl({ region: 'EU' }, {})).toBe(ODP_HOSTS.EU);
    expect(resolveOdpBaseUrl({ region: 'EU' }, { odpApi: 'http://127.0.0.1:4010/eu1/v3' })).toBe('http://127.0.0.1:4010/eu1/v3');
  });

  it.each([
    ['US', DEMO.odpApiKey],
    ['EU', DEMO.odpApiKeyEu],
    ['AU', DEMO.odpApiKeyAu],
  ] as [Region, string][])('sends to the %s host with a key of that region', async (region, apiKey) => {
    const ctx = odpContext({ apiKey, region }, { odpApi: odp.base(region) });
    const a = action('customEvent');
    const res = await a.performBatch(ctx, [await resolveItem(a, EVENTS.button_clicked!)], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    expect(odp.sandbox.odpEvents(region)).toHaveLength(1);
    expect(odp.sandbox.odpEvents().filter((e) => e.region !== region)).toHaveLength(0);
    const test = await optimizelyDataPlatform.testConnection!(ctx, undefined);
    expect(test).toMatchObject({ ok: true, details: { region, baseUrl: odp.base(region) } });
  });

  it('a key used in the wrong region is a 403 telling the user to check key and region', async () => {
    const ctx = odpContext({ apiKey: DEMO.odpApiKeyEu, region: 'US' }, { odpApi: odp.base('US') });
    const a = action('customEvent');
    const err = await a.performBatch(ctx, [await resolveItem(a, EVENTS.button_clicked!)], undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toBe(ODP_FORBIDDEN_MESSAGE);
  });
});

describe('testConnection', () => {
  it('fails with the key/region hint for a bad key, naming no secret', async () => {
    const r = await optimizelyDataPlatform.testConnection!(odpContext({ apiKey: 'bogus-key-4242' }, { odpApi: odp.base() }), undefined);
    expect(r.ok).toBe(false);
    expect(r.message).toBe(ODP_FORBIDDEN_MESSAGE);
    expect(JSON.stringify(r)).not.toContain('bogus-key-4242');
  });

  it('fails with a transport message when ODP is unreachable', async () => {
    const r = await optimizelyDataPlatform.testConnection!(odpContext({}, { odpApi: 'http://127.0.0.1:9/v3' }), undefined);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/127\.0\.0\.1:9/);
  });
});

describe('values ODP cannot hold', () => {
  it('nested properties and traits are flattened, arrays sent as JSON text', async () => {
    const event = { ...EVENTS.button_clicked!, properties: { button: { id: 'cta', size: 'L' }, tags: ['a', 'b'], empty: null } };
    const a = action('customEvent');
    const res = await a.performBatch(odpContext({}, { odpApi: odp.base() }), [await resolveItem(a, event as never)], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    expect(odp.sandbox.odpEvents('US')[0]!.data).toMatchObject({ button_id: 'cta', button_size: 'L', tags: '["a","b"]' });
    expect(odp.sandbox.odpEvents('US')[0]!.data).not.toHaveProperty('empty');

    const u = action('upsertContact');
    const item = await resolveItem(u, EVENTS.identify!, { additional_traits: { '@path': '$.traits' } });
    const res2 = await u.performBatch(odpContext({}, { odpApi: odp.base() }), [item], undefined);
    expect(res2.outcomes).toEqual([{ status: 'delivered' }]);
    const stored = odp.sandbox.profiles('US').find((p) => p.attributes.email === 'jane.doe@example.com')!.attributes;
    expect(stored).toMatchObject({ plan: 'enterprise', address_city: 'Boston', first_name: 'Jane' });
  });
});

describe('timestamps', () => {
  it('ISO text, epoch ms and epoch s all become data.ts in epoch seconds', () => {
    expect(epochSeconds('2024-03-01T18:11:27.649Z', 'timestamp')).toBe(1709316687);
    expect(epochSeconds(1709316687649, 'timestamp')).toBe(1709316687);
    expect(epochSeconds('1709316687', 'timestamp')).toBe(1709316687);
    expect(() => epochSeconds('', 'timestamp')).toThrow(/timestamp is required/);
    expect(() => epochSeconds('soon', 'timestamp')).toThrow(/not a date/);
  });
});
