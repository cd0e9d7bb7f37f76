/**
 * GET /metrics: Prometheus exposition of the process-wide metrics (src/pipeline/metrics.ts). No auth, like most
 * exporters: it carries counts and lane names, never event data or secrets. Keep the port off the public internet
 * (docs/delivery.md). Queue depth and oldest pending age are read from the store at scrape time.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/types.js';
import { metrics as defaultMetrics, recordIngest, type Metrics } from '../pipeline/metrics.js';

interface CountedResult {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: unknown[];
}

export interface MetricsRouteOptions {
  store: Pick<Store, 'laneStats'>;
  clock: Clock;
  metrics?: Metrics;
  /** The Tracking API's ingest: its per-request results feed the optirelay_events_*_total counters. */
  ingest?: { accept(sourceId: string, ...rest: never[]): Promise<CountedResult> };
}

const counted = new WeakSet<object>();

/**
 * Count ingest results per source. Ingest has no metrics hook, so this wraps its `accept` (the one entry point),
 * once per ingest instance. Requests refused whole (400/413) never reach accept and are not counted.
 */
function countIngest(ingest: NonNullable<MetricsRouteOptions['ingest']>, m: Metrics): void {
  if (counted.has(ingest)) return;
  counted.add(ingest);
  const accept = ingest.accept.bind(ingest);
  ingest.accept = async (sourceId: string, ...rest: never[]) => {
    const r = await accept(sourceId, ...rest);
    recordIngest(sourceId, { received: r.received, accepted: r.accepted, duplicate: r.duplicates, rejected: r.rejected.length }, m);
    return r;
  };
}

export async function metricsRoute(app: FastifyInstance, opts: MetricsRouteOptions): Promise<void> {
  const m = opts.metrics ?? defaultMetrics;
  if (opts.ingest) countIngest(opts.ingest, m);
  const unregister = m.setLaneStatsSource(() => opts.store.laneStats(opts.clock.now()));
  app.addHook('onClose', async () => unregister());
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const { contentType, body } = await m.exposition();
    return reply.type(contentType).send(body);
  });
}
