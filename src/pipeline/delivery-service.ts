/**
 * The delivery service `optirelay serve` runs as a background worker: it starts the destination runtimes and the
 * deliverer, and stops them in the reverse order. The admin API reaches the running runtimes through it (connection
 * tests, lane stats). Structurally a server `Worker` (name / start / stop) without importing the server layer.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import type { Store } from '../store/types.js';
import { DestinationRuntimes } from '../destinations/runtime.js';
import { Deliverer, type PayloadResolver } from './deliverer.js';
import { metrics as defaultMetrics, type Metrics } from './metrics.js';

export interface DeliveryServiceDeps {
  config: OptirelayConfig;
  store: Store;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the router's CompiledMapping type is opaque here.
  router: PayloadResolver<any>;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  owner?: string;
}

export function isPayloadResolver(r: unknown): r is PayloadResolver {
  const x = r as Partial<PayloadResolver> | undefined;
  return typeof x?.getMapping === 'function' && typeof x?.resolvePayload === 'function';
}

export class DeliveryService {
  readonly name = 'deliverer';
  destinations: DestinationRuntimes | undefined;
  deliverer: Deliverer | undefined;

  constructor(private deps: DeliveryServiceDeps) {}

  private unregisterGauges: (() => void)[] = [];

  async start(): Promise<void> {
    const { config, logger, clock } = this.deps;
    this.destinations = await DestinationRuntimes.start({ config, logger, clock });
    this.registerGauges(this.destinations);
    this.deliverer = new Deliverer({ ...this.deps, destinations: this.destinations });
    await this.deliverer.start();
  }

  /**
   * Runtime gauges: a destination runtime with a datafile manager (`runtime.datafile.ageMs()`, the FX type) feeds
   * optirelay_datafile_age_seconds at scrape time. Duck-typed: destinations must not import the pipeline.
   */
  private registerGauges(destinations: DestinationRuntimes): void {
    for (const off of this.unregisterGauges) off();
    this.unregisterGauges = [];
    const m = this.deps.metrics ?? defaultMetrics;
    for (const id of destinations.ids()) {
      const runtime = destinations.get(id)?.runtime as { datafile?: { ageMs?: () => number | undefined } } | undefined;
      const datafile = runtime?.datafile;
      if (typeof datafile?.ageMs !== 'function') continue;
      this.unregisterGauges.push(
        m.registerDatafileAge(id, () => {
          const ms = datafile.ageMs?.();
          return ms === undefined ? undefined : ms / 1000;
        }),
      );
    }
  }

  /** New deliveries were committed (ingest calls this); safe to call before start and after stop. */
  wake(lanes?: string[]): void {
    this.deliverer?.wake(lanes);
  }

  async stop(): Promise<void> {
    await this.deliverer?.stop();
    for (const off of this.unregisterGauges) off();
    this.unregisterGauges = [];
    await this.destinations?.stop();
  }

  /**
   * Live reload (server/reload.ts): start the new destination runtimes; stop the old deliverer (batches on the wire
   * finish and record their outcomes, claimed-but-unsent deliveries go back to pending); run `swap` (ingest starts
   * routing with the new mappings); start a deliverer on the new runtimes and router with the same rate-limiter
   * state; stop the old runtimes. Every claimed delivery is completed or released before the new deliverer claims,
   * so nothing is lost or sent twice. Before start(), only the deps change.
   */
  async reload(next: { config: OptirelayConfig; router: DeliveryServiceDeps['router'] }, swap: () => void): Promise<void> {
    if (!this.deliverer) {
      swap();
      this.deps = { ...this.deps, ...next };
      return;
    }
    const { logger, clock } = this.deps;
    const destinations = await DestinationRuntimes.start({ config: next.config, logger, clock });
    const old = { deliverer: this.deliverer, destinations: this.destinations };
    await old.deliverer.stop();
    swap();
    this.deps = { ...this.deps, ...next };
    this.destinations = destinations;
    this.registerGauges(destinations);
    this.deliverer = new Deliverer({ ...this.deps, destinations, limiter: old.deliverer.limiter });
    await this.deliverer.start();
    await old.destinations?.stop();
  }
}

/** What `attachDeliveryService` needs of the server's AppCore (structural: the pipeline does not import the server). */
export interface DeliveryHost extends Omit<DeliveryServiceDeps, 'router'> {
  router: unknown;
  delivery?: DeliveryService;
  ingest?: { accept(...args: never[]): Promise<{ accepted: number }> };
}

/**
 * The worker factory for `optirelay serve` (server/workers.ts): builds the service, publishes it on the app as
 * `app.delivery` (the admin routes use it) and makes ingest wake the deliverer after each commit that accepted
 * events, so new deliveries go out without waiting for the scheduler's poll. Returns undefined when the router
 * cannot resolve payloads (a test app with a stub router).
 */
export function attachDeliveryService(app: DeliveryHost): DeliveryService | undefined {
  if (!isPayloadResolver(app.router)) return undefined;
  const service = new DeliveryService({ ...app, router: app.router });
  app.delivery = service;
  const ingest = app.ingest;
  if (ingest) {
    // Ingest has no commit hook yet; wrap this instance's accept (the only entry point) to wake after a commit.
    const accept = ingest.accept.bind(ingest) as (...args: never[]) => Promise<{ accepted: number }>;
    ingest.accept = async (...args: never[]) => {
      const result = await accept(...args);
      if (result.accepted > 0) service.wake();
      return result;
    };
  }
  return service;
}
