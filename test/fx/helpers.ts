/** Shared helpers for the FX destination tests: a DestinationContext, the SDK's own payload, normalisation. */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createForwardingEventProcessor, createInstance, createStaticProjectConfigManager } from '@optimizely/optimizely-sdk';
import { systemClock } from '../../src/core/clock.js';
import type { DestinationContext } from '../../src/destinations/kit.js';
import type { DestinationConfig } from '../../src/config/types.js';
import type { FxSettings } from '../../src/destinations/optimizely-feature-experimentation/index.js';
import { createHttpClient, type HttpClient } from '../../src/optimizely/http.js';
import type { EventBatch } from '../../src/optimizely/event-api.js';

export const FIXTURE_DIR = new URL('../fixtures/fx/', import.meta.url);

export function readFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as T;
}

export function fxContext(
  settings: FxSettings,
  opts: { endpoints?: Record<string, string>; overrides?: Record<string, string>; http?: HttpClient; id?: string; lanes?: DestinationConfig['lanes'] } = {},
): DestinationContext<FxSettings> {
  const config: DestinationConfig = {
    id: opts.id ?? 'fx',
    type: 'optimizely-feature-experimentation',
    settings: settings as unknown as Record<string, unknown>,
    endpoints: opts.overrides ?? {},
    mappings: [],
    presets: [],
    lanes: opts.lanes ?? {},
    enabled: true,
  };
  return {
    destinationId: config.id,
    settings,
    endpoints: { eventApi: 'https://logx.optimizely.com/v1/events', restApi: 'https://api.optimizely.com/v2', ...(opts.endpoints ?? {}), ...(opts.overrides ?? {}) },
    http: opts.http ?? createHttpClient({ timeoutMs: 10_000 }),
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    config,
  };
}

export interface SdkLogEvent {
  url: string;
  params: EventBatch;
}

/** What @optimizely/optimizely-sdk dispatches for `track(eventKey, userId, attributes, tags)` with this datafile. */
export async function sdkTrack(
  datafile: unknown,
  calls: { eventKey: string; userId: string; attributes?: Record<string, unknown>; tags?: Record<string, unknown> }[],
): Promise<SdkLogEvent[]> {
  const captured: SdkLogEvent[] = [];
  const client = createInstance({
    projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(datafile) }),
    eventProcessor: createForwardingEventProcessor({
      dispatchEvent: async (e) => {
        captured.push(e as unknown as SdkLogEvent);
        return { statusCode: 204 };
      },
    }),
    logger: undefined,
  });
  await client.onReady();
  for (const c of calls) {
    // The SDK mutates the tags object (filterEmptyValues): give it a copy.
    client.track(c.eventKey, c.userId, c.attributes as never, c.tags ? (structuredClone(c.tags) as never) : undefined);
  }
  // The forwarding processor dispatches asynchronously.
  for (let i = 0; i < 100 && captured.length < calls.length; i++) await new Promise((r) => setTimeout(r, 5));
  await client.close();
  return captured;
}

/** Blank out what legitimately differs between two producers: uuid, timestamp, client name and version. */
export function normalise(batch: EventBatch): EventBatch {
  const b = structuredClone(batch);
  b.client_name = '<client>';
  b.client_version = '<version>';
  for (const v of b.visitors) for (const s of v.snapshots) for (const e of s.events) {
    e.uuid = '<uuid>';
    e.timestamp = 0;
  }
  return b;
}
