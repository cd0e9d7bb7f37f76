/** Email Event → `POST /v3/events` with `{ type: "email", action, identifiers, data }` (reference §4.2, §5). */
import { PayloadValidationError } from '../../core/errors.js';
import type { JsonObject, SegmentEvent } from '../../core/event.js';
import type { OdpEvent } from '../../optimizely/odp-client.js';
import type { ActionDefinition, FieldDef } from '../kit.js';
import { eventMeta, requiredAction } from './event-data.js';
import { email_action_identifiers, event_action_required, timestamp } from './fields.js';
import { odpIdentifiers } from './identifiers.js';
import { sendBatch, validateWith, type OdpSettings, type Payload } from './perform.js';
import { compact, str } from './values.js';

/** The actions the email presets send (ODP email event actions). */
const EMAIL_ACTIONS = ['sent', 'open', 'click', 'unsubscribe', 'spam_report'] as const;

export const emailEventFields: Record<string, FieldDef> = {
  user_identifiers: email_action_identifiers,
  event_action: {
    ...event_action_required,
    description: `The name of the Optimizely Event Action (the presets send ${EMAIL_ACTIONS.join(', ')}).`,
  },
  campaign: {
    label: 'Campaign Name',
    description: 'The campaign name',
    type: 'string',
    required: true,
    default: { '@path': '$.properties.campaign_name' },
  },
  campaign_id: { label: 'Campaign ID', description: 'The campaign unique identifier', type: 'string', default: { '@path': '$.properties.campaign_id' } },
  link_url: { label: 'Link URL', description: 'URL of the link which was clicked', type: 'string', default: { '@path': '$.properties.link_url' } },
  timestamp,
};

export function buildEmailEvent(payload: Payload, event?: SegmentEvent): OdpEvent {
  const identifiers = odpIdentifiers(payload.user_identifiers, { requireEmail: true });
  const action = requiredAction(payload.event_action, `set it in the mapping (${EMAIL_ACTIONS.join(', ')})`);
  const campaign = str(payload.campaign);
  if (!campaign) {
    throw new PayloadValidationError('campaign is required: map it to the campaign name (default $.properties.campaign_name)', 'campaign');
  }
  const data = compact({
    campaign,
    campaign_id: str(payload.campaign_id),
    campaign_event_value: str(payload.link_url),
    ...eventMeta(payload.timestamp, event),
  }) as JsonObject;
  return { type: 'email', action, identifiers, data };
}

export const emailEvent: ActionDefinition<Payload, OdpSettings> = {
  title: 'Email Event',
  description: 'Send email related Segment track() events to Optimizely Data Platform',
  fields: emailEventFields,
  batching: { maxItems: 500, lingerMs: 1000 },
  rateLimit: { perSecond: 10, burst: 10 },
  prepare: validateWith(buildEmailEvent),
  performBatch: (ctx, items) => sendBatch(ctx, items, buildEmailEvent, (client, events) => client.postEvents(events)),
};
