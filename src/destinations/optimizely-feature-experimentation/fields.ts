/**
 * Settings and Track Event fields of `optimizely-feature-experimentation`, as the seed (Segment's "Optimizely
 * Feature Experimentation (Actions)") lists them, with the defaults optirelay applies at run time.
 */
import type { FieldDef } from '../kit.js';

export interface FxSettings {
  accountId: string;
  dataFileUrl: string;
  /** Personal access token (REST v2): used only for deletion requests. */
  accessToken?: string;
  /** Datafile access token, for authenticated datafiles (not the personal access token). */
  datafileAccessToken?: string;
  /** Duration (`5m`, `30s`) or milliseconds. Default 5 minutes. */
  datafileRefreshInterval?: string | number;
}

export const fxSettingsFields: Record<string, FieldDef> = {
  accountId: {
    label: 'Optimizely Account Id',
    description:
      'Your Optimizely account id (https://app.optimizely.com/v2/accountsettings/account/plan). optirelay checks it against the datafile and refuses to send conversions for another account.',
    type: 'string',
    required: true,
  },
  dataFileUrl: {
    label: 'Datafile URL',
    description:
      'The URL of the environment datafile, e.g. https://cdn.optimizely.com/datafiles/<SDK key>.json (authenticated: https://config.optimizely.com/datafiles/auth/<SDK key>.json with a datafile access token).',
    type: 'string',
    format: 'uri',
    required: true,
  },
  accessToken: {
    label: 'Personal Access Token',
    description:
      'Optimizely personal access token (Profile → API Access), used only to submit GDPR deletion requests (POST /v2/subject-access-requests).',
    type: 'password',
  },
  datafileAccessToken: {
    label: 'Datafile Access Token',
    description: 'For authenticated datafiles only: the environment\'s datafile access token, sent as Authorization: Bearer. Not the personal access token.',
    type: 'password',
  },
  datafileRefreshInterval: {
    label: 'Datafile Refresh Interval',
    description: 'How often the cached datafile is re-checked (If-Modified-Since): a duration such as 5m or 30s, or milliseconds. Default 5m.',
    type: 'string',
  },
};

export interface TrackEventPayload {
  eventKey: string;
  userId: string;
  attributes?: Record<string, unknown> | null;
  revenue?: number | null;
  value?: number | null;
  eventTags?: Record<string, unknown> | null;
  timestamp: string | number;
  uuid?: string;
  userAgent?: string | null;
  [key: string]: unknown;
}

export const trackEventFields: Record<string, FieldDef> = {
  eventKey: {
    label: 'Event Key',
    description: 'The key of the event to be tracked. This key must match the event key provided when the event was created in the Optimizely app.',
    type: 'string',
    required: true,
    dynamic: true,
    default: { '@path': '$.event' },
  },
  userId: {
    label: 'User ID',
    description:
      'The ID of the user associated with the event being tracked. **Important**: This ID must match the user ID provided to Activate or Is Feature Enabled.',
    type: 'string',
    required: true,
    default: { '@if': { exists: { '@path': '$.userId' }, then: { '@path': '$.userId' }, else: { '@path': '$.anonymousId' } } },
  },
  attributes: {
    label: 'Event Attributes',
    description:
      'A map of custom key-value pairs specifying attributes for the user that are used for results segmentation. Keys must be attributes defined in the datafile (or reserved $opt_ keys); others are dropped and reported.',
    type: 'object',
    default: { '@path': '$.context.traits' },
  },
  revenue: {
    label: 'Revenue',
    description:
      'An integer value that is used to track the revenue metric for your experiments, aggregated across all conversion events. In cents: $42.00 is 4200.',
    type: 'integer',
    default: { '@path': '$.properties.revenue' },
  },
  value: {
    label: 'Value',
    description: 'A floating point value that is used to track a custom value for your experiments. Use this to pass the value for numeric metrics.',
    type: 'number',
    default: { '@path': '$.properties.value' },
  },
  eventTags: {
    label: 'Event Tags',
    description:
      'A map of key-value pairs specifying tag names and their corresponding tag values for this particular event occurrence. Values can be strings, numbers, or booleans.',
    type: 'object',
    default: { '@path': '$.properties' },
  },
  timestamp: {
    label: 'Timestamp',
    description: 'Timestamp of the event',
    type: 'datetime',
    required: true,
    default: { '@path': '$.timestamp' },
  },
  uuid: {
    label: 'Event UUID',
    description: 'Unique id of this conversion; Optimizely de-duplicates on it, so a redelivery is not a second conversion. Defaults to the messageId.',
    type: 'string',
    default: { '@path': '$.messageId' },
  },
  userAgent: {
    label: 'User Agent',
    description: 'Sent as the reserved $opt_user_agent attribute so Optimizely\'s bot filtering can work for server-side events.',
    type: 'string',
    default: { '@path': '$.context.userAgent' },
  },
};
