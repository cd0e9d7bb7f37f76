/**
 * Live config reload (issue 11): `SIGHUP` or `POST /admin/v1/config/reload` re-reads the config file.
 *
 * 1. Load and validate the file exactly as `optirelay serve` does at start (schema, destinations, mappings,
 *    triggers), then compile a new Router. Any issue → ConfigReloadRefused with every issue (file:line); nothing
 *    changed, the running config stays.
 * 2. Swap, in this order, so no event is lost or delivered twice:
 *    a. the delivery service starts the new destination runtimes, lets the old deliverer finish the batches it has
 *       on the wire (outcomes recorded) and hands back what it claimed but did not send (pending again);
 *    b. then, synchronously: ingest routes with the new mappings, the admin API sees the new config;
 *    c. a deliverer on the new runtimes and router starts (same rate-limiter state), the old runtimes stop.
 *    Deliveries queued before the swap are resolved by mapping id at send time, so a changed mapping applies to
 *    them too; a removed mapping or destination dead-letters its queued deliveries with a clear reason (replayable).
 * 3. Retention ages and the sync schedules follow (the sync scheduler is restarted only when syncs changed).
 *
 * Some settings cannot change under a running process (store, dataDir, server, admin token, sources'
 * write keys, ingest.commitWindowMs): a change there is reported as `restartRequired`, the rest still applies.
 * Reloads are serialised: a second request waits for the first.
 */
import type { OptirelayConfig } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import { ConfigError, OptirelayError, type ConfigIssue } from '../core/errors.js';
import { validateDestinations } from '../destinations/validate-config.js';
import { Router } from '../pipeline/router.js';
import { attachSyncScheduler } from '../sync/scheduler.js';
import type { AppCore } from './types.js';
import type { Worker } from './workers.js';

export class ConfigReloadRefused extends OptirelayError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('OR_CONFIG_RELOAD_REFUSED', `config reload refused: ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}; the running config stays`, 400, { issues });
    this.issues = issues;
  }
}

export interface ReloadResult {
  reloaded: true;
  file: string;
  /** Top-level areas that changed and were applied (`destinations`, `syncs`, `retention`, `delivery`, …). */
  changed: string[];
  /** Keys that changed but need a restart to take effect (the running value stays). */
  restartRequired: string[];
  /** Enabled mappings now routed. */
  mappings: number;
  ms: number;
}

/** Keys whose running value cannot change without a restart. */
const RESTART_KEYS: { key: string; pick: (c: OptirelayConfig) => unknown }[] = [
  { key: 'store', pick: (c) => c.store },
  { key: 'dataDir', pick: (c) => c.dataDir },
  { key: 'server', pick: (c) => c.server },
  { key: 'admin.token', pick: (c) => c.admin.token },
  { key: 'sources', pick: (c) => c.sources },
  { key: 'ingest.commitWindow', pick: (c) => c.ingest.commitWindowMs },
];
const AREAS = ['ingest', 'delivery', 'destinations', 'syncs', 'retention'] as const;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Where reload reaches the running pieces: the app core (routes and workers share it) and its worker list. */
export interface ReloadHost extends AppCore {
  workers?: Worker[];
  reloader?: ConfigReloader;
}

export class ConfigReloader {
  private chain: Promise<unknown> = Promise.resolve();
  /** Count of applied reloads (for tests and the log). */
  reloads = 0;

  constructor(
    private readonly app: ReloadHost,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** `runSyncs: false` (an ingest-only `serve --no-workers`): a reload never starts a sync scheduler here. */
    private readonly opts: { runSyncs?: boolean } = {},
  ) {}

  /** Re-read the config file and apply it; throws ConfigReloadRefused (old config stays) on any problem. */
  reload(): Promise<ReloadResult> {
    const run = this.chain.then(() => this.apply());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async apply(): Promise<ReloadResult> {
    const t0 = performance.now();
    const app = this.app;
    const prev = app.config;
    if (!prev.file) throw new ConfigReloadRefused([{ file: 'config', path: '', message: 'this process was started without a config file, so there is nothing to re-read' }]);
    let next: OptirelayConfig;
    let router: Router;
    try {
      const loaded = await loadConfig({ file: prev.file, env: this.env });
      const issues = validateDestinations(loaded.config, loaded.locate, loaded.file);
      if (issues.length > 0) throw new ConfigError(issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
      next = loaded.config;
      router = new Router(next);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigReloadRefused(err.issues);
      throw err;
    }

    const restartRequired = RESTART_KEYS.filter((k) => !same(k.pick(prev), k.pick(next))).map((k) => k.key);
    // Keep what cannot change live, so the running state and app.config agree.
    const effective: OptirelayConfig = {
      ...next,
      store: prev.store,
      dataDir: prev.dataDir,
      server: prev.server,
      admin: prev.admin,
      sources: prev.sources,
      ingest: { ...next.ingest, commitWindowMs: prev.ingest.commitWindowMs },
    };
    const changed = AREAS.filter((a) => !same(prev[a], effective[a]));

    const swap = (): void => {
      app.ingest.setRouter(router);
      app.ingest.setConfig?.(effective);
      app.router = router;
      app.config = effective;
    };
    if (app.delivery) await app.delivery.reload({ config: effective, router }, swap);
    else swap();

    if (app.retention && changed.includes('retention')) await app.retention.reload(effective.retention);
    if (changed.includes('syncs') || changed.includes('destinations')) await this.restartSyncs(prev, effective);

    this.reloads++;
    const result: ReloadResult = {
      reloaded: true,
      file: prev.file,
      changed,
      restartRequired,
      mappings: router.mappings().filter((m) => m.enabled).length,
      ms: Math.round(performance.now() - t0),
    };
    app.logger.info({ changed, restartRequired, mappings: result.mappings, ms: result.ms }, 'config reloaded');
    if (restartRequired.length) app.logger.warn({ restartRequired }, 'config reload: these settings changed but need a restart to take effect');
    return result;
  }

  /** The sync scheduler reads its syncs at start: replace it (a run in progress here is cancelled and resumes later). */
  private async restartSyncs(prev: OptirelayConfig, next: OptirelayConfig): Promise<void> {
    const rest = (c: OptirelayConfig): unknown => [c.syncs, c.destinations.filter((d) => d.type === 'optimizely-rest')];
    if (same(rest(prev), rest(next)) || this.opts.runSyncs === false) return;
    const workers = this.app.workers;
    const i = workers?.findIndex((w) => w.name === 'sync-scheduler') ?? -1;
    if (workers && i >= 0) await workers[i]!.stop();
    this.app.syncs = undefined;
    const scheduler = attachSyncScheduler(this.app);
    if (!workers) return;
    if (scheduler) {
      await scheduler.start();
      if (i >= 0) workers[i] = scheduler;
      else workers.push(scheduler);
    } else if (i >= 0) workers.splice(i, 1);
  }
}

/**
 * Worker factory (server/workers.ts): publishes `app.reloader` (POST /admin/v1/config/reload uses it) and, while
 * running, reloads on SIGHUP. Undefined when the config was not read from a file. `serve --no-workers` runs it alone
 * with `runSyncs: false`: an ingest process routes with the mappings, so it must reload them too (and without a
 * SIGHUP handler, Node's default action would end the process).
 */
export function attachReloader(app: ReloadHost, opts: { runSyncs?: boolean } = {}): Worker | undefined {
  if (!app.config.file) return undefined;
  const reloader = new ConfigReloader(app, process.env, opts);
  app.reloader = reloader;
  const onHup = (): void => {
    app.logger.info({ file: app.config.file }, 'SIGHUP: reloading the config');
    reloader.reload().catch((err: unknown) => {
      if (err instanceof ConfigReloadRefused) {
        app.logger.error({ issues: err.issues }, 'config reload refused; the running config stays');
      } else app.logger.error({ err }, 'config reload failed');
    });
  };
  return {
    name: 'config-reload',
    async start() {
      process.on('SIGHUP', onHup);
    },
    async stop() {
      process.off('SIGHUP', onHup);
    },
  };
}
