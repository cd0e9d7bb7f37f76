/**
 * Plugging privacy into a running app (structural types: privacy does not import the server layer).
 * - `attachPrivacy(app)`: loads the suppression list, installs its check into ingest, and publishes the service as
 *   `app.privacy` (the admin routes use it). Called by createApp before the server listens, so no event is accepted
 *   before the list is loaded.
 * - `createPrivacyWorker(app)`: the worker factory (server/workers.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import type { PrivacyStore } from '../store/privacy-types.js';
import { PrivacyService, type PrivacyServiceDeps } from './service.js';
import { SuppressionSet } from './suppression.js';
import { PrivacyWorker, type PrivacyWorkerOptions } from './worker.js';

export interface PrivacyHost {
  config: OptirelayConfig;
  store: PrivacyStore;
  logger: Logger;
  clock: Clock;
  ingest?: { setSuppression(fn: ((userId: string | undefined, anonymousId: string | undefined) => boolean) | undefined): void };
  privacy?: PrivacyService;
}

export async function attachPrivacy(app: PrivacyHost, opts: Partial<PrivacyServiceDeps> = {}): Promise<PrivacyService> {
  const logger = app.logger.child({ component: 'privacy' });
  const suppression = new SuppressionSet(app.store, logger, { now: () => app.clock.now() });
  await suppression.load();
  suppression.startPolling(); // stopped by stopApp (server/app-context.ts) before the store closes
  const service = new PrivacyService({ config: app.config, store: app.store, logger, clock: app.clock, suppression, ...opts });
  app.ingest?.setSuppression(suppression.has);
  app.privacy = service;
  return service;
}

export function createPrivacyWorker(app: Pick<PrivacyHost, 'privacy' | 'logger'>, opts?: PrivacyWorkerOptions): PrivacyWorker | undefined {
  return app.privacy ? new PrivacyWorker(app.privacy, app.logger.child({ component: 'privacy-worker' }), opts) : undefined;
}
