/** Raw, schema-valid config → OptirelayConfig: defaults applied, durations in ms, mappings in one form. */
import { parseDuration } from '../core/duration.js';
import { DEFAULTS, defaultStore } from './defaults.js';
import { toMapping } from './mappings.js';
import type { DestinationConfig, LaneConfig, OptirelayConfig, SourceConfig, SyncConfig, SyncSourceConfig } from './types.js';

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const arr = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);
const ms = (v: unknown, fallback: number): number => (v === undefined ? fallback : (parseDuration(v as string | number) ?? fallback));

function lane(raw: Raw): LaneConfig {
  const out: LaneConfig = {};
  if (raw.batchSize !== undefined) out.batchSize = raw.batchSize as number;
  if (raw.linger !== undefined) out.lingerMs = ms(raw.linger, 0);
  if (raw.maxAttempts !== undefined) out.maxAttempts = raw.maxAttempts as number;
  if (raw.maxAge !== undefined) out.maxAgeMs = ms(raw.maxAge, 0);
  if (raw.rateLimit !== undefined) {
    const r = obj(raw.rateLimit);
    out.rateLimit = { perSecond: r.perSecond as number, burst: (r.burst as number | undefined) ?? 0 };
    if (r.perMinute !== undefined) out.rateLimit.perMinute = r.perMinute as number;
  }
  return out;
}

function destination(raw: Raw): DestinationConfig {
  return {
    id: raw.id as string,
    type: raw.type as string,
    settings: { ...obj(raw.settings) },
    endpoints: { ...(obj(raw.endpoints) as Record<string, string>) },
    mappings: arr(raw.mappings).map((m, i) => toMapping(m, i)),
    presets: raw.presets === 'all' ? 'all' : Array.isArray(raw.presets) ? (raw.presets as string[]) : [],
    lanes: Object.fromEntries(Object.entries(obj(raw.lanes)).map(([k, v]) => [k, lane(obj(v))])),
    enabled: raw.enabled !== false,
  };
}

function syncSource(raw: Raw, queries: Map<Raw, string>): SyncSourceConfig {
  const query = (raw.query as string | undefined) ?? queries.get(raw) ?? '';
  switch (raw.type) {
    case 'sqlite':
      return { type: 'sqlite', path: raw.path as string, query };
    case 'postgres':
      return { type: 'postgres', url: raw.url as string, query };
    case 'csv':
      return { type: 'csv', path: raw.path as string };
    default:
      return { type: 'ndjson', path: raw.path as string };
  }
}

function sync(raw: Raw, queries: Map<Raw, string>): SyncConfig {
  const object = raw.object as SyncConfig['object'];
  const out: SyncConfig = {
    id: raw.id as string,
    source: syncSource(obj(raw.source), queries),
    primaryKey: raw.primaryKey as string,
    destination: raw.destination as string,
    object,
    mode: (raw.mode as SyncConfig['mode'] | undefined) ?? DEFAULTS.syncMode[object],
    fields: { ...(obj(raw.fields) as Record<string, string>) },
    target: { ...obj(raw.target) },
    enabled: raw.enabled !== false,
  };
  if (typeof raw.schedule === 'string') out.schedule = raw.schedule;
  return out;
}

/** `queries` holds SQL read from `queryFile`s, keyed by the raw source object. */
export function normalize(raw: Raw, file: string | undefined, queries: Map<Raw, string> = new Map()): OptirelayConfig {
  const server = obj(raw.server);
  const ingest = obj(raw.ingest);
  const delivery = obj(raw.delivery);
  const retention = obj(raw.retention);
  const dataDir = (raw.dataDir as string | undefined) ?? DEFAULTS.dataDir;
  const D = DEFAULTS;
  const config: OptirelayConfig = {
    store: (raw.store as string | undefined) ?? defaultStore(dataDir),
    dataDir,
    server: { port: (server.port as number | undefined) ?? D.server.port, host: (server.host as string | undefined) ?? D.server.host },
    admin: {},
    ingest: { dedupWindowMs: ms(ingest.dedupWindow, D.ingest.dedupWindowMs), commitWindowMs: ms(ingest.commitWindow, D.ingest.commitWindowMs) },
    delivery: {
      maxAttempts: (delivery.maxAttempts as number | undefined) ?? D.delivery.maxAttempts,
      maxAgeMs: ms(delivery.maxAge, D.delivery.maxAgeMs),
      leaseMs: ms(delivery.lease, D.delivery.leaseMs),
      backoffBaseMs: ms(delivery.backoffBase, D.delivery.backoffBaseMs),
      backoffMaxMs: ms(delivery.backoffMax, D.delivery.backoffMaxMs),
      timeoutMs: ms(delivery.timeout, D.delivery.timeoutMs),
    },
    sources: arr(raw.sources).map((s): SourceConfig => {
      const out: SourceConfig = { id: s.id as string, writeKey: s.writeKey as string };
      if (typeof s.name === 'string') out.name = s.name;
      return out;
    }),
    destinations: arr(raw.destinations).map(destination),
    syncs: arr(raw.syncs).map((s) => sync(s, queries)),
    retention: {
      deliveredMs: ms(retention.delivered, D.retention.deliveredMs),
      rejectedMs: ms(retention.rejected, D.retention.rejectedMs),
      deadMs: ms(retention.dead, D.retention.deadMs),
      intervalMs: ms(retention.interval, D.retention.intervalMs),
    },
  };
  const token = obj(raw.admin).token;
  if (typeof token === 'string') config.admin.token = token;
  if (file !== undefined) config.file = file;
  return config;
}
