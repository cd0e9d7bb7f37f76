import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PayloadValidationError, PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.js';
import type { SegmentEvent } from '../../src/core/event.js';
import type { BatchItem } from '../../src/destinations/kit.js';
import { ODP_FORBIDDEN_MESSAGE } from '../../src/optimizely/odp-client.js';
import { EVENTS, action, odpContext, resolveItem, startOdpSandbox, type OdpSandbox } from './helpers.js';

let odp: OdpSandbox;
const ctx = () => odpContext({ region: 'US' }, { odpApi: odp.base() });
const meta = (messageId: string, iso: string) => ({
  ts: Math.floor(Date.parse(iso) / 1000),
  idempotence_id: messageId,
  data_source_type: 'optirelay',
  data_source: 'optirelay',
  data_source_version: expect.any(String),
});

beforeAll(async () => {
  odp = await startOdpSandbox();
});
afterAll(() => odp.close());
beforeEach(() => odp.reset());
const events = () => odp.posted('/events');
const profiles = () => odp.posted('/profiles');

describe('upsertContact', () => {
  it('defaults: identify traits → POST /v3/profiles attributes', async () => {
    const a = action('upsertContact');
    expect(a.defaultTrigger).toBe('type = "identify"');
    const item = await resolveItem(a, EVENTS.identify!);
    const res = await a.performBatch(ctx(), [item], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    expect(res.exchanges).toHaveLength(1);
    expect(profiles()[0]).toEqual([
      {
        attributes: {
          email: 'jane.doe@example.com',
          vuid: 'vuid_8d2c1f0e9a',
          fs_user_id: 'user1234',
          web_user_id: 'user1234',
          title: 'CTO',
          name: 'Jane Doe',
          first_name: 'Jane',
          last_name: 'Doe',
          age: 33,
          dob_year: 1990,
          dob_month: 5,
          dob_day: 17,
          gender: 'female',
          phone: '+1 555-867-5309',
          street1: '1 Main St',
          city: 'Boston',
          state: 'MA',
          zip: '02101',
          country: 'USA',
          company: 'Acme Inc',
          image_url: 'https://cdn.example.com/jane.png',
        },
      },
    ]);
    expect(odp.sandbox.profiles('US').find((p) => p.attributes.email === 'jane.doe@example.com')?.attributes).toMatchObject({ first_name: 'Jane', dob_year: 1990 });
  });

  it('overrides: additional traits, a removed default, a custom path; nulls dropped', async () => {
    const a = action('upsertContact');
    const item = await resolveItem(a, EVENTS.identify!, {
      additional_traits: { plan: { '@path': '$.traits.plan' }, first_name: 'ignored', empty: '' },
      web_user_id: null,
      user_identifiers: { email: { '@path': '$.traits.email' }, fs_user_id: { '@template': 'fx-{{userId}}' } },
      title: null,
      company: { '@path': '$.traits.missing' },
    });
    await a.performBatch(ctx(), [item], undefined);
    const attrs = (profiles()[0]![0] as { attributes: Record<string, unknown> }).attributes;
    expect(attrs).toMatchObject({ plan: 'enterprise', email: 'jane.doe@example.com', fs_user_id: 'fx-user1234', first_name: 'Jane' });
    expect(attrs).not.toHaveProperty('title');
    expect(attrs).not.toHaveProperty('company');
    expect(attrs).not.toHaveProperty('web_user_id');
    expect(attrs).not.toHaveProperty('empty');
    expect(attrs).not.toHaveProperty('vuid');
  });

  it('an anonymous identify uses anonymousId as fs_user_id', async () => {
    const a = action('upsertContact');
    const item = await resolveItem(a, EVENTS.identify_anonymous!);
    await a.performBatch(ctx(), [item], undefined);
    expect(profiles()[0]).toEqual([{ attributes: { fs_user_id: 'anon-only-77' } }]);
  });

  it('no identifier at all is a payload error naming user_identifiers', async () => {
    const a = action('upsertContact');
    const err = await resolveItem(a, EVENTS.no_identifiers!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadValidationError);
    expect((err as PayloadValidationError).field).toBe('user_identifiers');
    expect(odp.sandbox.received('odp')).toHaveLength(0);
  });

  it('a bad birthday is a payload error naming DOB', () => {
    const a = action('upsertContact');
    expect(() => a.prepare!(ctx(), { user_identifiers: { email: 'x@example.com' }, DOB: 'not a date' }, EVENTS.identify!, undefined)).toThrow(
      expect.objectContaining({ field: 'DOB' }),
    );
  });
});

describe('emailEvent', () => {
  it('defaults + explicit action → type email event with campaign data', async () => {
    const a = action('emailEvent');
    const item = await resolveItem(a, EVENTS.email_link_clicked!, { event_action: 'click' });
    const res = await a.performBatch(ctx(), [item], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    expect(events()[0]).toEqual([
      {
        type: 'email',
        action: 'click',
        identifiers: { email: 'jane.doe@example.com', fs_user_id: 'user1234', web_user_id: 'user1234' },
        data: {
          campaign: 'spring-sale',
          campaign_id: '123456',
          campaign_event_value: 'https://www.example.com/sale?utm=email',
          ...meta('msg-ec-1', '2024-03-01T11:05:00.000Z'),
        },
      },
    ]);
  });

  it('overrides: campaign from a template, no link', async () => {
    const a = action('emailEvent');
    const item = await resolveItem(a, EVENTS.email_opened!, { event_action: 'open', campaign: { '@template': '{{properties.email_subject}}' }, link_url: null });
    await a.performBatch(ctx(), [item], undefined);
    const sent = events()[0]![0] as { data: Record<string, unknown> };
    expect(sent.data.campaign).toBe('Spring sale');
    expect(sent.data).not.toHaveProperty('campaign_event_value');
  });

  it('without email or without action is a payload error naming the field', async () => {
    const a = action('emailEvent');
    // Field validation (required nested email) or prepare: either names the field.
    await expect(resolveItem(a, EVENTS.email_opened_no_email!, { event_action: 'open' })).rejects.toThrow(/email/);
    expect(() =>
      a.prepare!(ctx(), { user_identifiers: { userId: 'u1' }, event_action: 'open', campaign: 'c', timestamp: '2024-01-01T00:00:00Z' }, EVENTS.email_opened!, undefined),
    ).toThrow(expect.objectContaining({ field: 'user_identifiers.email' }));
    expect(() =>
      a.prepare!(ctx(), { user_identifiers: { email: 'a@example.com' }, campaign: 'c', timestamp: '2024-01-01T00:00:00Z' }, EVENTS.email_opened!, undefined),
    ).toThrow(expect.objectContaining({ field: 'event_action' }));
  });
});

describe('ecommerceEvent', () => {
  it('defaults (type custom) + action: one ODP event per product, order id, numeric total', async () => {
    const a = action('ecommerceEvent');
    const item = await resolveItem(a, EVENTS.order_completed!, { event_action: 'purchase' });
    const res = await a.performBatch(ctx(), [item], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    const common = {
      type: 'custom',
      action: 'purchase',
      identifiers: { email: 'jane.doe@example.com', fs_user_id: 'user1234', web_user_id: 'user1234' },
    };
    const data = { order_id: '50314b8e9bcf000000000000', total: 27.5, ...meta('msg-order-1', '2024-03-01T18:11:27.649Z') };
    expect(events()[0]).toEqual([
      { ...common, data: { product_id: '507f1f77bcf86cd799439011', qty: 1, ...data, idempotence_id: 'msg-order-1:0' } },
      { ...common, data: { product_id: '505bd76785ebb509fc183733', qty: 2, ...data, idempotence_id: 'msg-order-1:1' } },
    ]);
    expect(odp.sandbox.odpEvents('US')).toHaveLength(2);
  });

  it('overrides: event type and a timestamp from properties', async () => {
    const a = action('ecommerceEvent');
    const item = await resolveItem(a, EVENTS.order_completed!, { event_type: 'order', event_action: 'refund', timestamp: '2024-04-01T00:00:00Z', total: null });
    await a.performBatch(ctx(), [item], undefined);
    const sent = events()[0]![0] as { type: string; action: string; data: Record<string, unknown> };
    expect(sent).toMatchObject({ type: 'order', action: 'refund' });
    expect(sent.data.ts).toBe(Date.parse('2024-04-01T00:00:00Z') / 1000);
    expect(sent.data).not.toHaveProperty('total');
  });

  it('no action is a payload error naming event_action', async () => {
    const a = action('ecommerceEvent');
    await expect(resolveItem(a, EVENTS.order_completed!)).rejects.toThrow(/action/i);
    expect(() => a.prepare!(ctx(), { user_identifiers: { userId: 'u' }, timestamp: '2024-01-01T00:00:00Z' }, EVENTS.order_completed!, undefined)).toThrow(
      expect.objectContaining({ field: 'event_action' }),
    );
  });
});

describe('customEvent', () => {
  it('defaults: type custom, action = event name, data = properties', async () => {
    const a = action('customEvent');
    const item = await resolveItem(a, EVENTS.button_clicked!);
    await a.performBatch(ctx(), [item], undefined);
    expect(events()[0]).toEqual([
      {
        type: 'custom',
        action: 'Button Clicked',
        identifiers: { email: 'jane.doe@example.com', fs_user_id: 'user1234', web_user_id: 'user1234' },
        data: {
          button_id: 'cta-hero',
          custom_field: 'hello',
          custom_field_num: 12345,
          email: 'jane.doe@example.com',
          ...meta('msg-bc-1', '2024-02-09T15:30:51.046Z'),
        },
      },
    ]);
  });

  it('overrides: type/action constants and picked data', async () => {
    const a = action('customEvent');
    const item = await resolveItem(a, EVENTS.button_clicked!, {
      event_type: 'button',
      event_action: 'click',
      data: { button: { '@path': '$.properties.button_id' } },
    });
    await a.performBatch(ctx(), [item], undefined);
    const sent = events()[0]![0] as Record<string, unknown>;
    expect(sent).toMatchObject({ type: 'button', action: 'click', data: { button: 'cta-hero' } });
    expect(sent.data).not.toHaveProperty('custom_field');
  });

  it('no identifier, no action, bad timestamp are payload errors naming the field', async () => {
    const a = action('customEvent');
    await expect(resolveItem(a, EVENTS.no_identifiers!)).rejects.toMatchObject({ field: 'user_identifiers' });
    const base = { user_identifiers: { userId: 'u1' }, timestamp: '2024-01-01T00:00:00Z' };
    expect(() => a.prepare!(ctx(), base, EVENTS.button_clicked!, undefined)).toThrow(expect.objectContaining({ field: 'event_action' }));
    expect(() => a.prepare!(ctx(), { ...base, event_action: 'x', timestamp: 'yesterday' }, EVENTS.button_clicked!, undefined)).toThrow(
      expect.objectContaining({ field: 'timestamp' }),
    );
  });
});

function items(n: number, email = (i: number) => `user${i}@example.com`): BatchItem[] {
  return Array.from({ length: n }, (_, i) => ({
    deliveryId: i + 1,
    event: { ...EVENTS.button_clicked!, messageId: `m-${i}` } as SegmentEvent,
    payload: { user_identifiers: { email: email(i) }, event_type: 'custom', event_action: 'click', timestamp: '2024-02-09T15:30:51.046Z', data: { i } },
  }));
}

describe('batching and failures', () => {
  it('every action batches up to 500 objects per request', () => {
    for (const key of ['upsertContact', 'emailEvent', 'ecommerceEvent', 'customEvent']) {
      expect(action(key).batching).toEqual({ maxItems: 500, lingerMs: 1000 });
    }
  });

  it('600 items → 2 requests (500 + 100), all delivered', async () => {
    const res = await action('customEvent').performBatch(ctx(), items(600), undefined);
    expect(events().map((b) => b.length)).toEqual([500, 100]);
    expect(res.outcomes.every((o) => o.status === 'delivered')).toBe(true);
    expect(res.exchanges).toHaveLength(2);
    expect(odp.sandbox.odpEvents('US')).toHaveLength(600);
  });

  it('a batch with invalid items: only those die with ODP reason, the rest are resent and delivered', async () => {
    odp.fault({
      status: 400,
      body: { title: 'Bad Request', status: 400, detail: { invalids: [{ event: 1, message: 'identifiers.email is not valid' }, { event: 3, message: 'data.i is not valid' }] } },
    });
    const res = await action('customEvent').performBatch(ctx(), items(5), undefined);
    expect(res.outcomes.map((o) => o.status)).toEqual(['delivered', 'dead', 'delivered', 'dead', 'delivered']);
    expect(res.outcomes[1]).toEqual({ status: 'dead', error: 'ODP rejected this item (400): identifiers.email is not valid', statusCode: 400 });
    expect(events().map((b) => b.length)).toEqual([5, 3]);
    expect(odp.sandbox.odpEvents('US').map((e) => e.data.i)).toEqual([0, 2, 4]);
    expect(res.exchanges).toHaveLength(2);
  });

  it('an item whose payload cannot be built dies without being sent; the rest go', async () => {
    const list = items(3);
    list[1]!.payload = { ...list[1]!.payload, user_identifiers: {} };
    const res = await action('customEvent').performBatch(ctx(), list, undefined);
    expect(res.outcomes.map((o) => o.status)).toEqual(['delivered', 'dead', 'delivered']);
    expect(res.outcomes[1]).toMatchObject({ error: expect.stringContaining('user_identifiers') });
    expect(events()[0]).toHaveLength(2);
  });

  it('403 fails the batch as permanent with the key/region hint', async () => {
    const wrong = odpContext({ apiKey: 'not-the-key-987', region: 'EU' }, { odpApi: odp.base('EU') });
    const err = await action('upsertContact').performBatch(wrong, [await resolveItem(action('upsertContact'), EVENTS.identify!)], undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toBe(ODP_FORBIDDEN_MESSAGE);
    expect(JSON.stringify(err)).not.toContain('not-the-key-987');
    expect(JSON.stringify((err as { exchange?: unknown }).exchange)).not.toContain('not-the-key-987');
  });

  it('5xx throws RetryableError and 429 RateLimitedError for the whole batch; nothing stored', async () => {
    odp.fault({ status: 503 });
    await expect(action('customEvent').performBatch(ctx(), items(2), undefined)).rejects.toBeInstanceOf(RetryableError);
    odp.fault({ status: 429, retryAfter: 3 });
    const err = await action('emailEvent')
      .performBatch(ctx(), [await resolveItem(action('emailEvent'), EVENTS.email_opened!, { event_action: 'open' })], undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(3000);
    expect(odp.sandbox.odpEvents()).toHaveLength(0);
    // The retry (the deliverer's next attempt) goes through.
    const again = await action('customEvent').performBatch(ctx(), items(2), undefined);
    expect(again.outcomes.every((o) => o.status === 'delivered')).toBe(true);
  });

  it('a failure after part of the batch settled fails only the unsettled items, per item', async () => {
    odp.fault({ status: 400, body: { title: 'Bad Request', status: 400, detail: { invalids: [{ event: 0, message: 'bad' }] } } });
    odp.fault({ status: 429, retryAfter: 2 });
    const res = await action('customEvent').performBatch(ctx(), items(3), undefined);
    expect(res.outcomes[0]).toMatchObject({ status: 'dead' });
    expect(res.outcomes[1]).toMatchObject({ status: 'retry', statusCode: 429, retryAfterMs: 2000 });
    expect(res.outcomes[2]).toMatchObject({ status: 'retry', statusCode: 429, retryAfterMs: 2000 });
    expect(res.exchanges).toHaveLength(2);
  });
});
