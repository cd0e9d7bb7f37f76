/**
 * Destination type `optimizely-rest`: the Optimizely REST API v2 as a target for warehouse syncs (audiences,
 * attributes, custom events, list attributes). It has no event actions: syncs (src/sync/) write through it.
 * Documented in docs/syncs.md.
 */

import { registerSecret } from '../../core/redact.js';
import { RestObjects } from '../../optimizely/rest-objects.js';
import { RestV2Client } from '../../optimizely/rest-v2.js';
import type { HttpClient } from '../../optimizely/http.js';
import { defineDestination, type TestConnectionResult } from '../kit.js';
import { kindOf, projectIdOf, REST_API_DEFAULT, restSettingsFields, type RestSettings } from './settings.js';
import { describeRestError } from './errors.js';

export * from './settings.js';
export * from './errors.js';

export const REST_TYPE = 'optimizely-rest';

export function createRestObjects(opts: { settings: RestSettings; restApi?: string; http: HttpClient; now?: () => number }): RestObjects {
  registerSecret(opts.settings.accessToken);
  const client = new RestV2Client({ baseUrl: opts.restApi ?? REST_API_DEFAULT, accessToken: String(opts.settings.accessToken ?? ''), http: opts.http, now: opts.now });
  return new RestObjects(client, projectIdOf(opts.settings));
}

export const optimizelyRest = defineDestination<RestSettings, undefined>({
  type: REST_TYPE,
  title: 'Optimizely REST API (warehouse syncs)',
  description: 'Create and update audiences, attributes, custom events and list-attribute memberships from warehouse rows, on a schedule (syncs:).',
  settings: restSettingsFields,
  endpoints: { restApi: { description: 'REST API v2 base URL (ends in /v2).', default: REST_API_DEFAULT } },
  actions: {},

  async testConnection(ctx): Promise<TestConnectionResult> {
    try {
      const objects = createRestObjects({ settings: ctx.settings, restApi: ctx.endpoints['restApi'], http: ctx.http, now: () => ctx.clock.now() });
      const res = await objects.getProject();
      const p = res.body;
      const kind = kindOf(ctx.settings);
      const platformKind = p.platform === 'web' ? 'web' : 'feature-experimentation';
      const details = { projectId: p.id, name: p.name, platform: p.platform, projectKind: kind };
      if (platformKind !== kind) {
        return { ok: false, message: `project ${p.id} (${p.name ?? ''}) is a ${platformKind} project but settings.projectKind is ${kind}: set projectKind: ${platformKind} so the right rate limits apply`, details };
      }
      return { ok: true, message: `project ${p.id} "${p.name ?? ''}" (${p.platform ?? 'unknown platform'}) is reachable with this token`, details };
    } catch (err) {
      return { ok: false, message: describeRestError(err, { projectId: String(ctx.settings.projectId) }).message };
    }
  },
});

