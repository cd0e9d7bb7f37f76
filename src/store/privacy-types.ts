/**
 * The privacy part of the storage seam (issue 8): deletion requests with one target per destination and identifier,
 * the purge of a user's data from the store, suppressions, and the audit trail.
 *
 * Terminology (privacy-level):
 * - identifier: a Segment `userId` or `anonymousId` (its kind says which). It is the only personal data the privacy
 *   tables keep: a deletion request must remember whom it deletes until every destination has accepted it, and the
 *   audit must say whom a suppression was about.
 * - deletion request: "forget this user": purge our store, and submit a deletion to every destination that can.
 * - target: one (destination, identifier kind) of a request. pending → submitted (with the destination's own request
 *   id) | failed (with the reason) | not_supported (the destination type offers no deletion; the note says what to do).
 *   Pending targets are claimed under a lease by the privacy worker and retried with backoff.
 * - suppression: an identifier whose events ingest acknowledges but neither stores nor delivers.
 * - audit entry: who asked for what and when (actor, channel, action, identifier, request id); never event data.
 *
 * All times are epoch milliseconds; all methods async so PostgreSQL can implement them.
 */

export type IdentifierKind = 'userId' | 'anonymousId';
export const IDENTIFIER_KINDS: IdentifierKind[] = ['userId', 'anonymousId'];

export type PrivacyTargetStatus = 'pending' | 'submitted' | 'failed' | 'not_supported';
/** pending: a target is still pending. completed: every target submitted or not_supported. failed: none pending, one failed. */
export type PrivacyRequestStatus = 'pending' | 'completed' | 'failed';

export interface UserIdentifiers {
  userId?: string;
  anonymousId?: string;
}

/** What the purge removed (or, for attempts of other users' batches, redacted). */
export interface PurgeCounts {
  events: number;
  deliveries: number;
  attempts: number;
  /** Attempt rows of OTHER deliveries whose batched request/response mentioned the identifier: bodies replaced. */
  attemptsRedacted: number;
  rejected: number;
  dedup: number;
  syncRowErrors: number;
  syncSnapshots: number;
}

export interface NewPrivacyTarget {
  destinationId: string;
  destinationType: string;
  identifierKind: IdentifierKind;
  status: PrivacyTargetStatus;
  /** For not_supported / failed created that way (no token): the reason or note. */
  error?: string;
}

export interface NewPrivacyRequest extends UserIdentifiers {
  id: string;
  requestedBy: string;
  /** The channel: `cli`, `admin-api (token sha256:…)`. */
  via: string;
  now: number;
  targets: NewPrivacyTarget[];
  /** Schedule a store purge pass at this time (the caller purges at once; this covers a crash before it did). */
  purgeAt?: number;
}

export interface PrivacyTarget {
  destinationId: string;
  destinationType: string;
  identifierKind: IdentifierKind;
  status: PrivacyTargetStatus;
  attempts: number;
  nextAttemptAt: number | null;
  externalId: string | null;
  error: string | null;
  updatedAt: number;
}

export interface PrivacyRequest extends UserIdentifiers {
  id: string;
  kind: 'delete';
  requestedBy: string;
  via: string;
  requestedAt: number;
  status: PrivacyRequestStatus;
  completedAt: number | null;
  purged: PurgeCounts | null;
  purgedAt: number | null;
  targets: PrivacyTarget[];
}

/** A pending target handed to the privacy worker, with the identifier to submit. */
export interface ClaimedPrivacyTarget extends PrivacyTarget {
  requestId: string;
  identifier: string;
}

export interface PrivacyTargetOutcome {
  requestId: string;
  destinationId: string;
  identifierKind: IdentifierKind;
  /** Only the lease owner may complete. */
  owner: string;
  status: PrivacyTargetStatus;
  /** For pending (a transient failure): when to try again. */
  nextAttemptAt?: number;
  externalId?: string;
  error?: string;
  now: number;
}

export interface Suppression {
  kind: IdentifierKind;
  identifier: string;
  createdAt: number;
  createdBy: string;
}

export interface AuditInput {
  at: number;
  /** `delete.requested`, `delete.purged`, `delete.submitted`, `delete.retry`, `delete.failed`, `delete.not_supported`, `suppress`, `unsuppress`. */
  action: string;
  actor: string;
  via: string;
  identifierKind?: IdentifierKind;
  identifier?: string;
  requestId?: string;
  /** Counts, destination ids, Optimizely request ids, error text: never event data. */
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Pick<AuditInput, 'at' | 'action' | 'actor' | 'via'>> {
  id: number;
  identifierKind: IdentifierKind | null;
  identifier: string | null;
  requestId: string | null;
  detail: Record<string, unknown> | null;
}

export interface PrivacyStore {
  /** Record a deletion request with its targets (and the `delete.requested` audit entry) in one transaction. */
  createPrivacyRequest(input: NewPrivacyRequest): Promise<PrivacyRequest>;
  getPrivacyRequest(id: string): Promise<PrivacyRequest | undefined>;
  /** Newest first. `before`: requestedAt cursor. */
  listPrivacyRequests(q?: { limit?: number; before?: number; status?: PrivacyRequestStatus }): Promise<PrivacyRequest[]>;
  /**
   * Remove the user's events, deliveries (any status, in flight included), attempt logs, rejected records, dedup rows
   * and sync row errors / snapshot entries keyed by the identifier; redact other deliveries' attempt rows that mention
   * it (batched requests). The deletions happen in one write transaction.
   */
  purgeUserData(ids: UserIdentifiers, opts: { note: string }): Promise<PurgeCounts>;
  /** Store the purge counts on the request; `repurgeAt` schedules a second pass (late completions of in-flight batches). */
  recordPurge(requestId: string, counts: PurgeCounts, now: number, repurgeAt: number | null): Promise<void>;
  /** Requests whose second purge pass is due. */
  dueRepurges(now: number, limit?: number): Promise<{ requestId: string; userId?: string; anonymousId?: string }[]>;
  /** Claim due pending targets under a lease (optionally of one request). */
  claimPrivacyTargets(q: { owner: string; leaseMs: number; now: number; limit: number; requestId?: string }): Promise<ClaimedPrivacyTarget[]>;
  /** Record a target's outcome (lease owner only) and recompute the request's status. Returns false when not applied. */
  completePrivacyTarget(outcome: PrivacyTargetOutcome): Promise<boolean>;
  /** Earliest next attempt among pending targets (undefined when none). */
  nextPrivacyDueAt(): Promise<number | undefined>;

  /** Add a suppression; false when it already existed. Bumps the suppression version. */
  addSuppression(s: Suppression): Promise<boolean>;
  /** Remove one; false when there was none. Bumps the suppression version. */
  removeSuppression(kind: IdentifierKind, identifier: string): Promise<boolean>;
  listSuppressions(): Promise<Suppression[]>;
  /** A number that changes whenever the suppression list changes (cheap: processes poll it). */
  suppressionVersion(): Promise<number>;

  appendPrivacyAudit(entry: AuditInput): Promise<void>;
  /** Newest first; `before`: id cursor. */
  listPrivacyAudit(q?: { limit?: number; before?: number; requestId?: string }): Promise<AuditEntry[]>;
}

export function emptyPurgeCounts(): PurgeCounts {
  return { events: 0, deliveries: 0, attempts: 0, attemptsRedacted: 0, rejected: 0, dedup: 0, syncRowErrors: 0, syncSnapshots: 0 };
}
