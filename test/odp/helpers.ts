/** Test helpers: a DestinationContext for the ODP type, and payload resolution the way the router/deliverer do it. */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.js';
import type { SegmentEvent } from '../../src/core/event.js';
import type { ActionDefinition, BatchItem, DestinationContext, Preset } from '../../src/destinations/kit.js';
import { optimizelyDataPlatform, type OdpSettings } from '../../src/destinations/optimizely-data-platform/index.js';
import { compileFields, transform } from '../../src/mapping/index.js';
import { createHttpClient } from '../../src/optimizely/http.js';
import { resolveFields } from '../../src/pipeline/router.js';
import { DEMO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

/** The sandbox's demo ODP key (valid in US, EU and AU). */
export const API_KEY = DEMO.odpApiKey;

export const EVENTS = JSON.parse(readFileSync(new URL('../fixtures/odp/segment-events.json', import.meta.url), 'utf8')) as Record<string, SegmentEvent>;

export const http = createHttpClient({ timeoutMs: 5_000 });

export function odpContext(settings: Partial<OdpSettings> & Record<string, unknown>, endpoints: Record<string, string> = {}): DestinationContext<OdpSettings> {
  return {
    destinationId: 'odp',
    settings: { apiKey: API_KEY, ...settings } as OdpSettings,
    endpoints,
    http,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    config: { id: 'odp', type: 'optimizely-data-platform', settings, endpoints, mappings: [], presets: [], lanes: {}, enabled: true },
  };
}

type Action = ActionDefinition<Record<string, unknown>, OdpSettings, undefined>;

export function action(key: string): Action {
  const a = optimizelyDataPlatform.actions[key];
  if (!a) throw new Error(`no action ${key}`);
  return a;
}

/** The action's field defaults with `fields` on top (`null` removes a default): the router's resolution. */
export function mappingFor(a: Action, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return resolveFields(a as ActionDefinition<Record<string, unknown>, unknown, unknown>, fields);
}

/** transform → field validation → prepare, as the deliverer does before performBatch. Throws on a payload error. */
export async function resolveItem(a: Action, event: SegmentEvent, fields: Record<string, unknown> = {}, deliveryId = 1): Promise<BatchItem> {
  const raw = transform(mappingFor(a, fields), event as unknown as Record<string, unknown>);
  const checked = compileFields(a.fields).validate(raw);
  if (!checked.ok) throw new Error(`field validation: ${checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  const payload = a.prepare ? await a.prepare(odpContext({}), checked.payload, event, undefined) : checked.payload;
  return { deliveryId, payload, event };
}

export function preset(name: string): Preset {
  const p = optimizelyDataPlatform.presets?.find((x) => x.name === name);
  if (!p) throw new Error(`no preset ${name}`);
  return p;
}

export type Region = 'US' | 'EU' | 'AU';

/** The sandbox as ODP, with shortcuts for what these tests look at. */
export interface OdpSandbox {
  sandbox: Sandbox;
  base(region?: Region): string;
  /** Bodies of the POST requests ODP received on a path (`/v3/events`, `/v3/profiles`), in order. */
  posted(path: '/events' | '/profiles'): unknown[][];
  /** Inject a fault for the next `count` ODP requests. */
  fault(spec: { status: number; retryAfter?: number; body?: unknown; count?: number }): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startOdpSandbox(): Promise<OdpSandbox> {
  const sandbox = await startSandbox();
  return {
    sandbox,
    base: (region = 'US') => sandbox.endpoints.odpApi(region),
    posted: (path) =>
      sandbox
        .received('odp')
        .filter((r) => r.method === 'POST' && r.path.endsWith(`/v3${path}`))
        .map((r) => (Array.isArray(r.body) ? r.body : [r.body])),
    fault: (spec) => void sandbox.faults.add({ api: 'odp', ...spec }),
    reset: () => sandbox.reset(),
    close: () => sandbox.close(),
  };
}
