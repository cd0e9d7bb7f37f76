/** 003 privacy (PostgreSQL): deletion requests and targets, suppressions (+ version), audit. Same as SQLite's 003. */
export const sql = /* sql */ `
CREATE TABLE privacy_requests (
  id            text    PRIMARY KEY,
  kind          text    NOT NULL,
  user_id       text,
  anonymous_id  text,
  requested_by  text    NOT NULL,
  via           text    NOT NULL,
  requested_at  bigint  NOT NULL,
  status        text    NOT NULL CHECK (status IN ('pending','completed','failed')),
  completed_at  bigint,
  purged        text,
  purged_at     bigint,
  repurge_at    bigint
);
CREATE INDEX privacy_requests_requested_at ON privacy_requests (requested_at);
CREATE INDEX privacy_requests_repurge ON privacy_requests (repurge_at) WHERE repurge_at IS NOT NULL;

CREATE TABLE privacy_targets (
  request_id        text    NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
  destination_id    text    NOT NULL,
  destination_type  text    NOT NULL,
  identifier_kind   text    NOT NULL CHECK (identifier_kind IN ('userId','anonymousId')),
  status            text    NOT NULL CHECK (status IN ('pending','submitted','failed','not_supported')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   bigint,
  lease_owner       text,
  lease_expires_at  bigint,
  external_id       text,
  error             text,
  updated_at        bigint  NOT NULL,
  PRIMARY KEY (request_id, destination_id, identifier_kind)
);
CREATE INDEX privacy_targets_due ON privacy_targets (next_attempt_at) WHERE status = 'pending';

CREATE TABLE suppressions (
  identifier_kind  text   NOT NULL CHECK (identifier_kind IN ('userId','anonymousId')),
  identifier       text   NOT NULL,
  created_at       bigint NOT NULL,
  created_by       text   NOT NULL,
  PRIMARY KEY (identifier_kind, identifier)
);

CREATE TABLE privacy_state (
  key    text   PRIMARY KEY,
  value  bigint NOT NULL
);
INSERT INTO privacy_state (key, value) VALUES ('suppressions_version', 0);

CREATE TABLE privacy_audit (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at               bigint NOT NULL,
  action           text   NOT NULL,
  actor            text   NOT NULL,
  via              text   NOT NULL,
  identifier_kind  text,
  identifier       text,
  request_id       text,
  detail           text
);
CREATE INDEX privacy_audit_request ON privacy_audit (request_id, id) WHERE request_id IS NOT NULL;
`;
