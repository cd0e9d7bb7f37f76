/**
 * Destination type `optimizely-feature-experimentation`: Segment track events → Feature Experimentation
 * conversions (Event API), with the datafile cached per destination and GDPR deletion through REST v2
 * subject-access requests. Documented in docs/destinations/optimizely-feature-experimentation.md.
 */
import { OptirelayError, RetryableError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { registerSecret } from '../../core/redact.js';
import { DatafileManager, DEFAULT_DATAFILE_REFRESH_MS } from '../../optimizely/datafile-manager.js';
import { EVENT_API_US } from '../../optimizely/event-api.js';
import { eventInRunningExperiment } from '../../optimizely/project-config.js';
import { RestV2Client } from '../../optimizely/rest-v2.js';
import { VERSION } from '../../version.js';
import { defineDestination, type DeletionResult, type DestinationContext, type TestConnectionResult } from '../kit.js';
import { fxSettingsFields, type FxSettings } from './fields.js';
import type { FxRuntime } from './runtime.js';
import { accountMismatchMessage, resolveEventApiUrl, trackEvent } from './track-event.js';

export type { FxSettings, FxRuntime };
export { trackEvent };

export const FX_TYPE = 'optimizely-feature-experimentation';
export const REST_API_DEFAULT = 'https://api.optimizely.com/v2';

export function refreshIntervalMs(setting: unknown): number {
  if (setting === undefined || setting === null || setting === '') return DEFAULT_DATAFILE_REFRESH_MS;
  const ms = parseDuration(setting as string | number);
  return ms === undefined || ms <= 0 ? DEFAULT_DATAFILE_REFRESH_MS : ms;
}

export function noTokenMessage(destinationId: string): string {
  return `destination ${destinationId} has no accessToken: add a personal access token to settings.accessToken to submit deletions`;
}

export function createFxRuntime(ctx: DestinationContext<FxSettings>, opts: { autoRefresh?: boolean } = {}): FxRuntime {
  registerSecret(ctx.settings.accessToken);
  registerSecret(ctx.settings.datafileAccessToken);
  const datafile = new DatafileManager({
    url: ctx.settings.dataFileUrl,
    accessToken: ctx.settings.datafileAccessToken,
    refreshIntervalMs: refreshIntervalMs(ctx.settings.datafileRefreshInterval),
    http: ctx.http,
    clock: ctx.clock,
    logger: ctx.logger,
    autoRefresh: opts.autoRefresh,
  });
  datafile.start();
  return {
    datafile,
    counters: { requests: 0, visitorsSent: 0, visitorsDead: 0, splits: 0 },
    client: { name: 'optirelay', version: VERSION },
  };
}

export const optimizelyFeatureExperimentation = defineDestination<FxSettings, FxRuntime>({
  type: FX_TYPE,
  title: 'Optimizely Feature Experimentation',
  description:
    'Send Segment track events to Optimizely Feature Experimentation as conversions (Event API), batched, with the datafile cached and refreshed in the background.',
  settings: fxSettingsFields,
  endpoints: {
    eventApi: {
      description: 'Event API URL (full …/v1/events). Default https://logx.optimizely.com/v1/events; EU datafiles use https://eu.logx.optimizely.com/v1/events unless this is set.',
      default: EVENT_API_US,
    },
    restApi: { description: 'REST API v2 base URL (ends in /v2), used for deletion requests.', default: REST_API_DEFAULT },
  },
  actions: { trackEvent },

  createRuntime: (ctx) => createFxRuntime(ctx),

  stopRuntime(runtime) {
    runtime.datafile.stop();
  },

  async testConnection(ctx, runtime): Promise<TestConnectionResult> {
    await runtime.datafile.refresh();
    const config = runtime.datafile.current();
    const status = runtime.datafile.status();
    if (!config) return { ok: false, message: status.lastError ?? `no datafile from ${status.url}`, details: { datafile: status } };
    const accountMatches = String(ctx.settings.accountId ?? '').trim() === config.accountId;
    const eventKeys = [...config.events.keys()].sort();
    const details = {
      projectId: config.projectId,
      revision: config.revision,
      accountId: config.accountId,
      accountMatches,
      region: config.region,
      eventApi: resolveEventApiUrl(ctx, config.region),
      eventKeys,
      eventKeysInNoRunningExperiment: [...config.events.values()].filter((e) => !eventInRunningExperiment(config, e)).map((e) => e.key).sort(),
      attributeKeys: [...config.attributes.keys()].sort(),
      runningExperiments: config.runningExperimentIds.size,
      botFiltering: config.botFiltering ?? null,
      anonymizeIP: config.anonymizeIP,
      datafileAgeMs: runtime.datafile.ageMs(),
    };
    if (!accountMatches) return { ok: false, message: accountMismatchMessage(config, String(ctx.settings.accountId), status.url), details };
    return {
      ok: true,
      message: `datafile revision ${config.revision} of project ${config.projectId} (account ${config.accountId}): ${eventKeys.length} event keys${eventKeys.length ? `: ${eventKeys.slice(0, 20).join(', ')}${eventKeys.length > 20 ? ', …' : ''}` : ''}`,
      details,
    };
  },

  async deleteUser(ctx, req): Promise<DeletionResult> {
    const token = ctx.settings.accessToken;
    if (!token) return { status: 'failed', error: noTokenMessage(ctx.destinationId), retryable: false };
    const identifiers = [req.userId, req.anonymousId].filter((x): x is string => typeof x === 'string' && x !== '');
    if (identifiers.length === 0) return { status: 'failed', error: 'nothing to delete: give a userId or an anonymousId', retryable: false };
    const client = new RestV2Client({ baseUrl: ctx.endpoints['restApi'] ?? REST_API_DEFAULT, accessToken: token, http: ctx.http, now: () => ctx.clock.now() });
    const ids: string[] = [];
    for (const identifier of [...new Set(identifiers)]) {
      try {
        const sar = await client.createSubjectAccessRequest({ identifier, identifierType: 'fullstack_id', dataType: 'visitor', requestType: 'delete' });
        ids.push(sar.id);
      } catch (err) {
        const e = err as Error;
        const done = ids.length ? ` (already submitted: ${ids.join(', ')})` : '';
        return {
          status: 'failed',
          error: `subject-access request for ${identifier === req.userId ? 'the userId' : 'the anonymousId'} failed: ${e.message}${done}`,
          retryable: err instanceof RetryableError || !(err instanceof OptirelayError),
          externalId: ids.length ? ids.join(',') : undefined,
        };
      }
    }
    return { status: 'submitted', externalId: ids.join(',') };
  },
});
