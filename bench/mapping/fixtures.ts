/**
 * The two default mappings the benchmark runs, with their field definitions, copied from the seed documents
 * (seeds 001: Feature Experimentation "Track Event"; 004: ODP "Custom Event") and Segment's action definitions.
 * Kept here so the benchmark does not depend on destination modules that change independently.
 */
import type { FieldDef } from '../../src/mapping/index.js';

const f = (label: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ label, description: label, type, ...extra });

export const fxTrackEvent = {
  trigger: 'type = "track"',
  fields: {
    eventKey: f('Event Key', 'string', { required: true, default: { '@path': '$.event' } }),
    userId: f('User ID', 'string', {
      required: true,
      default: { '@if': { exists: { '@path': '$.userId' }, then: { '@path': '$.userId' }, else: { '@path': '$.anonymousId' } } },
    }),
    attributes: f('Event Attributes', 'object', { default: { '@path': '$.context.traits' } }),
    revenue: f('Revenue', 'integer', { default: { '@path': '$.properties.revenue' } }),
    value: f('Value', 'number', { default: { '@path': '$.properties.value' } }),
    eventTags: f('Event Tags', 'object', { default: { '@path': '$.properties' } }),
    timestamp: f('Timestamp', 'datetime', { required: true, default: { '@path': '$.timestamp' } }),
    uuid: f('Event UUID', 'string', { default: { '@path': '$.messageId' } }),
  } satisfies Record<string, FieldDef>,
};

export const odpCustomEvent = {
  trigger: 'type = "track" and event != "Order Completed" and event != "Product Added"',
  fields: {
    user_identifiers: f('User identifiers', 'object', {
      required: true,
      properties: {
        anonymousId: f('Segment Anonymous ID', 'string'),
        userId: f('Segment User ID', 'string'),
        email: f('Email', 'string'),
      },
      default: { anonymousId: { '@path': '$.anonymousId' }, userId: { '@path': '$.userId' }, email: { '@path': '$.properties.email' } },
    }),
    event_type: f('Optimizely Event Type', 'string', { default: { '@path': '$.event' } }),
    event_action: f('Optimizely Event Action', 'string', { default: { '@path': '$.properties.action' } }),
    data: f('Event Properties', 'object', { default: { '@path': '$.properties' } }),
    timestamp: f('Timestamp', 'string', { required: true, default: { '@path': '$.timestamp' } }),
  } satisfies Record<string, FieldDef>,
};

export function defaultsOf(fields: Record<string, FieldDef>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
}

/** 1,000 varied track events (some anonymous, some with string revenue, some not matching the ODP trigger). */
export function sampleEvents(n = 1000): Record<string, unknown>[] {
  const names = ['Video Played', 'Order Completed', 'Signup', 'Product Added', 'Article Read'];
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: names[i % names.length],
    messageId: `msg-${i}`,
    ...(i % 7 === 0 ? { anonymousId: `anon-${i}` } : { userId: `user-${i}` }),
    timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    receivedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    originalTimestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    properties: { revenue: i % 5 === 0 ? String(i * 100) : i * 100, value: i / 10, currency: 'USD', email: `u${i}@example.com`, action: 'view', sku: `sku-${i % 50}` },
    context: { traits: { plan: i % 2 ? 'pro' : 'free', country: 'US' }, library: { name: 'analytics-node', version: '3.1.0' }, ip: '127.0.0.1' },
  }));
}
