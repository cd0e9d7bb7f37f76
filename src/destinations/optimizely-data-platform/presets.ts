/**
 * The ready-made mappings of the seed's "Available Presets" table. Each preset's fields override the action's
 * defaults. Event types/actions follow ODP's commerce and email vocabulary (issue 6); Segment's own code sends
 * `opt-out` / `spam_complaint` for the last two email presets and has no type for the product presets.
 */
import type { Preset } from '../kit.js';

const track = (event: string): string => `type = "track" and event = "${event}"`;

/** Segment's e-commerce spec puts a single product's fields at the top of `properties`. */
const singleProduct = [{ product_id: { '@path': '$.properties.product_id' }, qty: { '@path': '$.properties.quantity' } }];

/** Order Completed carries `total`, or only `revenue` in older instrumentations. */
const orderTotal = {
  '@if': { exists: { '@path': '$.properties.total' }, then: { '@path': '$.properties.total' }, else: { '@path': '$.properties.revenue' } },
};

const productPreset = (name: string, action: string): Preset => ({
  name,
  action: 'ecommerceEvent',
  trigger: track(name),
  fields: { event_type: 'product', event_action: action, products: singleProduct },
});

const emailPreset = (name: string, action: string): Preset => ({
  name,
  action: 'emailEvent',
  trigger: track(name),
  fields: { event_action: action },
});

export const odpPresets: Preset[] = [
  {
    name: 'Order Completed',
    action: 'ecommerceEvent',
    trigger: track('Order Completed'),
    fields: {
      event_type: 'order',
      event_action: 'purchase',
      products: {
        '@arrayPath': ['$.properties.products', { product_id: { '@path': '$.product_id' }, qty: { '@path': '$.quantity' } }],
      },
      order_id: { '@path': '$.properties.order_id' },
      total: orderTotal,
    },
  },
  productPreset('Product Viewed', 'detail'),
  productPreset('Product Added', 'add_to_cart'),
  productPreset('Product Removed', 'remove_from_cart'),
  emailPreset('Email Sent', 'sent'),
  emailPreset('Email Opened', 'open'),
  emailPreset('Email Link Clicked', 'click'),
  emailPreset('Unsubscribed', 'unsubscribe'),
  emailPreset('Email Marked as Spam', 'spam_report'),
];
