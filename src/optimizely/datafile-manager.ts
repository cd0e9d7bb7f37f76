/**
 * Keeps one Feature Experimentation datafile per destination in memory, the way the SDKs' polling datafile
 * manager does (reference §2.2), so that no event ever costs a datafile fetch:
 * - `start()` begins fetching at once and never throws; until the first good datafile arrives, `get()` waits for
 *   the fetch in flight and otherwise rejects with DatafileUnavailableError (a RetryableError, so deliveries wait
 *   and retry rather than die) naming the URL and the last failure;
 * - refreshes in the background every `refreshIntervalMs` (default 5 min) with `If-Modified-Since` (304 = keep);
 * - on failure keeps the last good datafile and retries with exponential backoff from 1 s up to the interval
 *   (plus up to 500 ms of jitter), like the SDK's `ExponentialBackoff(1000, updateInterval, 500)`;
 * - sends `Authorization: Bearer <datafile access token>` for authenticated datafiles (that token is not the REST
 *   personal access token);
 * - a response that is not a JSON datafile (a deactivated project answers HTML or an error page) is a clear
 *   error naming the URL (never a token; the query string is left out).
 */
import type { Logger } from 'pino';
import { RetryableError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { redactString } from '../core/redact.js';
import type { HttpClient } from './http.js';
import { parseProjectConfig, type ProjectConfig } from './project-config.js';

export const DEFAULT_DATAFILE_REFRESH_MS = 5 * 60_000;
const MIN_BACKOFF_MS = 1_000;
const BACKOFF_JITTER_MS = 500;
const MIN_REFRESH_MS = 1_000;

export interface DatafileManagerOptions {
  url: string;
  /** Datafile access token, for `…/datafiles/auth/<sdkKey>.json`. */
  accessToken?: string;
  refreshIntervalMs?: number;
  http: HttpClient;
  clock: Clock;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  timeoutMs?: number;
  /** Off for tests that drive refreshes by hand with `refresh()`. Default true. */
  autoRefresh?: boolean;
}

export class DatafileUnavailableError extends RetryableError {
  constructor(message: string) {
    super(message, 'OR_DATAFILE_UNAVAILABLE', 503);
  }
}

export interface DatafileStatus {
  /** The URL without query string. */
  url: string;
  ready: boolean;
  revision?: string;
  projectId?: string;
  accountId?: string;
  lastModified?: string;
  /** Epoch ms of the last response that confirmed the datafile (200 or 304). */
  lastSuccessAt?: number;
  lastAttemptAt?: number;
  consecutiveFailures: number;
  lastError?: string;
  /** Delay before the next scheduled fetch. */
  nextDelayMs?: number;
  fetches: number;
}

export class DatafileManager {
  readonly url: string;
  private readonly accessToken?: string;
  readonly refreshIntervalMs: number;
  private readonly http: HttpClient;
  private readonly clock: Clock;
  private readonly logger?: DatafileManagerOptions['logger'];
  private readonly timeoutMs?: number;
  private readonly autoRefresh: boolean;

  private config?: ProjectConfig;
  private lastModified?: string;
  private lastSuccessAt?: number;
  private lastAttemptAt?: number;
  private lastError?: string;
  private consecutiveFailures = 0;
  private nextDelayMs?: number;
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;
  private fetchCount = 0;
  private readyWaiters: { resolve: (c: ProjectConfig) => void; reject: (e: Error) => void }[] = [];

  constructor(opts: DatafileManagerOptions) {
    this.url = opts.url;
    this.accessToken = opts.accessToken || undefined;
    this.refreshIntervalMs = Math.max(opts.refreshIntervalMs ?? DEFAULT_DATAFILE_REFRESH_MS, MIN_REFRESH_MS);
    this.http = opts.http;
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.timeoutMs = opts.timeoutMs;
    this.autoRefresh = opts.autoRefresh ?? true;
    if ((opts.refreshIntervalMs ?? DEFAULT_DATAFILE_REFRESH_MS) < 30_000) {
      this.logger?.warn({ url: this.displayUrl }, 'datafile refresh interval below 30 s: the CDN only changes every few minutes');
    }
  }

  /** The datafile URL as shown in messages and logs: no query string, no user-info, secrets scrubbed. */
  get displayUrl(): string {
    try {
      const u = new URL(this.url);
      return redactString(`${u.protocol}//${u.host}${u.pathname}`);
    } catch {
      return redactString(this.url.split('?')[0] ?? '');
    }
  }

  /** Begin fetching (at once) and refreshing. Never throws; failures surface through `get()` and `status()`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const err = new DatafileUnavailableError(`datafile manager for ${this.displayUrl} stopped`);
    for (const w of this.readyWaiters.splice(0)) w.reject(err);
  }

  /** The current datafile, if one has arrived. Never fetches. */
  current(): ProjectConfig | undefined {
    return this.config;
  }

  /**
   * The current datafile. Before the first good one arrives: waits for the fetch in flight, else rejects with
   * DatafileUnavailableError giving the last failure. Never starts a fetch of its own (thousands of calls, zero
   * extra requests).
   */
  async get(): Promise<ProjectConfig> {
    if (this.config) return this.config;
    if (this.inFlight) await this.inFlight;
    if (this.config) return this.config;
    throw this.unavailable();
  }

  /**
   * Resolves with the first good datafile, however many failed attempts that takes. With `timeoutMs`, rejects
   * after that long with DatafileUnavailableError giving the last failure; `stop()` rejects it too.
   */
  ready(timeoutMs?: number): Promise<ProjectConfig> {
    if (this.config) return Promise.resolve(this.config);
    if (this.stopped) return Promise.reject(this.unavailable());
    if (!this.started) this.start();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.readyWaiters.push(waiter);
      if (timeoutMs !== undefined) {
        const t = setTimeout(() => {
          const i = this.readyWaiters.indexOf(waiter);
          if (i >= 0) this.readyWaiters.splice(i, 1);
          reject(this.unavailable());
        }, timeoutMs);
        t.unref();
        const done = waiter.resolve;
        waiter.resolve = (c) => {
          clearTimeout(t);
          done(c);
        };
      }
    });
  }

  /** Milliseconds since a response last confirmed the datafile (200 or 304); undefined before the first. */
  ageMs(): number | undefined {
    return this.lastSuccessAt === undefined ? undefined : Math.max(0, this.clock.now() - this.lastSuccessAt);
  }

  status(): DatafileStatus {
    return {
      url: this.displayUrl,
      ready: this.config !== undefined,
      revision: this.config?.revision,
      projectId: this.config?.projectId,
      accountId: this.config?.accountId,
      lastModified: this.lastModified,
      lastSuccessAt: this.lastSuccessAt,
      lastAttemptAt: this.lastAttemptAt,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      nextDelayMs: this.nextDelayMs,
      fetches: this.fetchCount,
    };
  }

  /** Fetch now (coalesced with a fetch already in flight), then reschedule. Resolves either way. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = this.fetchOnce().finally(() => {
      this.inFlight = undefined;
      this.schedule();
      const config = this.config;
      if (config) for (const w of this.readyWaiters.splice(0)) w.resolve(config);
    });
    return this.inFlight;
  }

  private unavailable(): DatafileUnavailableError {
    const why = this.lastError ?? 'no fetch has completed yet';
    return new DatafileUnavailableError(`the datafile from ${this.displayUrl} is not available yet: ${why}`);
  }

  private schedule(): void {
    if (this.stopped) return;
    let delay = this.refreshIntervalMs;
    if (this.consecutiveFailures > 0) {
      const exp = MIN_BACKOFF_MS * 2 ** Math.min(this.consecutiveFailures - 1, 30);
      delay = Math.min(exp, this.refreshIntervalMs) + Math.floor(Math.random() * BACKOFF_JITTER_MS);
    }
    this.nextDelayMs = delay;
    if (!this.autoRefresh) return;
    this.timer = setTimeout(() => void this.refresh(), delay);
    this.timer.unref();
  }

  private async fetchOnce(): Promise<void> {
    this.lastAttemptAt = this.clock.now();
    this.fetchCount++;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.accessToken) headers['authorization'] = `Bearer ${this.accessToken}`;
    if (this.lastModified && this.config) headers['if-modified-since'] = this.lastModified;
    try {
      const { response } = await this.http.send({ method: 'GET', url: this.url, headers, timeoutMs: this.timeoutMs });
      if (response.status === 304 && this.config) return this.succeeded();
      if (response.status !== 200) throw new Error(this.describeStatus(response.status));
      let json: unknown;
      try {
        json = JSON.parse(response.text);
      } catch {
        const ct = String(response.headers['content-type'] ?? 'no content-type');
        throw new Error(
          `the datafile URL ${this.displayUrl} answered 200 with content that is not JSON (${ct}): ` +
            'the project may be deactivated or the URL is not a datafile; check settings.dataFileUrl',
        );
      }
      let config: ProjectConfig;
      try {
        config = parseProjectConfig(json);
      } catch (e) {
        throw new Error(`the datafile at ${this.displayUrl} is invalid: ${(e as Error).message}`);
      }
      const lm = response.headers['last-modified'];
      this.lastModified = Array.isArray(lm) ? lm[0] : lm;
      const previous = this.config;
      this.config = config;
      if (!previous) this.logger?.info({ url: this.displayUrl, revision: config.revision, projectId: config.projectId }, 'datafile loaded');
      else if (previous.revision !== config.revision) {
        this.logger?.info({ url: this.displayUrl, from: previous.revision, to: config.revision }, 'datafile revision changed');
      }
      this.succeeded();
    } catch (err) {
      this.consecutiveFailures++;
      this.lastError = redactString((err as Error).message);
      this.logger?.warn(
        { url: this.displayUrl, failures: this.consecutiveFailures, keptRevision: this.config?.revision },
        `datafile fetch failed: ${this.lastError}`,
      );
    }
  }

  private succeeded(): void {
    this.lastSuccessAt = this.clock.now();
    this.consecutiveFailures = 0;
    this.lastError = undefined;
  }

  private describeStatus(status: number): string {
    const base = `the datafile URL ${this.displayUrl} answered ${status}`;
    if (status === 401) return `${base}: the datafile access token was refused; check settings.datafileAccessToken`;
    if (status === 403) {
      return this.accessToken
        ? `${base}: the datafile access token has no access to this datafile; check settings.datafileAccessToken and the SDK key`
        : `${base}: unknown SDK key, or an authenticated datafile that needs settings.datafileAccessToken`;
    }
    if (status === 404) return `${base}: no datafile at this URL; check the SDK key in settings.dataFileUrl`;
    if (status === 304) return `${base} (304) before any datafile was cached`;
    return base;
  }
}
