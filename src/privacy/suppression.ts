/**
 * The in-memory suppression list ingest checks per event. Two Sets (userId, anonymousId): the hot-path check is two
 * hash lookups, and nothing when the list is empty. The store keeps a version number that every suppression change
 * bumps; `refresh()` reads that one row and reloads the list only when it moved. The check itself starts a refresh
 * (in the background, never awaited) when the last one is older than `refreshMs`: ingest traffic drives the polling,
 * so no timer is needed, an idle process reads nothing, and a process converges on changes made by another process
 * (the CLI, a second server) within `refreshMs` of its next event; changes made through this process apply at once.
 * A running server also polls (`startPolling`, one version read per `refreshMs`): without it, the first event
 * after a quiet spell would be checked against the old list and a user suppressed from the CLI could slip through.
 */
import type { Logger } from 'pino';
import type { IdentifierKind, PrivacyStore } from '../store/privacy-types.js';

export type SuppressionSource = Pick<PrivacyStore, 'listSuppressions' | 'suppressionVersion'>;

export const DEFAULT_SUPPRESSION_REFRESH_MS = 5_000;

export class SuppressionSet {
  private users = new Set<string>();
  private anons = new Set<string>();
  private version = -1;
  private refreshing: Promise<boolean> | undefined;
  private nextCheckAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: SuppressionSource,
    private readonly logger?: Logger,
    opts: { refreshMs?: number; now?: () => number } = {},
  ) {
    this.refreshMs = opts.refreshMs ?? DEFAULT_SUPPRESSION_REFRESH_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The check ingest calls for every event (bound: pass it around as a plain function). */
  readonly has = (userId: string | undefined, anonymousId: string | undefined): boolean => {
    if (this.now() >= this.nextCheckAt) this.refreshInBackground();
    return (
      (userId !== undefined && this.users.size > 0 && this.users.has(userId)) ||
      (anonymousId !== undefined && this.anons.size > 0 && this.anons.has(anonymousId))
    );
  };

  private refreshInBackground(): void {
    this.nextCheckAt = this.now() + this.refreshMs;
    this.refresh().catch((err: unknown) => this.logger?.warn({ err }, 'privacy: suppression refresh failed; keeping the last list'));
  }

  /**
   * Refresh every `refreshMs` in the background (an unref'd timer, so it never keeps the process alive), so a change
   * made by another process applies within `refreshMs` even when no event arrives. `stopPolling` before the store closes.
   */
  startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.now() >= this.nextCheckAt) this.refreshInBackground();
    }, this.refreshMs);
    this.timer.unref();
  }

  /** Stop the timer and wait for a refresh in flight (so none runs against a closed store). */
  async stopPolling(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing?.catch(() => undefined);
  }

  get size(): number {
    return this.users.size + this.anons.size;
  }

  contains(kind: IdentifierKind, identifier: string): boolean {
    return (kind === 'userId' ? this.users : this.anons).has(identifier);
  }

  /** Read the whole list (version first: a change racing the read only causes one more reload later). */
  async load(): Promise<void> {
    const version = await this.store.suppressionVersion();
    const list = await this.store.listSuppressions();
    const users = new Set<string>();
    const anons = new Set<string>();
    for (const s of list) (s.kind === 'userId' ? users : anons).add(s.identifier);
    this.users = users;
    this.anons = anons;
    this.version = version;
    this.nextCheckAt = this.now() + this.refreshMs;
  }

  /** Reload when the store's version moved. Returns whether it reloaded. Concurrent calls share one read. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const v = await this.store.suppressionVersion();
        if (v === this.version) return false;
        await this.load();
        this.logger?.debug({ suppressions: this.size }, 'privacy: suppression list reloaded');
        return true;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
