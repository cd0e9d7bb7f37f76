/**
 * A run's scratch space: a private temporary SQLite database (on disk, deleted on close) holding the planned
 * operations and, for list syncs, the model's members. A 1M-row first run then costs disk, not memory.
 */
import Database from 'better-sqlite3';
import type { SyncOp } from '../store/sync-types.js';
import type { Fields } from './objects.js';

export interface PlannedOp {
  seq: number;
  op: SyncOp;
  pk: string;
  /** New hash (null for removed). */
  hash: string | null;
  fields: Fields | null;
}

const BATCH = 5000;

export class Scratch {
  private readonly db = new Database('');
  private pending: (() => void)[] = [];
  private readonly insOp: Database.Statement;
  private readonly insMember: Database.Statement;

  constructor() {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`CREATE TABLE ops (seq INTEGER PRIMARY KEY, op TEXT NOT NULL, pk TEXT NOT NULL, hash TEXT, fields TEXT);
                  CREATE TABLE members (id TEXT PRIMARY KEY) WITHOUT ROWID;`);
    this.insOp = this.db.prepare('INSERT INTO ops (op, pk, hash, fields) VALUES (?, ?, ?, ?)');
    this.insMember = this.db.prepare('INSERT OR IGNORE INTO members (id) VALUES (?)');
  }

  addOp(op: SyncOp, pk: string, hash: string | null, fields: Fields | null): void {
    this.pending.push(() => this.insOp.run(op, pk, hash, fields ? JSON.stringify(fields) : null));
    if (this.pending.length >= BATCH) this.flush();
  }

  addMember(id: string): void {
    this.pending.push(() => this.insMember.run(id));
    if (this.pending.length >= BATCH) this.flush();
  }

  flush(): void {
    if (!this.pending.length) return;
    const work = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const w of work) w();
    })();
  }

  count(op?: SyncOp): number {
    this.flush();
    const r = (op ? this.db.prepare('SELECT count(*) AS n FROM ops WHERE op = ?').get(op) : this.db.prepare('SELECT count(*) AS n FROM ops').get()) as { n: number };
    return r.n;
  }

  /** Planned operations in model order (removed last), paged so nothing holds the connection between awaits. */
  *ops(page = 1000): Generator<PlannedOp> {
    this.flush();
    let after = 0;
    const stmt = this.db.prepare('SELECT seq, op, pk, hash, fields FROM ops WHERE seq > ? ORDER BY seq LIMIT ?');
    for (;;) {
      const rows = stmt.all(after, page) as { seq: number; op: SyncOp; pk: string; hash: string | null; fields: string | null }[];
      for (const r of rows) yield { seq: r.seq, op: r.op, pk: r.pk, hash: r.hash, fields: r.fields ? (JSON.parse(r.fields) as Fields) : null };
      if (rows.length < page) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  *members(): Generator<string> {
    this.flush();
    for (const r of this.db.prepare('SELECT id FROM members').iterate() as IterableIterator<{ id: string }>) yield r.id;
  }

  memberCount(): number {
    this.flush();
    return (this.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
  }

  close(): void {
    this.pending = [];
    this.db.close();
  }
}
