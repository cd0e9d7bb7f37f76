/**
 * What the HTTP layer is built from. Route modules (tracking, health, every admin resource) receive these deps;
 * add a field here (optional, additive) when a new admin resource needs a running service.
 */
import type { Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import type { Store } from '../store/types.js';
import type { EventRouter, Ingest } from '../pipeline/ingest.js';
import type { AdminToken } from './admin/token.js';
import type { Logger } from '../logger.js';
import type { DeliveryService } from '../pipeline/delivery-service.js';
import type { RetentionWorker } from '../pipeline/retention.js';
import type { ConfigReloader } from './reload.js';
import type { PrivacyService } from '../privacy/service.js';
import type { SyncService } from '../sync/service.js';

export interface ServerDeps {
  config: OptirelayConfig;
  store: Store;
  ingest: Ingest;
  logger: Logger;
  clock: Clock;
  /** The admin API bearer token (from config, or generated into `<dataDir>/admin-token`). */
  adminToken: string;
  /** The running delivery service (destination runtimes + deliverer), when the deliverer worker runs. */
  delivery?: DeliveryService;
  /** The retention worker (issue 11), when workers run and the store supports maintenance. */
  retention?: RetentionWorker;
  /** Live config reload (SIGHUP, POST /admin/v1/config/reload), when workers run and the config came from a file. */
  reloader?: ConfigReloader;
  /** User deletion and suppression (src/privacy), attached by createApp. */
  privacy?: PrivacyService;
  /** The sync service (runs, plans, history), when the sync scheduler worker runs; admin routes create one otherwise. */
  syncs?: SyncService;
}

/** What background workers are built from (workers.ts): the deps plus the router and the admin token details. */
export interface AppCore extends ServerDeps {
  router: EventRouter;
  admin: AdminToken;
}

declare module 'fastify' {
  /** OpenAPI annotations on route schemas (read by admin/openapi.ts). */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Leave the route out of the OpenAPI document. */
    hide?: boolean;
  }
}
