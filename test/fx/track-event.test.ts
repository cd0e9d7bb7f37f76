/**
 * The trackEvent action end to end against the sandbox: default field mappings (mapping engine + field
 * validation, as the deliverer runs them), prepare, performBatch with batching by count and bytes, flags, dead
 * reasons, Event API faults, and the connection test. One datafile fetch for thousands of events.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, DEMO, type Sandbox } from '../../src/sandbox/index.js';
import { compileFields, transform } from '../../src/mapping/index.js';
import { PayloadValidationError, PermanentError } from '../../src/core/errors.js';
import type { SegmentEvent } from '../../src/core/event.js';
import type { BatchItem, DestinationContext } from '../../src/destinations/kit.js';
import {
  createFxRuntime,
  optimizelyFeatureExperimentation as fx,
  type FxRuntime,
  type FxSettings,
} from '../../src/destinations/optimizely-feature-experimentation/index.js';
import { trackEventFields, type TrackEventPayload } from '../../src/destinations/optimizely-feature-experimentation/fields.js';
import { fxContext } from './helpers.js';

const action = fx.actions['trackEvent']!;
const defaults = Object.fromEntries(Object.entries(trackEventFields).map(([k, f]) => [k, f.default]));
const validator = compileFields(trackEventFields);

let sandbox: Sandbox;
let ctx: DestinationContext<FxSettings>;
let runtime: FxRuntime;
let seq = 0;

function track(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  const n = ++seq;
  const ts = new Date(Date.UTC(2024, 3, 5, 12, 0, 0) + n).toISOString();
  return {
    type: 'track',
    event: 'purchase',
    messageId: `msg-${n}-${Math.random().toString(36).slice(2)}`,
    userId: `user-${n}`,
    anonymousId: `anon-${n}`,
    properties: { revenue: 4200, value: 3.5, category: 'shoes' },
    context: { traits: { plan: 'gold', country: 'FR' }, userAgent: 'Mozilla/5.0' },
    timestamp: ts,
    originalTimestamp: ts,
    receivedAt: ts,
    ...overrides,
  } as SegmentEvent;
}

/** Map with the action's default fields and validate, as the deliverer does. Throws the first field error. */
function mapped(event: SegmentEvent): TrackEventPayload {
  const r = validator.validate(transform(defaults, event as unknown as Record<string, unknown>));
  if (!r.ok) throw new PayloadValidationError(r.errors.map((e) => e.message).join(' '), r.errors[0]?.field);
  return r.payload as TrackEventPayload;
}

async function prepared(events: SegmentEvent[], c = ctx, rt = runtime): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  for (const [i, event] of events.entries()) {
    const payload = await action.prepare!(c, mapped(event), event, rt);
    items.push({ deliveryId: i + 1, payload, event });
  }
  return items;
}

function settings(): FxSettings {
  return { accountId: DEMO.accountId, dataFileUrl: sandbox.endpoints.datafile(DEMO.sdkKey), accessToken: DEMO.personalAccessToken };
}

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  sandbox.reset();
  ctx = fxContext(settings(), { overrides: { eventApi: sandbox.endpoints.eventApi, restApi: sandbox.endpoints.restApi } });
  runtime = createFxRuntime(ctx, { autoRefresh: false });
  await runtime.datafile.ready();
});
afterEach(() => {
  runtime.datafile.stop();
});

describe('trackEvent', () => {
  it('delivers 1,500 conversions in 3 Event API requests with one datafile fetch', async () => {
    const events = Array.from({ length: 1500 }, () => track());
    const items = await prepared(events);
    for (let i = 0; i < items.length; i += 500) {
      const res = await action.performBatch(ctx, items.slice(i, i + 500), runtime);
      expect(res.outcomes.every((o) => o.status === 'delivered')).toBe(true);
      expect(res.exchanges).toHaveLength(1);
    }
    expect(sandbox.received('cdn')).toHaveLength(1);
    const posts = sandbox.received('eventApi');
    expect(posts).toHaveLength(3);
    expect(posts.every((p) => p.status === 204)).toBe(true);
    const count = sandbox.conversions('purchase');
    expect(count.total).toBe(1500);
    expect(count.revenue).toBe(1500 * 4200);
    expect(count.byExperiment[DEMO.experiment.key]).toBe(1500);
    // The uuid is the messageId, so a redelivery is not a second conversion.
    await action.performBatch(ctx, items.slice(0, 10), runtime);
    expect(sandbox.conversions('purchase').total).toBe(1500);
    expect(sandbox.conversions('purchase').duplicates).toBe(10);

    const body = posts[0]!.body as Record<string, unknown> & { visitors: Record<string, unknown>[] };
    expect(body).toMatchObject({ account_id: DEMO.accountId, project_id: DEMO.projectId, client_name: 'optirelay', enrich_decisions: true, anonymize_ip: true });
    expect(body.visitors[0]).toEqual({
      snapshots: [
        {
          events: [
            {
              entity_id: DEMO.events[0].id,
              key: 'purchase',
              timestamp: Date.parse(events[0]!.timestamp),
              uuid: events[0]!.messageId,
              tags: { revenue: 4200, value: 3.5, category: 'shoes' },
              value: 3.5,
              revenue: 4200,
            },
          ],
        },
      ],
      visitor_id: events[0]!.userId,
      attributes: [
        { entity_id: DEMO.attributes[0].id, key: 'plan', type: 'custom', value: 'gold' },
        { entity_id: DEMO.attributes[1].id, key: 'country', type: 'custom', value: 'FR' },
        { entity_id: '$opt_user_agent', key: '$opt_user_agent', type: 'custom', value: 'Mozilla/5.0' },
        { entity_id: '$opt_bot_filtering', key: '$opt_bot_filtering', type: 'custom', value: false },
      ],
    });
  });

  it('uses anonymousId when there is no userId', async () => {
    const [item] = await prepared([track({ userId: null })]);
    expect((item!.payload as TrackEventPayload).userId).toMatch(/^anon-/);
  });

  it('splits a batch by count (lane batchSize) and keeps every item', async () => {
    const small = fxContext(settings(), { overrides: { eventApi: sandbox.endpoints.eventApi }, lanes: { trackEvent: { batchSize: 100 } } });
    const items = await prepared(Array.from({ length: 250 }, () => track()), small);
    const res = await action.performBatch(small, items, runtime);
    expect(res.outcomes.filter((o) => o.status === 'delivered')).toHaveLength(250);
    expect(sandbox.received('eventApi').map((r) => (r.body as { visitors: unknown[] }).visitors.length)).toEqual([100, 100, 50]);
  });

  it('splits a batch by serialized bytes, and a conversion too large on its own goes dead', async () => {
    runtime.maxRequestBytes = 20_000;
    const big = { note: 'x'.repeat(1000) };
    const events = Array.from({ length: 60 }, () => track({ properties: { ...big, revenue: 100 } }));
    events.push(track({ properties: { note: 'y'.repeat(25_000) } }));
    const items = await prepared(events);
    const res = await action.performBatch(ctx, items, runtime);
    expect(res.outcomes.slice(0, 60).every((o) => o.status === 'delivered')).toBe(true);
    const last = res.outcomes[60]!;
    expect(last.status).toBe('dead');
    expect(last.status === 'dead' && last.error).toMatch(/conversion too large: \d+ bytes on its own, over the Event API limit of 20000 bytes/);
    const posts = sandbox.received('eventApi');
    expect(posts.length).toBeGreaterThan(3);
    for (const p of posts) expect(p.bytes).toBeLessThanOrEqual(20_000);
    expect(posts.reduce((n, p) => n + (p.body as { visitors: unknown[] }).visitors.length, 0)).toBe(60);
  });

  it('an event key not in the datafile is a payload error listing the known keys', async () => {
    const event = track({ event: 'Order Completed' });
    const err = await Promise.resolve(action.prepare!(ctx, mapped(event), event, runtime)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadValidationError);
    expect((err as Error).message).toBe('event key "Order Completed" is not defined in the datafile; known keys: add_to_cart, purchase, signup');
    expect((err as PayloadValidationError).field).toBe('Event Key');
    // If the datafile loses a key between prepare and performBatch, that item alone goes dead.
    const items = await prepared([track(), track()]);
    (items[1]!.payload as TrackEventPayload).eventKey = 'gone';
    const res = await action.performBatch(ctx, items, runtime);
    expect(res.outcomes[0]!.status).toBe('delivered');
    expect(res.outcomes[1]).toMatchObject({ status: 'dead', error: expect.stringMatching(/^event key "gone" is not defined in the datafile/) });
  });

  it('revenue must be an integer: 12.5 and "12.5" fail naming Revenue', async () => {
    expect(() => mapped(track({ properties: { revenue: 12.5 } }))).toThrow(/^Revenue must be an integer/);
    expect(() => mapped(track({ properties: { revenue: '12.5' } }))).toThrow(/^Revenue must be an integer/);
    expect(mapped(track({ properties: { revenue: '1250' } })).revenue).toBe(1250);
    // prepare checks again, whatever validated the payload.
    const event = track();
    const payload = { ...mapped(event), revenue: 12.5 };
    const err = (await Promise.resolve(action.prepare!(ctx, payload, event, runtime)).catch((e: unknown) => e)) as PayloadValidationError;
    expect(err).toBeInstanceOf(PayloadValidationError);
    expect(err.field).toBe('Revenue');
    expect(err.message).toMatch(/^Revenue must be an integer number of cents .* but it was 12\.5/);
  });

  it('refuses to send for another account than settings.accountId', async () => {
    const other = fxContext({ ...settings(), accountId: '999' }, { overrides: { eventApi: sandbox.endpoints.eventApi } });
    const event = track();
    const err = (await Promise.resolve(action.prepare!(other, mapped(event), event, runtime)).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/belongs to account 10000000001 but settings\.accountId is 999: fix settings\.accountId or settings\.dataFileUrl/);
  });

  it('flags conversions in no running experiment and attributes the datafile does not define', async () => {
    sandbox.setExperimentStatus(DEMO.experiment.key, 'Paused');
    await runtime.datafile.refresh();
    const items = await prepared([
      track({ context: { traits: { plan: 'gold', favorite_color: 'blue', nested: { a: 1 } } } }),
      track({ properties: { list: [1, 2], ok: 1 } }),
    ]);
    const res = await action.performBatch(ctx, items, runtime);
    expect(res.outcomes[0]).toEqual({ status: 'delivered', flags: { notInRunningExperiment: true, droppedAttributes: ['favorite_color', 'nested'] } });
    expect(res.outcomes[1]).toEqual({ status: 'delivered', flags: { notInRunningExperiment: true, droppedTags: ['list'] } });
    const opts = await action.dynamicFields!['eventKey']!(ctx, runtime);
    expect(opts).toContainEqual({ label: 'purchase (in no running experiment)', value: 'purchase' });
  });

  it('429 pauses: the failed request and the rest of the batch retry after Retry-After', async () => {
    const small = fxContext(settings(), { overrides: { eventApi: sandbox.endpoints.eventApi }, lanes: { trackEvent: { batchSize: 2 } } });
    sandbox.faults.add({ api: 'eventApi', status: 429, retryAfter: 7 });
    const items = await prepared([track(), track(), track(), track()], small);
    const res = await action.performBatch(small, items, runtime);
    expect(res.outcomes.map((o) => o.status)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect(res.outcomes.every((o) => o.status === 'retry' && o.retryAfterMs === 7000)).toBe(true);
    expect(res.outcomes[2]!.status === 'retry' && res.outcomes[2]!.error).toMatch(/^not sent: an earlier Event API request/);
    expect(sandbox.received('eventApi')).toHaveLength(1);
  });

  it('5xx and a cut connection are retryable; nothing is counted', async () => {
    sandbox.faults.add({ api: 'eventApi', status: 503 });
    let res = await action.performBatch(ctx, await prepared([track()]), runtime);
    expect(res.outcomes[0]).toMatchObject({ status: 'retry', statusCode: 503 });
    sandbox.faults.add({ api: 'eventApi', cut: true });
    res = await action.performBatch(ctx, await prepared([track()]), runtime);
    expect(res.outcomes[0]!.status).toBe('retry');
    expect(sandbox.conversions('purchase').total).toBe(0);
  });

  it('413 or 400 splits the request in halves; a visitor refused alone goes dead with the response body', async () => {
    sandbox.faults.add({ api: 'eventApi', status: 413 });
    const res = await action.performBatch(ctx, await prepared([track(), track(), track(), track()]), runtime);
    expect(res.outcomes.every((o) => o.status === 'delivered')).toBe(true);
    expect(sandbox.received('eventApi').map((r) => r.status)).toEqual([413, 204, 204]);
    expect(res.exchanges).toHaveLength(3);
    expect(sandbox.conversions('purchase').total).toBe(4);

    sandbox.faults.add({ api: 'eventApi', status: 400, body: { message: 'visitors[0].visitor_id: required string' } });
    const one = await action.performBatch(ctx, await prepared([track()]), runtime);
    expect(one.outcomes[0]).toMatchObject({ status: 'dead', statusCode: 400, error: expect.stringContaining('visitors[0].visitor_id: required string') });
  });

  it('test connection reports the project, revision and event keys', async () => {
    const ok = await fx.testConnection!(ctx, runtime);
    expect(ok.ok).toBe(true);
    expect(ok.message).toMatch(/^datafile revision \d+ of project 10000000002 \(account 10000000001\): 3 event keys: add_to_cart, purchase, signup$/);
    expect(ok.details).toMatchObject({ projectId: DEMO.projectId, accountMatches: true, eventKeys: ['add_to_cart', 'purchase', 'signup'] });
    const wrong = fxContext({ ...settings(), accountId: '1' });
    const bad = await fx.testConnection!(wrong, runtime);
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/settings\.accountId is 1/);
  });

  it('the runtime exposes the datafile age for metrics', () => {
    expect(runtime.datafile.ageMs()).toBeGreaterThanOrEqual(0);
    expect(runtime.counters.requests).toBe(0);
  });
});
