/**
 * The privacy worker `optirelay serve` runs: it polls for due deletion targets (transient failures waiting for their
 * backoff, requests recorded by the CLI) and due second purge passes. Several
 * processes may run it against one store: targets are claimed under a lease. Structurally a server `Worker`.
 * (The suppression list refreshes itself from ingest's checks; see suppression.ts.)
 */
import type { Logger } from 'pino';
import type { PrivacyService } from './service.js';

export interface PrivacyWorkerOptions {
  /** How often due work is looked for. Default 5 s (deletions are rare; the backoff is in tens of seconds). */
  pollMs?: number;
}

export class PrivacyWorker {
  readonly name = 'privacy';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly service: PrivacyService,
    private readonly logger: Logger,
    private readonly opts: PrivacyWorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.opts.pollMs ?? 5_000);
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass (tests may call it directly). Errors are logged; the next poll tries again. */
  async tick(): Promise<void> {
    try {
      const r = await this.service.processDue();
      if (r.attempted || r.repurged) this.logger.debug({ ...r }, 'privacy worker: pass done');
    } catch (err) {
      this.logger.error({ err }, 'privacy worker: pass failed; retrying at the next poll');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
