import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { matches, parseTrigger } from '../../src/mapping/index.js';
import { optimizelyDataPlatform } from '../../src/destinations/optimizely-data-platform/index.js';
import type { OptirelayConfig } from '../../src/config/types.js';
import type { SegmentEvent } from '../../src/core/event.js';
import { importSegmentMapping } from '../../src/destinations/segment-import.js';
import { Router } from '../../src/pipeline/router.js';
import { EVENTS, action, odpContext, preset, resolveItem, startOdpSandbox, type OdpSandbox } from './helpers.js';

let odp: OdpSandbox;
const ctx = () => odpContext({}, { odpApi: odp.base() });

beforeAll(async () => {
  odp = await startOdpSandbox();
});
afterAll(() => odp.close());
beforeEach(() => odp.reset());

/** A config with the ODP destination and every preset on (the Router reads only `destinations`). */
function configWith(mappings: OptirelayConfig['destinations'][number]['mappings'] = []): OptirelayConfig {
  const odpDestination = {
    id: 'odp',
    type: 'optimizely-data-platform',
    settings: { apiKey: 'k', region: 'US' },
    endpoints: {},
    mappings,
    presets: 'all' as const,
    lanes: {},
    enabled: true,
  };
  return { destinations: [odpDestination] } as unknown as OptirelayConfig; // the rest of the config is unused here
}

/** Route the event like ingest does, resolve like the deliverer does, send; returns the ODP objects sent. */
async function runPresetAll(name: string, fixture: string): Promise<Record<string, unknown>[]> {
  const p = preset(name);
  const event = EVENTS[fixture]!;
  const router = new Router(configWith());
  // Exactly this preset matches the event.
  expect(router.route(event)).toEqual([{ destinationId: 'odp', mappingId: `preset:${name}`, action: p.action }]);
  const resolved = router.resolvePayload(router.getMapping('odp', `preset:${name}`)!, event);
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  const a = action(p.action);
  const payload = await a.prepare!(ctx(), resolved.payload, event, undefined);
  const res = await a.performBatch(ctx(), [{ deliveryId: 1, payload, event }], undefined);
  expect(res.outcomes).toEqual([{ status: 'delivered' }]);
  const sent = odp.posted('/events').at(-1) as Record<string, unknown>[];
  // What the sandbox stored is what was sent.
  expect(odp.sandbox.odpEvents('US')).toHaveLength(sent.length);
  return sent;
}

async function runPreset(name: string, fixture: string): Promise<Record<string, unknown>> {
  const sent = await runPresetAll(name, fixture);
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('ODP presets', () => {
  it('ships the nine presets of the seed, each a track trigger on its event name', () => {
    expect(optimizelyDataPlatform.presets!.map((p) => [p.name, p.action, p.trigger])).toEqual([
      ['Order Completed', 'ecommerceEvent', 'type = "track" and event = "Order Completed"'],
      ['Product Viewed', 'ecommerceEvent', 'type = "track" and event = "Product Viewed"'],
      ['Product Added', 'ecommerceEvent', 'type = "track" and event = "Product Added"'],
      ['Product Removed', 'ecommerceEvent', 'type = "track" and event = "Product Removed"'],
      ['Email Sent', 'emailEvent', 'type = "track" and event = "Email Sent"'],
      ['Email Opened', 'emailEvent', 'type = "track" and event = "Email Opened"'],
      ['Email Link Clicked', 'emailEvent', 'type = "track" and event = "Email Link Clicked"'],
      ['Unsubscribed', 'emailEvent', 'type = "track" and event = "Unsubscribed"'],
      ['Email Marked as Spam', 'emailEvent', 'type = "track" and event = "Email Marked as Spam"'],
    ]);
    // A preset's trigger selects only its own event.
    expect(matches(parseTrigger(preset('Order Completed').trigger), EVENTS.product_viewed as never)).toBe(false);
  });

  it('Order Completed → order/purchase, one ODP event per product with order_id and total', async () => {
    const sent = await runPresetAll('Order Completed', 'order_completed');
    expect(sent).toHaveLength(2);
    sent.forEach((e, n) =>
      expect(e).toMatchObject({
        type: 'order',
        action: 'purchase',
        identifiers: { email: 'jane.doe@example.com', fs_user_id: 'user1234' },
        data: { order_id: '50314b8e9bcf000000000000', total: 27.5, idempotence_id: `msg-order-1:${n}`, ts: 1709316687 },
      }),
    );
    expect(sent.map((e) => e.data)).toMatchObject([
      { product_id: '507f1f77bcf86cd799439011', qty: 1 },
      { product_id: '505bd76785ebb509fc183733', qty: 2 },
    ]);
  });

  it('Order Completed without total falls back to revenue', async () => {
    const sent = await runPreset('Order Completed', 'order_completed_revenue_only');
    expect(sent.data).toEqual(expect.objectContaining({ order_id: 'order-2', total: 42, product_id: 'p-1', qty: 3, idempotence_id: 'msg-order-2' }));
  });

  it.each([
    ['Product Viewed', 'product_viewed', 'detail', { fs_user_id: 'anonId1234' }, 1],
    ['Product Added', 'product_added', 'add_to_cart', { fs_user_id: 'user1234', web_user_id: 'user1234' }, 2],
    ['Product Removed', 'product_removed', 'remove_from_cart', { fs_user_id: 'user1234', web_user_id: 'user1234' }, 1],
  ])('%s → product/%s', async (name, fixture, act, ids, qty) => {
    const sent = await runPreset(name, fixture);
    expect(sent).toMatchObject({ type: 'product', action: act, identifiers: ids });
    expect(sent.data).toMatchObject({ product_id: '507f1f77bcf86cd799439011', qty });
    expect(sent.data).not.toHaveProperty('order_id');
  });

  it.each([
    ['Email Sent', 'email_sent', 'sent'],
    ['Email Opened', 'email_opened', 'open'],
    ['Email Link Clicked', 'email_link_clicked', 'click'],
    ['Unsubscribed', 'unsubscribed', 'unsubscribe'],
    ['Email Marked as Spam', 'email_marked_as_spam', 'spam_report'],
  ])('%s → email/%s', async (name, fixture, act) => {
    const sent = await runPreset(name, fixture);
    expect(sent).toMatchObject({
      type: 'email',
      action: act,
      identifiers: { email: 'jane.doe@example.com', fs_user_id: 'user1234' },
      data: { campaign: 'spring-sale', campaign_id: '123456' },
    });
    const data = sent.data as Record<string, unknown>;
    if (name === 'Email Link Clicked') expect(data.campaign_event_value).toBe('https://www.example.com/sale?utm=email');
    else expect(data).not.toHaveProperty('campaign_event_value');
  });

  it('an email preset on an event without any email is a payload error, nothing sent', async () => {
    const p = preset('Email Opened');
    await expect(resolveItem(action(p.action), EVENTS.email_opened_no_email!, p.fields)).rejects.toThrow(/email/i);
    expect(odp.sandbox.received('odp')).toHaveLength(0);
  });

  it('a Segment-exported mapping keeps Segment action keys (customEvent = our ecommerceEvent)', async () => {
    const segmentMapping = importSegmentMapping(
      {
        name: 'Checkout purchase',
        subscribe: 'type = "track" and event = "Checkout Done"',
        partnerAction: 'customEvent',
        mapping: {
          user_identifiers: { userId: { '@path': '$.userId' } },
          event_type: 'order',
          event_action: 'purchase',
          order_id: { '@path': '$.properties.order_id' },
          timestamp: { '@path': '$.timestamp' },
          enable_batching: true,
          batch_size: 100,
        },
      },
      0,
    );
    const router = new Router(configWith([segmentMapping]));
    const event = { ...EVENTS.order_completed!, event: 'Checkout Done', messageId: 'msg-checkout-1' } as SegmentEvent;
    const [delivery] = router.route(event);
    expect(delivery).toMatchObject({ mappingId: 'checkout-purchase', action: 'ecommerceEvent' });
    const resolved = router.resolvePayload(router.getMapping('odp', 'checkout-purchase')!, event);
    expect(resolved.ok).toBe(true);
    if (!resolved.ok) return;
    const res = await action('ecommerceEvent').performBatch(ctx(), [{ deliveryId: 1, payload: resolved.payload, event }], undefined);
    expect(res.outcomes).toEqual([{ status: 'delivered' }]);
    expect(odp.sandbox.odpEvents('US')[0]).toMatchObject({ type: 'order', action: 'purchase', identifiers: { fs_user_id: 'user1234' }, data: { order_id: '50314b8e9bcf000000000000' } });
  });
});
