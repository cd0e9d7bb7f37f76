/** Custom Event → `POST /v3/events` (reference §4.2, §5: Segment's `nonEcommCustomEvent` action). */
import type { JsonObject, SegmentEvent } from '../../core/event.js';
import type { OdpEvent } from '../../optimizely/odp-client.js';
import type { ActionDefinition, FieldDef } from '../kit.js';
import { eventMeta, eventType, requiredAction } from './event-data.js';
import { event_type, timestamp, user_identifiers } from './fields.js';
import { odpIdentifiers } from './identifiers.js';
import { sendBatch, validateWith, type OdpSettings, type Payload } from './perform.js';
import { flattenScalars } from './values.js';

export const customEventFields: Record<string, FieldDef> = {
  user_identifiers,
  event_type,
  event_action: {
    label: 'Optimizely Event Action',
    // Segment leaves this optional with no default; ODP requires an action (reference §4.2, §4.5), so optirelay
    // defaults it to the track event's name and refuses a payload without one.
    description: 'The name of the Optimizely Event Action. Defaults to the track event name.',
    type: 'string',
    default: { '@path': '$.event' },
  },
  data: {
    label: 'Event Properties',
    description: 'Additional information to send with your custom event',
    type: 'object',
    default: { '@path': '$.properties' },
  },
  timestamp,
};

export function buildCustomEvent(payload: Payload, event?: SegmentEvent): OdpEvent {
  const identifiers = odpIdentifiers(payload.user_identifiers);
  const action = requiredAction(payload.event_action, 'map it (default $.event) or set a constant such as "click"');
  const properties = flattenScalars(payload.data);
  // optirelay's own keys (ts, idempotence_id, data_source*) win over same-named properties.
  const data: JsonObject = { ...properties, ...eventMeta(payload.timestamp, event) };
  return { type: eventType(payload.event_type), action, identifiers, data };
}

export const customEvent: ActionDefinition<Payload, OdpSettings> = {
  title: 'Custom Event',
  description: 'Send Segment custom track() events to Optimizely Data Platform',
  fields: customEventFields,
  batching: { maxItems: 500, lingerMs: 1000 },
  rateLimit: { perSecond: 10, burst: 10 },
  prepare: validateWith(buildCustomEvent),
  performBatch: (ctx, items) => sendBatch(ctx, items, buildCustomEvent, (client, events) => client.postEvents(events)),
};
