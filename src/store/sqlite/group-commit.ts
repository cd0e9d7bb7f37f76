import type { AppendResult } from '../types.js';
import { appendPrepared, type PreparedAppend } from './append-events.js';
import type { SqliteDb } from './db.js';

interface Pending {
  input: PreparedAppend;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

export interface GroupCommitOptions {
  /** How long the first append of a group waits for others (ms). 0 = only appends made in the same tick. Default 2. */
  commitWindowMs?: number;
  /** Commit early once this many events are queued, so one transaction stays short. Default 5,000. */
  maxGroupEvents?: number;
}

/**
 * Group commit: appends made within one commit window share ONE transaction and so one WAL fsync
 * (synchronous=FULL). Each caller's promise settles only after that commit. If the shared transaction fails, each
 * input is retried in a transaction of its own, so only the input at fault rejects and the others still commit.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly windowMs: number;
  /** Totals since start: groups committed, appends and events in them, ms spent inside the write transactions. */
  readonly stats = { groups: 0, appends: 0, events: 0, busyMs: 0 };
  private readonly maxGroupEvents: number;

  constructor(
    private readonly db: SqliteDb,
    opts: GroupCommitOptions = {},
  ) {
    this.windowMs = opts.commitWindowMs ?? 2;
    this.maxGroupEvents = opts.maxGroupEvents ?? 5_000;
  }

  append(input: PreparedAppend): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.queuedEvents += input.events.length + input.rejected.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.immediate) return;
    if (this.queuedEvents >= this.maxGroupEvents || this.windowMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => this.flush());
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.windowMs);
  }

  /** Commit everything queued now (also used by close()). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const group = this.queue;
    this.queue = [];
    this.queuedEvents = 0;
    if (group.length === 0) return;
    let results: AppendResult[] | undefined;
    const t0 = performance.now();
    this.stats.groups++;
    this.stats.appends += group.length;
    for (const p of group) this.stats.events += p.input.events.length;
    try {
      results = this.db.write(() => group.map((p) => appendPrepared(this.db, p.input)));
    } catch {
      results = undefined;
    }
    this.stats.busyMs += performance.now() - t0;
    if (results) {
      group.forEach((p, i) => p.resolve(results[i] as AppendResult));
      return;
    }
    // The shared transaction rolled back: isolate the culprit.
    for (const p of group) {
      try {
        p.resolve(this.db.write(() => appendPrepared(this.db, p.input)));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  get pending(): number {
    return this.queue.length;
  }
}
