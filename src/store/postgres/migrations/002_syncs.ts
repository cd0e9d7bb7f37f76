/** 002 syncs (PostgreSQL): per-sync snapshots, runs with a lease, per-row errors. Same meaning as SQLite's 002. */
export const sql = /* sql */ `
CREATE TABLE sync_snapshots (
  sync_id  text NOT NULL,
  pk       text COLLATE "C" NOT NULL,
  hash     text NOT NULL,
  PRIMARY KEY (sync_id, pk)
);

CREATE TABLE sync_runs (
  id                bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sync_id           text    NOT NULL,
  status            text    NOT NULL,
  trigger           text    NOT NULL,
  created_at        bigint  NOT NULL,
  started_at        bigint,
  finished_at       bigint,
  lease_owner       text,
  lease_expires_at  bigint,
  resumes           integer NOT NULL DEFAULT 0,
  counts            text    NOT NULL,
  error             text
);
CREATE INDEX sync_runs_sync ON sync_runs (sync_id, id);
-- At most one running run per sync across every process: two starters racing both try to insert; one wins, the
-- other's transaction fails on this index, is retried, and then sees the winner's run (sync-runs.ts).
CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs (sync_id) WHERE status = 'running';

CREATE TABLE sync_row_errors (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id   bigint NOT NULL,
  pk       text,
  op       text   NOT NULL,
  code     text   NOT NULL,
  message  text   NOT NULL,
  at       bigint NOT NULL
);
CREATE INDEX sync_row_errors_run ON sync_row_errors (run_id, id);
`;
