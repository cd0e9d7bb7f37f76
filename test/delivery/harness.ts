/** Composes the real pieces for delivery tests: SQLite store, router, ingest, destination runtimes, deliverer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DestinationConfig, OptirelayConfig } from '../../src/config/types.js';
import type { Clock } from '../../src/core/clock.js';
import { registerDestinationType } from '../../src/destinations/registry.js';
import { DestinationRuntimes } from '../../src/destinations/runtime.js';
import { createLogger } from '../../src/logger.js';
import { Deliverer } from '../../src/pipeline/deliverer.js';
import { Ingest } from '../../src/pipeline/ingest.js';
import { Metrics } from '../../src/pipeline/metrics.js';
import { Router } from '../../src/pipeline/router.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { testDestination } from './test-destination.js';

registerDestinationType(testDestination);

/** Wall clock plus an offset the test can move forward (to age deliveries without sleeping). */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export function testDest(id: string, api: string, extra: Partial<DestinationConfig> = {}): DestinationConfig {
  return {
    id,
    type: 'test-http',
    settings: {},
    endpoints: { api },
    mappings: [{ id: 'm1', action: 'send', trigger: 'type = "track"', fields: {}, enabled: true, origin: 'config' }],
    presets: [],
    lanes: {},
    enabled: true,
    ...extra,
  };
}

export function makeConfig(dir: string, destinations: DestinationConfig[], delivery: Partial<OptirelayConfig['delivery']> = {}): OptirelayConfig {
  return {
    store: `sqlite:${join(dir, 'optirelay.db')}`,
    dataDir: dir,
    server: { port: 0, host: '127.0.0.1' },
    admin: { token: 'admin-token-for-tests' },
    ingest: { dedupWindowMs: 86_400_000, commitWindowMs: 1 },
    delivery: { maxAttempts: 5, maxAgeMs: 86_400_000, leaseMs: 30_000, backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 2_000, ...delivery },
    sources: [{ id: 'web', writeKey: 'wk_test_delivery' }],
    destinations,
    syncs: [],
    retention: { deliveredMs: 604_800_000, rejectedMs: 2_592_000_000, deadMs: 2_592_000_000, intervalMs: 60_000 },
  };
}

export interface Harness {
  dir: string;
  config: OptirelayConfig;
  store: Store;
  router: Router;
  ingest: Ingest;
  destinations: DestinationRuntimes;
  deliverer: Deliverer;
  metrics: Metrics;
  clock: OffsetClock;
  logs: string[];
  /** Send track events (ids become messageIds); returns when durably stored. */
  send(ids: string[], props?: (id: string) => Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function harness(opts: { destinations: DestinationConfig[]; delivery?: Partial<OptirelayConfig['delivery']>; start?: boolean; owner?: string; dir?: string }): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'optirelay-delivery-'));
  const config = makeConfig(dir, opts.destinations, opts.delivery);
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(c: Buffer, _e, cb) {
        logs.push(c.toString());
        cb();
      },
    }),
  });
  const clock = new OffsetClock();
  const store = await openStore(config.store, { dataDir: dir, commitWindowMs: 1 });
  const router = new Router(config);
  const ingest = new Ingest({ store, router, config, clock });
  const destinations = await DestinationRuntimes.start({ config, logger, clock });
  const metrics = new Metrics({ defaultMetrics: false });
  const deliverer = new Deliverer({ store, router, destinations, config, logger, clock, metrics, owner: opts.owner, pollMinMs: 5, pollMaxMs: 50 });
  if (opts.start !== false) await deliverer.start();
  let closed = false;
  return {
    dir,
    config,
    store,
    router,
    ingest,
    destinations,
    deliverer,
    metrics,
    clock,
    logs,
    async send(ids, props) {
      const messages = ids.map((id) => ({ type: 'track', event: 'Order Completed', userId: `u-${id}`, messageId: id, properties: props ? props(id) : { value: 1 } }));
      for (let i = 0; i < messages.length; i += 500) await ingest.accept('web', messages.slice(i, i + 500));
      deliverer.wake();
    },
    async close() {
      if (closed) return;
      closed = true;
      await deliverer.stop();
      await destinations.stop();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

/** Poll until `fn` is true (bounded by a generous timeout, never asserted on). */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
