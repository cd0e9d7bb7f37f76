/**
 * 001 core (PostgreSQL): events + dedup, rejected records, ingest counters, deliveries, the attempt log, lane counts.
 * Same columns and meaning as the SQLite schema (src/store/sqlite/migrations/001_core.ts); differences are noted.
 * Times are epoch ms (bigint). JSON is kept as text (parsed by the store; text inserts cost less than jsonb).
 */
export const sql = /* sql */ `
CREATE TABLE events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id     text   NOT NULL,
  message_id    text   NOT NULL,
  type          text   NOT NULL,
  user_id       text,
  anonymous_id  text,
  event_name    text,
  received_at   bigint NOT NULL,
  body          text   NOT NULL
);
CREATE INDEX events_user_id    ON events (user_id, id)    WHERE user_id IS NOT NULL;
CREATE INDEX events_event_name ON events (event_name, id) WHERE event_name IS NOT NULL;
CREATE INDEX events_message_id ON events (message_id);
-- received_at grows with id: a BRIN index is a few pages and costs next to nothing per insert (console charts).
CREATE INDEX events_received_brin ON events USING brin (received_at);

-- Dedup memory (differs from SQLite, which probes the events index): several processes ingest at once, so the
-- check-and-claim of a messageId must be one atomic step. INSERT … ON CONFLICT DO UPDATE … WHERE seen_at < window
-- start RETURNING: a row comes back when the messageId is new or was last accepted before the window (accepted
-- again; the window restarts), none when it is a duplicate. A concurrent insert of the same key waits for the
-- other transaction and then sees its outcome. Rows are deleted with their event by retention.
CREATE TABLE dedup (
  source_id   text   NOT NULL,
  message_id  text   NOT NULL,
  seen_at     bigint NOT NULL,
  PRIMARY KEY (source_id, message_id)
);

CREATE TABLE rejected (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id    text   NOT NULL,
  received_at  bigint NOT NULL,
  reason       text   NOT NULL,
  field        text,
  batch_index  integer,
  body         text   NOT NULL
);

-- Sharded counters (see db.ts counterShard): readers sum over shard.
CREATE TABLE ingest_counters (
  source_id   text    NOT NULL,
  shard       integer NOT NULL,
  received    bigint  NOT NULL DEFAULT 0,
  accepted    bigint  NOT NULL DEFAULT 0,
  duplicates  bigint  NOT NULL DEFAULT 0,
  rejected    bigint  NOT NULL DEFAULT 0,
  suppressed  bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (source_id, shard)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- The mutable state per delivery. fillfactor 80 leaves room on each page for HOT updates (heartbeats change only
-- lease_expires_at, which no index covers) and autovacuum runs at 2 % dead rows instead of 20 % (docs/scale-out.md
-- has the churn measurements behind these numbers).
CREATE TABLE deliveries (
  id                bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id          bigint  NOT NULL REFERENCES events(id),
  destination_id    text    NOT NULL,
  mapping_id        text    NOT NULL,
  action            text    NOT NULL,
  lane              text    NOT NULL,
  status            text    NOT NULL CHECK (status IN ('pending','in_flight','delivered','retry_wait','dead')),
  attempts          integer NOT NULL DEFAULT 0,
  created_at        bigint  NOT NULL,
  updated_at        bigint  NOT NULL,
  next_attempt_at   bigint  NOT NULL,
  lease_owner       text,
  lease_expires_at  bigint,
  last_error        text,
  last_status_code  integer,
  flags             text,
  message_id        text    NOT NULL,
  user_id           text,
  event_name        text
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0,
        autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);
-- Claim order, ready-able rows only (shrinks as the queue drains).
CREATE INDEX deliveries_ready    ON deliveries (lane, next_attempt_at, id) WHERE status IN ('pending','retry_wait');
-- Oldest queued delivery per lane (ids grow with created_at).
CREATE INDEX deliveries_queued   ON deliveries (lane, id) WHERE status IN ('pending','retry_wait');
-- In-flight rows (few): keyed by id, not lease_expires_at, so a heartbeat touches no index (HOT update).
CREATE INDEX deliveries_inflight ON deliveries (id) WHERE status = 'in_flight';
CREATE INDEX deliveries_dead     ON deliveries (id) WHERE status = 'dead';
CREATE INDEX deliveries_event_id ON deliveries (event_id);
CREATE INDEX deliveries_flagged  ON deliveries (destination_id) WHERE flags IS NOT NULL;
CREATE INDEX deliveries_created_brin ON deliveries USING brin (created_at);

CREATE TABLE attempts (
  id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  bigint  NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  outcome      text    NOT NULL,
  started_at   bigint  NOT NULL,
  duration_ms  integer NOT NULL,
  status_code  integer,
  error        text,
  request      text,
  response     text
);
CREATE INDEX attempts_delivery_id ON attempts (delivery_id);

-- Deliveries per lane, status and shard. Inserts and status changes are counted by the store's own statements (in
-- the same statement as the change, one upsert per (lane, status)); deletes by the statement-level trigger below,
-- so retention and privacy purges stay exact without knowing about it.
CREATE TABLE lane_counts (
  lane            text    NOT NULL,
  status          text    NOT NULL,
  shard           integer NOT NULL,
  destination_id  text    NOT NULL,
  action          text    NOT NULL,
  n               bigint  NOT NULL,
  PRIMARY KEY (lane, status, shard)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE FUNCTION optirelay_count_deleted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lane_counts (lane, status, shard, destination_id, action, n)
  SELECT lane, status, pg_backend_pid() % 16, min(destination_id), min(action), -count(*)
    FROM old_rows GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = lane_counts.n + excluded.n;
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION optirelay_count_deleted_deliveries();
`;
