/**
 * Destination type `optimizely-data-platform`: Segment identify/track calls → ODP REST v3 profiles and events.
 * Documented in docs/destinations/optimizely-data-platform.md.
 */
import { defineDestination, type TestConnectionResult } from '../kit.js';
import { customEvent } from './custom-event.js';
import { ecommerceEvent } from './ecommerce-event.js';
import { emailEvent } from './email-event.js';
import { odpClientFor, type OdpSettings } from './perform.js';
import { odpPresets } from './presets.js';
import { ODP_REGIONS, odpBaseUrlFor, resolveOdpBaseUrl } from './regions.js';
import { upsertContact } from './upsert-contact.js';

export type { OdpSettings };

/**
 * Segment's action keys → optirelay's, for importing Segment mappings: Segment calls its ecommerce action
 * `customEvent` and its custom action `nonEcommCustomEvent`.
 */
export const SEGMENT_ACTION_ALIASES: Record<string, string> = {
  upsertContact: 'upsertContact',
  emailEvent: 'emailEvent',
  customEvent: 'ecommerceEvent',
  nonEcommCustomEvent: 'customEvent',
};

export const optimizelyDataPlatform = defineDestination<OdpSettings, undefined>({
  type: 'optimizely-data-platform',
  title: 'Optimizely Data Platform',
  description: 'Sync Segment analytics events and user profile data to Optimizely Data Platform (ODP REST v3)',
  settings: {
    apiKey: {
      label: 'Api Key',
      description: 'ODP private API key (Settings → APIs in ODP), sent as x-api-key. Used for Optimizely API authorization when sending events',
      type: 'password',
      required: true,
    },
    region: {
      label: 'Region',
      description: 'Optimizely Region to sync data to. Default is US',
      type: 'string',
      choices: ODP_REGIONS.map((value) => ({ label: { US: 'US', EU: 'Europe', AU: 'Australia' }[value], value })),
      default: 'US',
    },
  },
  endpoints: {
    odpApi: {
      description: 'ODP REST v3 base URL (ends in /v3); defaults to the region host: api.{us1,eu1,au1}.odp.optimizely.com/v3',
      default: odpBaseUrlFor,
    },
  },
  actions: { upsertContact, emailEvent, ecommerceEvent, customEvent },
  presets: odpPresets,
  segmentActionAliases: SEGMENT_ACTION_ALIASES,
  async testConnection(ctx): Promise<TestConnectionResult> {
    const baseUrl = resolveOdpBaseUrl(ctx.settings as unknown as Record<string, unknown>, ctx.endpoints);
    const region = ctx.settings.region ?? 'US';
    try {
      const check = await odpClientFor(ctx).checkAuth();
      return { ok: true, message: `ODP accepted the API key (${region}, ${baseUrl})`, details: { region, baseUrl, status: check.status } };
    } catch (err) {
      const e = err as Error & { statusCode?: number; code?: string };
      return { ok: false, message: e.message, details: { region, baseUrl, status: e.statusCode, code: e.code } };
    }
  },
});

export default optimizelyDataPlatform;
