/**
 * Background workers `optirelay serve` runs beside the HTTP server (deliverer, sync scheduler, retention purge, …).
 * To add one, append a factory to WORKER_FACTORIES: one line. A factory may return undefined to opt out
 * (e.g. nothing configured). Workers start after the server listens and stop, in reverse order, after it closed.
 */
import type { AppCore } from './types.js';
import { attachDeliveryService } from '../pipeline/delivery-service.js';
import { createPrivacyWorker } from '../privacy/attach.js';
import { attachSyncScheduler } from '../sync/scheduler.js';
import { attachRetention } from '../pipeline/retention.js';
import { attachReloader } from './reload.js';
import { attachStoreWakeups } from './store-wakeups.js';

export interface Worker {
  /** For logs: `deliverer`, `sync-scheduler`, … */
  readonly name: string;
  start(): Promise<void>;
  /** Finish or hand back in-flight work (release leases) and resolve when idle. */
  stop(): Promise<void>;
}

export type WorkerFactory = (app: AppCore) => Worker | undefined;

export const WORKER_FACTORIES: WorkerFactory[] = [
  (app) => attachDeliveryService(app),
  (app) => createPrivacyWorker(app),
  (app) => attachSyncScheduler(app),
  (app) => attachRetention(app),
  (app) => attachStoreWakeups(app),
  // Last: reload reaches the services the factories above published on the app.
  (app) => attachReloader(app),
];
