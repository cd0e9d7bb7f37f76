/**
 * GET /admin/v1/timeseries?window=1h|24h: bucketed counts for the console's charts — events received per source, and
 * deliveries per lane by the status they reached in each bucket (delivered, retry_wait, dead, …).
 * 1h → 60 one-minute buckets; 24h → 48 half-hour buckets. Computed from the store (Store.activitySeries).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { DeliveryStatus } from '../../store/types.js';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { errorResponses, errorSchema } from './schemas.js';

const WINDOWS = { '1h': { spanMs: 3_600_000, bucketMs: 60_000 }, '24h': { spanMs: 86_400_000, bucketMs: 1_800_000 } } as const;
type WindowName = keyof typeof WINDOWS;
const STATUSES: DeliveryStatus[] = ['pending', 'in_flight', 'delivered', 'retry_wait', 'dead'];

const counts = { type: 'array', items: { type: 'integer' }, description: 'One count per bucket, aligned with `buckets`.' } as const;

export interface TimeseriesBody {
  window: WindowName;
  bucketMs: number;
  /** Bucket start times (ISO), oldest first. */
  buckets: string[];
  events: { total: number[]; perSource: Record<string, number[]> };
  lanes: { lane: string; destinationId: string; byStatus: Record<DeliveryStatus, number[]> }[];
}

export const consoleTimeseriesRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get<{ Querystring: { window: WindowName } }>(
    '/timeseries',
    {
      schema: {
        summary: 'Bucketed counts of events received and deliveries by status, over the last hour or day (console charts)',
        tags: ['console'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { window: { type: 'string', enum: Object.keys(WINDOWS), default: '1h', description: '`1h` (1-minute buckets) or `24h` (30-minute buckets).' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              window: { type: 'string' },
              bucketMs: { type: 'integer' },
              buckets: { type: 'array', items: { type: 'string', format: 'date-time' } },
              events: {
                type: 'object',
                properties: { total: counts, perSource: { type: 'object', additionalProperties: counts } },
                required: ['total', 'perSource'],
              },
              lanes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    lane: { type: 'string' },
                    destinationId: { type: 'string' },
                    byStatus: { type: 'object', additionalProperties: counts, description: 'Deliveries that reached each status in each bucket (by updatedAt).' },
                  },
                  required: ['lane', 'destinationId', 'byStatus'],
                },
              },
            },
            required: ['window', 'bucketMs', 'buckets', 'events', 'lanes'],
          },
          501: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const store = deps.store;
      if (typeof store.activitySeries !== 'function') {
        return sendError(reply, 501, 'not_implemented', `the ${store.kind} store does not provide time series yet`);
      }
      const w = WINDOWS[req.query.window];
      const now = deps.clock.now();
      const last = Math.floor(now / w.bucketMs) * w.bucketMs;
      const n = w.spanMs / w.bucketMs;
      const first = last - (n - 1) * w.bucketMs;
      const series = await store.activitySeries({ since: first, bucketMs: w.bucketMs });
      const index = (bucket: number): number => Math.round((bucket - first) / w.bucketMs);
      const zeros = (): number[] => new Array<number>(n).fill(0);

      const total = zeros();
      const perSource: Record<string, number[]> = {};
      for (const s of deps.config.sources) perSource[s.id] = zeros();
      for (const r of series.events) {
        const i = index(r.bucket);
        if (i < 0 || i >= n) continue;
        total[i] += r.count;
        (perSource[r.sourceId] ??= zeros())[i] += r.count;
      }
      const lanes = new Map<string, TimeseriesBody['lanes'][number]>();
      for (const r of series.deliveries) {
        const i = index(r.bucket);
        if (i < 0 || i >= n) continue;
        let l = lanes.get(r.lane);
        if (!l) {
          l = { lane: r.lane, destinationId: r.destinationId, byStatus: Object.fromEntries(STATUSES.map((s) => [s, zeros()])) as Record<DeliveryStatus, number[]> };
          lanes.set(r.lane, l);
        }
        l.byStatus[r.status][i] += r.count;
      }
      const body: TimeseriesBody = {
        window: req.query.window,
        bucketMs: w.bucketMs,
        buckets: Array.from({ length: n }, (_, i) => new Date(first + i * w.bucketMs).toISOString()),
        events: { total, perSource },
        lanes: [...lanes.values()].sort((a, b) => a.lane.localeCompare(b.lane)),
      };
      return body;
    },
  );
};
