/**
 * Store maintenance (issue 11): retention purges, space reclaim and size/row statistics, behind the store seam so
 * SQLite and PostgreSQL both implement it. Optional on `Store` (check with `hasMaintenance`): a backend without it
 * still serves; the retention worker then does nothing and the admin route answers 501.
 *
 * Retention rules (docs/operations.md "Retention"):
 * - An event is purged when it was received before `before` AND every one of its deliveries is `delivered` with
 *   `updatedAt < before` (vacuously true for an event no mapping matched). Its deliveries and their attempt log
 *   go in the same transaction. Events with a pending, in-flight, retry-wait or dead delivery stay.
 * - A dead letter (delivery with status `dead`) is purged when it became dead (`updatedAt`) before `before`.
 *   "Pending replay": a replay (DLQ replay, retry-now) turns a dead delivery into `pending` in the same statement
 *   that a purge would match on, so a replayed delivery is never purged as a dead letter; if it dies again its
 *   dead-letter age starts again from the new death. Its event stays until the delivered rule above applies.
 * - A rejected record is purged when it was received before `before`.
 *
 * Each purge call is ONE short transaction touching at most `limit` rows of its main table; the caller (the
 * retention worker, src/pipeline/retention.ts) loops while `more` is true and yields between calls, so ingest and
 * delivery keep their turn on the write lock.
 */

export interface PurgeInput {
  /** Epoch ms: rows older than this are due. */
  before: number;
  /** Most rows of the main table examined (events) or deleted (dead letters, rejected) in this call. */
  limit: number;
  /**
   * Continue after this key (the previous call's `cursor`); absent = from the oldest row. Lets one sweep walk past
   * rows that are old but not purgeable (e.g. an event with a dead delivery) without re-reading them.
   */
  cursor?: number;
}

export interface PurgeResult {
  /** Rows deleted per table in this call (`events`, `deliveries`, `attempts`, `rejected`). */
  deleted: Partial<Record<'events' | 'deliveries' | 'attempts' | 'rejected', number>>;
  /** More rows may be due: call again with `cursor`. */
  more: boolean;
  /** Where the next call continues. */
  cursor?: number;
}

export interface TableStats {
  /** Table name as the store knows it (`events`, `deliveries`, `attempts`, `rejected`, `dedup`, …). */
  table: string;
  rows: number;
  /** Epoch ms of the oldest row by its time column (received/created/started), null when empty or untimed. */
  oldestAt: number | null;
}

export interface StoreStats {
  kind: 'sqlite' | 'postgres';
  /** Bytes on disk: SQLite main file + WAL; PostgreSQL pg_database_size. */
  sizeBytes: number;
  /** SQLite only: bytes of the -wal file. */
  walBytes?: number;
  /** Bytes inside the store that are free for reuse (SQLite freelist; PostgreSQL: not reported). */
  freeBytes?: number;
  /** SQLite: `none`, `full` or `incremental` (the PRAGMA auto_vacuum mode); PostgreSQL: `autovacuum`. */
  vacuumMode?: string;
  schemaVersion: number;
  tables: TableStats[];
  /** The oldest row of the tables above (table + time), null when the store is empty. */
  oldest: { table: string; at: number } | null;
}

export interface ReclaimResult {
  /** SQLite: a wal_checkpoint(TRUNCATE) ran (and whether it completed with no readers in the way). */
  checkpointed: boolean;
  /** Bytes given back to the file system by incremental vacuum (0 when auto_vacuum is not incremental). */
  freedBytes: number;
}

export interface MaintenanceStore {
  /** Delete due events together with their (delivered) deliveries and attempt log (rule above). */
  purgeDeliveredEvents(input: PurgeInput): Promise<PurgeResult>;
  /** Delete due dead letters and their attempt log (rule above). Events are left to purgeDeliveredEvents. */
  purgeDeadLetters(input: PurgeInput): Promise<PurgeResult>;
  /** Delete due rejected records. */
  purgeRejected(input: PurgeInput): Promise<PurgeResult>;
  /** After a sweep: checkpoint the WAL and give free pages back (SQLite); PostgreSQL may leave it to autovacuum. */
  reclaimSpace(opts?: { maxBytes?: number }): Promise<ReclaimResult>;
  /** Size, rows per table and the oldest row. Called per /metrics scrape and admin request: keep it O(tables). */
  storeStats(now: number): Promise<StoreStats>;
}

export function hasMaintenance(store: object): store is MaintenanceStore {
  const s = store as Partial<MaintenanceStore>;
  return typeof s.purgeDeliveredEvents === 'function' && typeof s.storeStats === 'function';
}
