/**
 * 003 privacy: deletion requests and their per-destination targets, suppressions (+ a version counter processes
 * poll), and the privacy audit trail. See src/store/privacy-types.ts for the terms.
 */
export const sql = /* sql */ `
-- One row per deletion request. user_id / anonymous_id are the only personal data kept: the request must remember
-- whom it deletes until every destination has accepted it. purged: JSON counts of what the store purge removed.
CREATE TABLE privacy_requests (
  id            TEXT    PRIMARY KEY,
  kind          TEXT    NOT NULL,
  user_id       TEXT,
  anonymous_id  TEXT,
  requested_by  TEXT    NOT NULL,
  via           TEXT    NOT NULL,
  requested_at  INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('pending','completed','failed')),
  completed_at  INTEGER,
  purged        TEXT,
  purged_at     INTEGER,
  repurge_at    INTEGER
);
CREATE INDEX privacy_requests_requested_at ON privacy_requests(requested_at);
-- The second purge pass (late completions of batches that were in flight) reads only rows that still need it.
CREATE INDEX privacy_requests_repurge ON privacy_requests(repurge_at) WHERE repurge_at IS NOT NULL;

-- One row per (request, destination, identifier kind). Pending rows are claimed under a lease and retried.
CREATE TABLE privacy_targets (
  request_id        TEXT    NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
  destination_id    TEXT    NOT NULL,
  destination_type  TEXT    NOT NULL,
  identifier_kind   TEXT    NOT NULL CHECK (identifier_kind IN ('userId','anonymousId')),
  status            TEXT    NOT NULL CHECK (status IN ('pending','submitted','failed','not_supported')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  external_id       TEXT,
  error             TEXT,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (request_id, destination_id, identifier_kind)
) WITHOUT ROWID;
CREATE INDEX privacy_targets_due ON privacy_targets(next_attempt_at) WHERE status = 'pending';

CREATE TABLE suppressions (
  identifier_kind  TEXT    NOT NULL CHECK (identifier_kind IN ('userId','anonymousId')),
  identifier       TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  created_by       TEXT    NOT NULL,
  PRIMARY KEY (identifier_kind, identifier)
) WITHOUT ROWID;

-- Bumped by every suppression change: each process polls this one row and reloads the list only when it moved.
CREATE TABLE privacy_state (
  key    TEXT    PRIMARY KEY,
  value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO privacy_state (key, value) VALUES ('suppressions_version', 0);

-- Who asked for what and when. detail: JSON counts / destination ids / Optimizely request ids, never event data.
CREATE TABLE privacy_audit (
  id               INTEGER PRIMARY KEY,
  at               INTEGER NOT NULL,
  action           TEXT    NOT NULL,
  actor            TEXT    NOT NULL,
  via              TEXT    NOT NULL,
  identifier_kind  TEXT,
  identifier       TEXT,
  request_id       TEXT,
  detail           TEXT
);
CREATE INDEX privacy_audit_request ON privacy_audit(request_id, id) WHERE request_id IS NOT NULL;
`;
