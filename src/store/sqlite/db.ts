import Database from 'better-sqlite3';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The one connection of a SQLite store (reads and writes). better-sqlite3 is synchronous, so every operation runs to
 * completion on the event loop and operations of one process never interleave; BEGIN IMMEDIATE serialises writers of
 * different processes on the same file (a deferred transaction that reads then writes can fail with
 * SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry).
 */
export class SqliteDb {
  readonly raw: Database.Database;
  private readonly statements = new Map<string, Statement>();

  constructor(raw: Database.Database) {
    this.raw = raw;
  }

  /** A prepared statement, cached by its SQL text (operation files keep their SQL as module constants). */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Run `fn` in one write transaction (BEGIN IMMEDIATE). Nested calls become savepoints. */
  write<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }
}

export interface SqliteConnectionOptions {
  /** Page cache in KiB (default 32 MiB: enough for the hot index pages of a million queued deliveries). */
  cacheKiB?: number;
}

/** Open the file (or `:memory:`) with the pragmas a durable queue needs (anchors §2.2). */
export function openConnection(file: string, opts: SqliteConnectionOptions = {}): SqliteDb {
  const raw = new Database(file);
  // Takes effect only on a new, empty file: lets retention give free pages back (reclaim-space.ts). Existing
  // files keep their mode until a VACUUM (docs/operations.md).
  raw.pragma('auto_vacuum = INCREMENTAL');
  // WAL: readers never block the writer. FULL: fsync the WAL at every commit, so a commit survives power loss;
  // group commit (group-commit.ts) pays that fsync once per batch of requests instead of once per request.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  raw.pragma('temp_store = MEMORY');
  raw.pragma(`cache_size = -${opts.cacheKiB ?? 32 * 1024}`);
  // Automatic (PASSIVE) checkpoint after 8,192 WAL pages (32 MiB) instead of SQLite's 1,000 (4 MiB). A page that many
  // commits dirty (random-key index leaves, counters, the tail of each table) is copied to the database file once
  // per checkpoint, so fewer checkpoints write less: measured with bench/ingest's events (200k, 2,400 per commit)
  // 4,991 → 3,933 bytes written per event (16,384 pages: 3,860). The store's timer still TRUNCATEs the WAL past
  // 64 MiB (checkpoint-wal.ts), so the WAL stays bounded; readers scan a longer WAL index, which is in shared memory.
  raw.pragma('wal_autocheckpoint = 8192');
  return new SqliteDb(raw);
}
