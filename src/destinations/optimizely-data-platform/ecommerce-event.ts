/** Ecommerce Event → `POST /v3/events` (reference §4.2, §5: Segment's `customEvent` action). */
import { PayloadValidationError } from '../../core/errors.js';
import type { JsonObject, JsonValue, SegmentEvent } from '../../core/event.js';
import type { OdpEvent } from '../../optimizely/odp-client.js';
import type { ActionDefinition, FieldDef } from '../kit.js';
import { eventMeta, eventType, requiredAction } from './event-data.js';
import { event_action_required, event_type, order_id, products, timestamp, total, user_identifiers } from './fields.js';
import { odpIdentifiers } from './identifiers.js';
import { sendBatch, validateWith, type OdpSettings, type Payload } from './perform.js';
import { compact, isPlainObject, num, str } from './values.js';

export const ecommerceEventFields: Record<string, FieldDef> = {
  user_identifiers,
  event_type,
  event_action: event_action_required,
  products,
  order_id,
  total,
  timestamp,
};

function productList(v: unknown): JsonObject[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((p, i) => {
    const product = isPlainObject(p) ? p : {};
    const productId = str(product.product_id);
    if (!productId) {
      throw new PayloadValidationError(
        `products[${i}].product_id is required: map each product's id (default $.properties.products[].product_id)`,
        `products[${i}].product_id`,
      );
    }
    return compact({ product_id: productId, qty: num(product.qty) }) as JsonObject;
  });
}

/**
 * ODP event data holds scalars only, so products cannot travel as an array: an event with one product carries
 * `product_id` and `qty`; an event with several becomes one ODP event per product (same type, action, identifiers,
 * order_id and total; idempotence_id `<messageId>:<n>`). No products: one event with the order fields.
 */
export function buildEcommerceEvent(payload: Payload, event?: SegmentEvent): OdpEvent[] {
  const identifiers = odpIdentifiers(payload.user_identifiers);
  const action = requiredAction(payload.event_action, 'set it in the mapping (e.g. purchase, detail, add_to_cart)');
  const type = eventType(payload.event_type);
  const list = productList(payload.products);
  const totalText = str(payload.total);
  // Segment types total as a string ("20"); ODP reports on a number, so numeric text is sent as a number.
  const totalValue: JsonValue | undefined = totalText === undefined ? undefined : (num(totalText) ?? totalText);
  const base = compact({ order_id: str(payload.order_id), total: totalValue, ...eventMeta(payload.timestamp, event) }) as JsonObject;
  if (list.length <= 1) return [{ type, action, identifiers, data: { ...(list[0] ?? {}), ...base } }];
  return list.map((product, n) => ({
    type,
    action,
    identifiers,
    data: { ...product, ...base, ...(event?.messageId ? { idempotence_id: `${event.messageId}:${n}` } : {}) },
  }));
}

export const ecommerceEvent: ActionDefinition<Payload, OdpSettings> = {
  title: 'Ecommerce Event',
  description: 'Send Segment Ecommerce track() events to Optimizely Data Platform',
  fields: ecommerceEventFields,
  batching: { maxItems: 500, lingerMs: 1000 },
  rateLimit: { perSecond: 10, burst: 10 },
  prepare: validateWith(buildEcommerceEvent),
  performBatch: (ctx, items) => sendBatch(ctx, items, buildEcommerceEvent, (client, events) => client.postEvents(events)),
};
