/**
 * SyncScheduler: the worker `optirelay serve` runs for syncs with a `schedule:` (cron, via croner). A tick that
 * finds the sync already running (here or in another process sharing the store) is skipped: the lease decides.
 * At start it also finishes runs a crashed process left behind (a `running` run whose lease ran out is resumed).
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import { SyncService } from './service.js';

export class SyncScheduler {
  readonly name = 'sync-scheduler';
  private jobs: Cron[] = [];

  constructor(
    private readonly service: SyncService,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    for (const s of this.service.config.syncs) {
      if (!s.enabled) continue;
      if (s.schedule) {
        this.jobs.push(
          new Cron(s.schedule, { protect: true, catch: (err) => this.logger?.error({ err, sync: s.id }, 'scheduled sync failed') }, async () => {
            const out = await this.service.run(s.id, { trigger: 'schedule' });
            if (out.status === 'busy') this.logger?.info({ sync: s.id, run: out.running.id }, 'scheduled sync skipped: a run is in progress');
          }),
        );
      }
      // A run left `running` by a crashed process: resume it now (if its lease already ran out) rather than at the next tick.
      const [last] = await this.service.store.listSyncRuns(s.id, { limit: 1 });
      if (last?.status === 'running') {
        void this.service.run(s.id, { trigger: last.trigger }).catch((err: unknown) => this.logger?.error({ err, sync: s.id }, 'sync resume failed'));
      }
    }
  }

  /** Next run time per scheduled sync (for the admin API). */
  next(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    const scheduled = this.service.config.syncs.filter((s) => s.enabled && s.schedule);
    this.jobs.forEach((j, i) => {
      const s = scheduled[i];
      if (s) out[s.id] = j.nextRun()?.toISOString() ?? null;
    });
    return out;
  }

  async stop(): Promise<void> {
    for (const j of this.jobs) j.stop();
    this.jobs = [];
    await this.service.stop();
  }
}

/** What `attachSyncScheduler` needs of the server's AppCore (structural: sync does not import the server). */
export interface SyncHost {
  syncs?: SyncService;
}


export interface SyncSchedulerHost extends SyncHost {
  config: OptirelayConfig;
  store: unknown;
  clock: Clock;
  logger?: Logger;
}

/**
 * The worker factory for `optirelay serve` (server/workers.ts): publishes the SyncService on the app as
 * `app.syncs` (the admin routes use it) and returns the scheduler. Undefined when no sync is configured.
 */
export function attachSyncScheduler(app: SyncSchedulerHost): SyncScheduler | undefined {
  if (app.config.syncs.length === 0) return undefined;
  const service = new SyncService({ config: app.config, store: app.store, clock: app.clock, logger: app.logger?.child({ component: 'sync' }) });
  app.syncs = service;
  return new SyncScheduler(service, app.logger?.child({ component: 'sync-scheduler' }));
}
