/**
 * 004 limiter (PostgreSQL only): rate-limiter slots shared by every process (store/limiter-types.ts). UNLOGGED: the
 * slots are pacing state, not data; after a database crash they start empty (every lane at its full configured
 * rate, no pause), which is what a restart of a single process does too. `version` makes each write a
 * compare-and-set (limiter-state.ts).
 */
export const sql = /* sql */ `
CREATE UNLOGGED TABLE limiter_slots (
  key                text    PRIMARY KEY,
  tat                double precision NOT NULL,
  tat_minute         double precision NOT NULL,
  paused_until       double precision NOT NULL,
  factor             double precision NOT NULL,
  factor_changed_at  double precision NOT NULL,
  version            bigint  NOT NULL
) WITH (fillfactor = 50);
`;
