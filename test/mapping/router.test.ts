import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { OptirelayConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/core/errors.js';
import type { SegmentEvent } from '../../src/core/event.js';
import { registerDestinationType } from '../../src/destinations/registry.js';
import { importSegmentMapping } from '../../src/destinations/segment-import.js';
import { validateDestinations, MAX_MAPPINGS_PER_DESTINATION } from '../../src/destinations/validate-config.js';
import { Router } from '../../src/pipeline/router.js';
import { runMappingTest } from '../../src/cli/commands/mapping.js';
import { testDestination } from './test-destination.js';

const fixtures = path.resolve(__dirname, '../fixtures/mapping');
let unregister: () => void;
beforeAll(() => {
  unregister = registerDestinationType(testDestination);
});
afterAll(() => unregister());

const event = (over: Partial<SegmentEvent>): SegmentEvent => ({
  type: 'track',
  messageId: 'm1',
  receivedAt: '2024-05-01T10:00:00.000Z',
  timestamp: '2024-05-01T10:00:00.000Z',
  originalTimestamp: '2024-05-01T10:00:00.000Z',
  userId: 'u1',
  ...over,
});

async function load(file: string) {
  return loadConfig({ file: path.join(fixtures, file), env: {} });
}

describe('Router', () => {
  it('compiles mappings, defaults, null-removal, presets and Segment imports', async () => {
    const { config } = await load('config.yaml');
    const router = new Router(config);
    expect(router.mappings().map((m) => m.mappingId)).toEqual(['orders', 'all-tracks', 'imported-from-segment', 'preset:Signed Up']);
    const orders = router.getMapping('dest', 'orders')!;
    expect(orders.fields).toEqual({
      eventKey: { '@path': '$.event' },
      userId: { '@path': '$.userId' },
      timestamp: { '@path': '$.timestamp' },
      revenue: { '@path': '$.properties.revenue' },
    });
    expect(router.getMapping('dest', 'all-tracks')!.trigger).toBe('type = "track"');
    const imported = router.getMapping('dest', 'imported-from-segment')!;
    expect(imported.action).toBe('track');
    expect(imported.origin).toBe('segment-import');
    expect(imported.fields).toEqual({ eventKey: { '@path': '$.traits.plan' }, userId: { '@path': '$.userId' } });
    expect(router.getMapping('dest', 'preset:Signed Up')!.fields.eventKey).toBe('signup');
    expect(router.getMapping('dest', 'preset:Other')).toBeUndefined();
  });

  it('routes an event to every matching mapping', async () => {
    const { config } = await load('config.yaml');
    const router = new Router(config);
    expect(router.route(event({ event: 'Order Completed' }))).toEqual([
      { destinationId: 'dest', mappingId: 'orders', action: 'track' },
      { destinationId: 'dest', mappingId: 'all-tracks', action: 'track' },
    ]);
    expect(router.route(event({ event: 'Signed Up' })).map((d) => d.mappingId)).toEqual(['all-tracks', 'preset:Signed Up']);
    expect(router.route(event({ type: 'identify', traits: { plan: 'pro' } })).map((d) => d.mappingId)).toEqual(['imported-from-segment']);
  });

  it('resolves and validates payloads', async () => {
    const { config } = await load('config.yaml');
    const router = new Router(config);
    const ok = router.resolvePayload(router.getMapping('dest', 'orders')!, event({ event: 'Order Completed', properties: { revenue: '19.99' } }));
    expect(ok).toEqual({ ok: true, payload: { eventKey: 'Order Completed', userId: 'u1', timestamp: '2024-05-01T10:00:00.000Z', revenue: 19.99 } });
    const bad = router.resolvePayload(router.getMapping('dest', 'orders')!, event({ event: 'Order Completed', userId: undefined }));
    expect(bad).toEqual({ ok: false, errors: [{ field: 'userId', message: "The root value is missing the required field 'User ID'." }] });
  });

  it('skips disabled destinations and mappings', async () => {
    const { config } = await load('config.yaml');
    const c1: OptirelayConfig = { ...config, destinations: config.destinations.map((d) => ({ ...d, mappings: d.mappings.map((m) => ({ ...m, enabled: m.id !== 'orders' })) })) };
    const r1 = new Router(c1);
    expect(r1.route(event({ event: 'Order Completed' })).map((d) => d.mappingId)).toEqual(['all-tracks']);
    expect(r1.getMapping('dest', 'orders')!.enabled).toBe(false);
    const r2 = new Router({ ...config, destinations: config.destinations.map((d) => ({ ...d, enabled: false })) });
    expect(r2.mappings()).toEqual([]);
  });

  it('throws a ConfigError for a bad trigger', async () => {
    const { config } = await load('config.yaml');
    const broken: OptirelayConfig = { ...config, destinations: [{ ...config.destinations[0]!, mappings: [{ ...config.destinations[0]!.mappings[0]!, trigger: 'type = ' }] }] };
    expect(() => new Router(broken)).toThrow(ConfigError);
    expect(() => new Router(broken)).toThrow(/at position 7: expected a value/);
  });
});

describe('validateDestinations', () => {
  it('reports every problem with its path, line and fix', async () => {
    const { config, locate, file } = await load('bad-config.yaml');
    const issues = validateDestinations(config, locate, file);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        '/destinations/0/settings',
        '/destinations/0/settings/region',
        '/destinations/0/settings/bogus',
        '/destinations/0/endpoints/nope',
        '/destinations/0/presets/0',
        '/destinations/0/mappings/0/action',
        '/destinations/0/mappings/1/trigger',
        '/destinations/0/mappings/2/fields/eventKey',
        '/destinations/0/mappings/2/fields/nosuch',
        '/destinations/1/type',
      ].sort(),
    );
    expect(byPath['/destinations/0/settings']!.message).toMatch(/missing the required setting "apiKey" \(Api Key\)/);
    expect(byPath['/destinations/0/settings/region']!.message).toBe('setting "region" (Region) must be one of: US, EU but it is 5.');
    expect(byPath['/destinations/0/mappings/0/action']!.message).toBe('unknown action "trak" for test-mapping-dest. Fix: use one of: track.');
    expect(byPath['/destinations/0/mappings/1/trigger']!.message).toMatch(/at position 28: expected a value/);
    expect(byPath['/destinations/0/mappings/1/trigger']!.line).toBe(14);
    expect(byPath['/destinations/0/mappings/2/fields/eventKey']!.message).toContain('/eventKey/@if/then has an invalid directive: @oops.');
    expect(byPath['/destinations/0/mappings/2/fields/nosuch']!.message).toMatch(/unknown field "nosuch" for action track\. Fix: remove it or use one of: eventKey, userId, revenue, tags, timestamp/);
    expect(byPath['/destinations/0/presets/0']!.message).toMatch(/unknown preset "Nope".*"Signed Up", "Other"/);
    expect(byPath['/destinations/1/type']!.message).toMatch(/unknown destination type "no-such-type"\. Fix: use one of: .*test-mapping-dest/);
    for (const i of issues) expect(i.line).toBeGreaterThan(0);
    expect(JSON.stringify(issues)).not.toContain('secret-key-123');
  });

  it('limits a destination to 50 mappings, counting presets', async () => {
    const { config, locate, file } = await load('config.yaml');
    const d = config.destinations[0]!;
    const many = Array.from({ length: MAX_MAPPINGS_PER_DESTINATION }, (_, i) => ({ ...d.mappings[1]!, id: `m${i}` }));
    const issues = validateDestinations({ ...config, destinations: [{ ...d, mappings: many }] }, locate, file);
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/has 51 mappings \(50 \+ 1 presets\); at most 50/)]);
    const dup = validateDestinations({ ...config, destinations: [{ ...d, mappings: [d.mappings[1]!, d.mappings[1]!] }] }, locate, file);
    expect(dup.map((i) => i.message)).toEqual([expect.stringMatching(/duplicate mapping id "all-tracks"/)]);
  });

  it('accepts the good config', async () => {
    const { config, locate, file } = await load('config.yaml');
    expect(validateDestinations(config, locate, file)).toEqual([]);
  });
});

describe('importSegmentMapping', () => {
  it('keeps trigger, action and mapping; drops Segment-only keys; keeps the root directive', () => {
    const m = importSegmentMapping(
      {
        name: 'Track Calls',
        subscribe: 'type = "track"',
        partnerAction: 'trackEvent',
        mapping: { eventKey: { '@path': '$.event' }, enable_batching: true, batch_size: 100, __segment_internal_sync_mode: 'add', __segment_internal_directive: { '@transform': { apply: {} } } },
      },
      3,
    );
    expect(m).toEqual({
      id: 'track-calls',
      action: 'trackEvent',
      trigger: 'type = "track"',
      fields: { eventKey: { '@path': '$.event' }, __segment_internal_directive: { '@transform': { apply: {} } } },
      enabled: true,
      origin: 'segment-import',
    });
    expect(importSegmentMapping({ partnerAction: 'x', enabled: false }, 2)).toMatchObject({ id: 'x-2', enabled: false, trigger: '', fields: {} });
  });
});

describe('optirelay mapping test', () => {
  async function run(args: { mapping: string; event?: string; config?: string }) {
    const lines: string[] = [];
    const code = await runMappingTest({
      config: path.join(fixtures, args.config ?? 'config.yaml'),
      destination: 'dest',
      mapping: args.mapping,
      event: path.join(fixtures, args.event ?? 'order-completed.json'),
      env: {},
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    return { code, text: lines.join('\n') };
  }

  it('prints the match and the validated payload, exit 0', async () => {
    const { code, text } = await run({ mapping: 'orders' });
    expect(code).toBe(0);
    expect(text).toContain('✓ trigger matches');
    expect(text).toContain('"revenue": 19.99');
    expect(text).toContain('"eventKey": "Order Completed"');
  });

  it('says why the trigger does not match, exit 1', async () => {
    const { code, text } = await run({ mapping: 'preset:Signed Up' });
    expect(code).toBe(1);
    expect(text).toContain('✗ trigger does not match: event = "Signed Up" is false (event is "Order Completed")');
  });

  it('prints validation errors, exit 1', async () => {
    const { code, text } = await run({ mapping: 'imported-from-segment' });
    expect(code).toBe(1);
    expect(text).toContain("eventKey: The root value is missing the required field 'Event Key'.");
  });

  it('names unknown mappings and bad configs', async () => {
    expect((await run({ mapping: 'nope' })).text).toMatch(/no mapping "nope".*use one of: orders, all-tracks/);
    const bad = await run({ mapping: 'a', config: 'bad-config.yaml' });
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/bad-config\.yaml:\d+/);
  });
});
