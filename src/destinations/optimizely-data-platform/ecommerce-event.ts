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
      throw new PayloadValidationError(`products[${i}].product_id is required: map each product's id (default $.properties.products[].product_id)`, `products[${i}].product_id`);
    }
    return compact({ product_id: productId, qty: num(product.qty) }) as JsonObject;
  });
}

export function buildEcommerceEvent(payload: Payload, event?: SegmentEvent): OdpEvent {
  const identifiers = odpIdentifiers(payload.user_identifiers);
  const action = requiredAction(payload.event_action, 'set it in the mapping (e.g. purchase, detail, add_to_cart)');
  const list = productList(payload.products);
  const totalText = str(payload.total);
  // Segment types total as a string ("20"); ODP reports on a number, so numeric text is sent as a number.
  const totalValue: JsonValue | undefined = totalText === undefined ? undefined : (num(totalText) ?? totalText);
  const data = compact({
    order_id: str(payload.order_id),
    total: totalValue,
    // One product: ODP's product events key on data.product_id (reference §4.2 example).
    product_id: list.length === 1 ? list[0]!.product_id : undefined,
    products: list.length > 0 ? list : undefined,
    ...eventMeta(payload.timestamp, event),
  }) as JsonObject;
  return { type: eventType(payload.event_type), action, identifiers, data };
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
