/**
 * 002 syncs: per-sync snapshots, runs (with a lease), per-row errors.
 */
export const sql = /* sql */ `
-- pk → hash of the mapped columns as last applied. WITHOUT ROWID: the key is the row (one B-tree).
-- A 1M-row snapshot is ~60 MB on disk; it is read once per run as a stream.
CREATE TABLE sync_snapshots (
  sync_id  TEXT NOT NULL,
  pk       TEXT NOT NULL,
  hash     TEXT NOT NULL,
  PRIMARY KEY (sync_id, pk)
) WITHOUT ROWID;

CREATE TABLE sync_runs (
  id                INTEGER PRIMARY KEY,
  sync_id           TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  trigger           TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  resumes           INTEGER NOT NULL DEFAULT 0,
  counts            TEXT    NOT NULL,
  error             TEXT
);
CREATE INDEX sync_runs_sync ON sync_runs(sync_id, id);
-- At most one running run per sync: the lease check and this index both guard it.
CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs(sync_id) WHERE status = 'running';

CREATE TABLE sync_row_errors (
  id       INTEGER PRIMARY KEY,
  run_id   INTEGER NOT NULL,
  pk       TEXT,
  op       TEXT    NOT NULL,
  code     TEXT    NOT NULL,
  message  TEXT    NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX sync_row_errors_run ON sync_row_errors(run_id, id);
`;
