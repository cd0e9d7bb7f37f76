/**
 * 001 core: events (with the dedup index), rejected records, ingest counters, deliveries, the attempt log and per-lane counts.
 * Reserved numbers: 002 syncs, 003 privacy, 004 limiter/maintenance.
 */
export const sql = /* sql */ `
-- Immutable event rows (anchors §5.2). received_at is epoch ms; body is the normalised event as JSON text.
CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  source_id     TEXT    NOT NULL,
  message_id    TEXT    NOT NULL,
  message_hash  INTEGER NOT NULL,
  type          TEXT    NOT NULL,
  user_id       TEXT,
  anonymous_id  TEXT,
  event_name    TEXT,
  received_at   INTEGER NOT NULL,
  body          TEXT    NOT NULL
);
-- Admin search (userId, event) newest first: (col, rowid) entries are already in id order.
-- Partial on NOT NULL: identify/page rows without the column cost nothing.
CREATE INDEX events_user_id    ON events(user_id)    WHERE user_id IS NOT NULL;
CREATE INDEX events_event_name ON events(event_name) WHERE event_name IS NOT NULL;
-- Dedup memory AND messageId search in one B-tree. A separate dedup(source_id, message_id, seen_at) table would be a
-- second random-key B-tree per event, written at every append: measured on the 2-core box (CPU µs per event, 100k
-- ~700-byte events, 1,600 per transaction) dedup upsert 16.9 + events insert 22.7 = 39.6, against 22.3 for this
-- index probe + insert: ~30 % of the store's ingest cost. The window check reads max(received_at) of the
-- messageId in this source (append-events.ts). Consequence: the effective dedup window is at most the events'
-- retention (default 7 d against a 24 h window), and nothing needs purging. Keyed by a 53-bit hash of the messageId
-- rather than the text (message-hash.ts: 24 → 17 CPU µs per probe + insert); queries also compare message_id.
CREATE INDEX events_message_hash ON events(message_hash);

CREATE TABLE rejected (
  id           INTEGER PRIMARY KEY,
  source_id    TEXT    NOT NULL,
  received_at  INTEGER NOT NULL,
  reason       TEXT    NOT NULL,
  field        TEXT,
  batch_index  INTEGER,
  body         TEXT    NOT NULL
);

-- received = accepted + duplicates + rejected + suppressed; updated in the append transaction.
CREATE TABLE ingest_counters (
  source_id   TEXT PRIMARY KEY,
  received    INTEGER NOT NULL DEFAULT 0,
  accepted    INTEGER NOT NULL DEFAULT 0,
  duplicates  INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0,
  suppressed  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The small mutable state per delivery. message_id/user_id/event_name are denormalised from the event for display
-- and filtering without a join.
CREATE TABLE deliveries (
  id                INTEGER PRIMARY KEY,
  event_id          INTEGER NOT NULL REFERENCES events(id),
  destination_id    TEXT    NOT NULL,
  mapping_id        TEXT    NOT NULL,
  action            TEXT    NOT NULL,
  lane              TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('pending','in_flight','delivered','retry_wait','dead')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  next_attempt_at   INTEGER NOT NULL,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  last_error        TEXT,
  last_status_code  INTEGER,
  flags             TEXT,
  message_id        TEXT    NOT NULL,
  user_id           TEXT,
  event_name        TEXT
);
-- Claim: partial index holding only ready-able rows, in claim order. A full (lane, status, next_attempt_at) index
-- would need two range scans merged (pending + retry_wait) and would keep every delivered row; this one shrinks as
-- the queue drains, so claim cost is O(batch · log queued), independent of history.
CREATE INDEX deliveries_ready      ON deliveries(lane, next_attempt_at, id) WHERE status IN ('pending','retry_wait');
-- Oldest queued delivery per lane (ids grow with created_at). In-flight rows are left out on purpose: including them
-- costs a delete + insert here on every claim and a delete on every completion; the few in-flight rows are read
-- through deliveries_leases instead.
CREATE INDEX deliveries_queued     ON deliveries(lane, id) WHERE status IN ('pending','retry_wait');
-- Expired-lease sweep reads only in-flight rows.
CREATE INDEX deliveries_leases     ON deliveries(lease_expires_at) WHERE status = 'in_flight';
-- Dead letters newest first (the DLQ page walks this backwards); DLQ filters and dead reasons check the few dead rows
-- only. Keyed by id alone so the unfiltered DLQ listing is ordered too.
CREATE INDEX deliveries_dead       ON deliveries(id) WHERE status = 'dead';
-- Deliveries of one event (search by messageId/userId goes through events' indexes, then here).
CREATE INDEX deliveries_event_id   ON deliveries(event_id);
-- Conversion-health flags: only flagged rows.
CREATE INDEX deliveries_flagged    ON deliveries(destination_id) WHERE flags IS NOT NULL;

-- Append-only delivery log (request/response redacted by the caller, JSON text).
CREATE TABLE attempts (
  id           INTEGER PRIMARY KEY,
  delivery_id  INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt      INTEGER NOT NULL,
  outcome      TEXT    NOT NULL,
  started_at   INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  status_code  INTEGER,
  error        TEXT,
  request      TEXT,
  response     TEXT
);
CREATE INDEX attempts_delivery_id ON attempts(delivery_id);

-- Deliveries per lane and status, so laneStats/readyLanes/metrics cost O(lanes) rather than a count over millions of
-- rows. Inserts and status changes are counted by the store's own operations in batch (adjust-lane-counts.ts: a
-- per-row UPDATE trigger doubled the cost of claim and completion); ANY new code that changes deliveries.status must
-- go through LaneCountDelta. Deletes are counted by trigger, so retention sweeps stay exact without knowing this.
CREATE TABLE lane_counts (
  lane            TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  destination_id  TEXT    NOT NULL,
  action          TEXT    NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (lane, status)
) WITHOUT ROWID;

CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
  UPDATE lane_counts SET n = n - 1 WHERE lane = OLD.lane AND status = OLD.status;
END;
`;
