import type { Logger } from 'pino';
import type { PgDb } from './db.js';

/**
 * The store's own vacuum of its churned tables (deliveries, lane_counts, ingest_counters, limiter_slots, dedup,
 * attempts, events). Every claim, heartbeat and completion leaves a dead row version behind; autovacuum is the
 * usual answer, but it may be off or slow on a shared server (it is off on the machine the measurements in
 * docs/scale-out.md come from), and a queue table that is not vacuumed grows without bound and slows every claim.
 * So every `intervalMs` one process of the fleet (pg_try_advisory_lock: the others skip the round) reads the dead
 * row counts and runs a plain VACUUM (no exclusive lock; SKIP_LOCKED) on tables past the threshold. Autovacuum, when
 * on, does the same work with the per-table settings of 001_core.ts; the two do not conflict.
 */
const TABLES = ['deliveries', 'lane_counts', 'ingest_counters', 'limiter_slots', 'dedup', 'attempts', 'events', 'privacy_targets', 'sync_runs'];

export interface VacuumOptions {
  intervalMs?: number;
  /** Vacuum a table when dead rows exceed `minDead + fraction × live`. Defaults 1000 and 0.05. */
  minDead?: number;
  fraction?: number;
}

export async function vacuumIfNeeded(db: PgDb, opts: VacuumOptions = {}): Promise<string[]> {
  const minDead = opts.minDead ?? 1000;
  const fraction = opts.fraction ?? 0.05;
  const client = await db.pool.connect();
  const done: string[] = [];
  try {
    const lock = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('optirelay:vacuum:' || current_schema())) AS ok`);
    if (!lock.rows[0]?.ok) return done;
    try {
      const stats = await client.query<{ relname: string; dead: number; live: number }>(
        `SELECT relname, n_dead_tup AS dead, n_live_tup AS live FROM pg_stat_user_tables
          WHERE schemaname = current_schema() AND relname = ANY($1::text[])`,
        [TABLES],
      );
      for (const s of stats.rows) {
        if (s.dead <= minDead + fraction * s.live) continue;
        await client.query(`VACUUM (SKIP_LOCKED) ${s.relname}`);
        done.push(s.relname);
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('optirelay:vacuum:' || current_schema()))`);
    }
  } finally {
    client.release();
  }
  return done;
}

export class Vacuumer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Tables vacuumed so far (tests and the churn benchmark read it). */
  readonly vacuumed: string[] = [];

  constructor(
    private readonly db: PgDb,
    private readonly opts: VacuumOptions = {},
    private readonly logger?: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const done = await vacuumIfNeeded(this.db, this.opts);
      this.vacuumed.push(...done);
      if (done.length > 0) this.logger?.debug({ tables: done }, 'store: vacuumed churned tables');
    } catch (err) {
      this.logger?.warn({ err }, 'store: vacuum of churned tables failed');
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
