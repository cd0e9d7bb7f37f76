import pg from 'pg';
import type { Logger } from 'pino';
import type { PgDb } from './db.js';

/**
 * LISTEN/NOTIFY as a wake-up hint between processes (anchors §2.4):
 * - `signal()` after an ingest commit that created deliveries: at most one NOTIFY per NOTIFY_GAP_MS per process,
 *   sent as its own statement AFTER the commit (a NOTIFY inside the ingest transaction would take PostgreSQL's
 *   global notify lock at every commit);
 * - `onWake()` listens on a dedicated connection (not from the pool), opened on the first subscriber and reopened
 *   with backoff when it drops. Missed notifications only cost latency: the deliverer polls too.
 */
const NOTIFY_GAP_MS = 20;

export class PgWakeups {
  readonly channel: string;
  private listeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private connecting = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotify = 0;
  /** NOTIFY statements sent (tests read it). */
  sent = 0;

  constructor(
    private readonly db: PgDb,
    private readonly logger?: Logger,
  ) {
    this.channel = `optirelay_wake${db.schema ? `_${db.schema}` : ''}`.slice(0, 63);
  }

  signal(): void {
    if (this.closed || this.notifyTimer) return;
    const wait = Math.max(0, this.lastNotify + NOTIFY_GAP_MS - Date.now());
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      this.lastNotify = Date.now();
      this.sent++;
      this.db.q('SELECT pg_notify($1, $2)', [this.channel, '']).catch((err: unknown) => this.logger?.debug({ err }, 'store: NOTIFY failed'));
    }, wait);
    this.notifyTimer.unref();
  }

  onWake(listener: () => void): () => void {
    this.listeners.add(listener);
    void this.connect();
    return () => {
      this.listeners.delete(listener);
    };
  }

  private async connect(): Promise<void> {
    if (this.client || this.connecting || this.closed) return;
    this.connecting = true;
    const client = new pg.Client(this.db.clientConfig());
    try {
      client.on('error', (err) => this.dropped(client, err));
      client.on('end', () => this.dropped(client));
      client.on('notification', () => {
        for (const l of this.listeners) l();
      });
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      // Anything committed while we were not listening: wake once.
      for (const l of this.listeners) l();
    } catch (err) {
      this.logger?.warn({ err }, 'store: LISTEN connection failed; retrying (deliverers keep polling meanwhile)');
      client.end().catch(() => undefined);
      this.retry();
    } finally {
      this.connecting = false;
    }
  }

  private dropped(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (!this.closed) {
      this.logger?.warn({ err }, 'store: LISTEN connection lost; reconnecting');
      this.retry();
    }
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, 1000);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.listeners.clear();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
