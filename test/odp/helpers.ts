/** Test helpers: a DestinationContext for the ODP type, and payload resolution the way the router/deliverer do it. */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.js';
import type { SegmentEvent } from '../../src/core/event.js';
import type { ActionDefinition, BatchItem, DestinationContext, Preset } from '../../src/destinations/kit.js';
import { optimizelyDataPlatform, type OdpSettings } from '../../src/destinations/optimizely-data-platform/index.js';
import { compileFields, transform } from '../../src/mapping/index.js';
import { createHttpClient } from '../../src/optimizely/http.js';

export const API_KEY = 'test-odp-private-key-5f3a9c';

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

/** The action's field defaults with `fields` on top (`null` removes a default), as config mappings resolve. */
export function mappingFor(a: Action, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(a.fields)) if (f.default !== undefined) m[k] = f.default;
  for (const [k, v] of Object.entries(fields)) {
    if (v === null) delete m[k];
    else m[k] = v;
  }
  return m;
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
