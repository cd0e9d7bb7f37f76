/**
 * GET /metrics: Prometheus exposition of the process-wide metrics (src/pipeline/metrics.ts). No auth, like most
 * exporters: it carries counts and lane names, never event data or secrets. Keep the port off the public internet
 * (docs/delivery.md). Queue depth and oldest pending age are read from the store at scrape time.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/types.js';
import { metrics as defaultMetrics, type Metrics } from '../pipeline/metrics.js';

export interface MetricsRouteOptions {
  store: Pick<Store, 'laneStats'>;
  clock: Clock;
  metrics?: Metrics;
}

export async function metricsRoute(app: FastifyInstance, opts: MetricsRouteOptions): Promise<void> {
  const m = opts.metrics ?? defaultMetrics;
  const unregister = m.setLaneStatsSource(() => opts.store.laneStats(opts.clock.now()));
  app.addHook('onClose', async () => unregister());
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const { contentType, body } = await m.exposition();
    return reply.type(contentType).send(body);
  });
}
