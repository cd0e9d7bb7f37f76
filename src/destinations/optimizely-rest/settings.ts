/**
 * Settings of `optimizely-rest` (the Optimizely REST API v2, written by warehouse syncs), and the rate limits held
 * on our side per project kind (seed: Feature Experimentation 2 requests/s and 120/min; Web 100/min).
 */
import { PermanentError } from '../../core/errors.js';
import type { RateLimitConfig } from '../../config/types.js';
import type { FieldDef } from '../kit.js';

export type ProjectKind = 'feature-experimentation' | 'web';

export interface RestSettings {
  accessToken: string;
  projectId: string | number;
  projectKind?: ProjectKind;
  /** Override the kind's default limits (requests per second / per minute). */
  requestsPerSecond?: number;
  requestsPerMinute?: number;
}

export const REST_API_DEFAULT = 'https://api.optimizely.com/v2';

export const restSettingsFields: Record<string, FieldDef> = {
  accessToken: {
    label: 'Personal Access Token',
    description:
      'An Optimizely personal access token with write access to the project (Profile → API Access → Generate New Token). SDK keys and datafile access tokens are not REST tokens.',
    type: 'password',
    required: true,
  },
  projectId: {
    label: 'Project ID',
    description: 'The NUMERIC project id (Settings → Project, or the number in https://app.optimizely.com/v2/projects/<id>), not the project name.',
    type: 'string',
    required: true,
  },
  projectKind: {
    label: 'Project kind',
    description: 'feature-experimentation (default; 2 requests/s and 120/min) or web (100 requests/min). Decides the rate limits held on our side.',
    type: 'string',
    choices: ['feature-experimentation', 'web'],
    default: 'feature-experimentation',
  },
  requestsPerSecond: {
    label: 'Requests per second',
    description: 'Override the per-second limit (default 2 for feature-experimentation, 100/60 for web).',
    type: 'number',
    minimum: 0.01,
  },
  requestsPerMinute: {
    label: 'Requests per minute',
    description: 'Override the per-minute limit (default 120 for feature-experimentation, 100 for web).',
    type: 'number',
    minimum: 1,
  },
};

/** The published limits per kind (seed, "Rate Limits"). */
export const KIND_LIMITS: Record<ProjectKind, { perSecond: number; perMinute: number }> = {
  'feature-experimentation': { perSecond: 2, perMinute: 120 },
  web: { perSecond: 100 / 60, perMinute: 100 },
};

/**
 * We pace at this share of the allowed rate: requests leave on schedule but arrive with network jitter, and an
 * early-sent request that arrives late next to an on-time one could put limit+1 requests into one window at
 * Optimizely. The request gate also keeps exact sliding windows over response times (see `limitWindows`). 5 % head-room keeps the achieved rate within 10 % of the limit (docs/syncs.md, "Rate limits").
 */
export const PACING = 0.95;

export function projectIdOf(settings: Pick<RestSettings, 'projectId'>): number {
  const raw = String(settings.projectId ?? '').trim();
  if (!/^\d+$/.test(raw)) {
    throw new PermanentError(
      `project not found: settings.projectId "${raw}" is not a number. Use the numeric project id (Settings → Project in Optimizely, or the number in https://app.optimizely.com/v2/projects/<id>), not the project name.`,
      'OR_SYNC_PROJECT_NOT_FOUND',
      400,
    );
  }
  return Number(raw);
}

export function kindOf(settings: Pick<RestSettings, 'projectKind'>): ProjectKind {
  return settings.projectKind === 'web' ? 'web' : 'feature-experimentation';
}

/** The limit the destination allows (before pacing). */
export function allowedRate(settings: RestSettings): { perSecond: number; perMinute: number } {
  const d = KIND_LIMITS[kindOf(settings)];
  const perSecond = Number(settings.requestsPerSecond) > 0 ? Number(settings.requestsPerSecond) : d.perSecond;
  const perMinute = Number(settings.requestsPerMinute) > 0 ? Number(settings.requestsPerMinute) : d.perMinute;
  return { perSecond, perMinute };
}

/** What our limiter is configured with: the allowed rate × PACING, no burst (one request per interval). */
export function pacedRate(settings: RestSettings): RateLimitConfig {
  const a = allowedRate(settings);
  return { perSecond: Math.min(a.perSecond, a.perMinute / 60) * PACING, burst: 0, perMinute: Math.floor(a.perMinute * PACING) };
}

/**
 * The limits as sliding windows (count per window): what Optimizely counts. The request gate never sends request
 * i+N before window W has passed since request i was ANSWERED; the server saw request i before answering it, so
 * no window at the server can hold more than N, whatever the network latency (a cold first request included).
 */
export function limitWindows(settings: RestSettings): { limit: number; windowMs: number }[] {
  const kind = kindOf(settings);
  const out: { limit: number; windowMs: number }[] = [];
  const rps = Number(settings.requestsPerSecond) > 0 ? Number(settings.requestsPerSecond) : kind === 'web' ? undefined : KIND_LIMITS[kind].perSecond;
  if (rps !== undefined && rps >= 1) out.push({ limit: Math.floor(rps), windowMs: 1000 });
  out.push({ limit: Math.max(1, Math.floor(allowedRate(settings).perMinute)), windowMs: 60_000 });
  return out;
}
