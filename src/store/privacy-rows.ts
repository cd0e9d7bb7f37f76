/**
 * The privacy tables' rows both stores read (same columns on SQLite and PostgreSQL) and their mapping to the
 * privacy types, plus the rules both stores share: a request's status from its targets, and the claim order.
 */
import type {
  AuditEntry,
  IdentifierKind,
  PrivacyRequest,
  PrivacyRequestStatus,
  PrivacyTarget,
  PrivacyTargetStatus,
  PurgeCounts,
} from './privacy-types.js';

export interface RequestRow {
  id: string;
  kind: 'delete';
  user_id: string | null;
  anonymous_id: string | null;
  requested_by: string;
  via: string;
  requested_at: number;
  status: PrivacyRequestStatus;
  completed_at: number | null;
  purged: string | null;
  purged_at: number | null;
}

export interface TargetRow {
  request_id: string;
  destination_id: string;
  destination_type: string;
  identifier_kind: IdentifierKind;
  status: PrivacyTargetStatus;
  attempts: number;
  next_attempt_at: number | null;
  external_id: string | null;
  error: string | null;
  updated_at: number;
}

export interface AuditRow {
  id: number;
  at: number;
  action: string;
  actor: string;
  via: string;
  identifier_kind: IdentifierKind | null;
  identifier: string | null;
  request_id: string | null;
  detail: string | null;
}

export function toTarget(r: TargetRow): PrivacyTarget {
  return {
    destinationId: r.destination_id,
    destinationType: r.destination_type,
    identifierKind: r.identifier_kind,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    externalId: r.external_id,
    error: r.error,
    updatedAt: r.updated_at,
  };
}

export function toRequest(r: RequestRow, targets: PrivacyTarget[]): PrivacyRequest {
  return {
    id: r.id,
    kind: r.kind,
    ...(r.user_id !== null ? { userId: r.user_id } : {}),
    ...(r.anonymous_id !== null ? { anonymousId: r.anonymous_id } : {}),
    requestedBy: r.requested_by,
    via: r.via,
    requestedAt: r.requested_at,
    status: r.status,
    completedAt: r.completed_at,
    purged: r.purged ? (JSON.parse(r.purged) as PurgeCounts) : null,
    purgedAt: r.purged_at,
    targets,
  };
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    action: r.action,
    actor: r.actor,
    via: r.via,
    identifierKind: r.identifier_kind,
    identifier: r.identifier,
    requestId: r.request_id,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  };
}

/** A request is pending while any target is, failed when any failed, else completed. */
export function requestStatusOf(statuses: PrivacyTargetStatus[]): PrivacyRequestStatus {
  if (statuses.includes('pending')) return 'pending';
  if (statuses.includes('failed')) return 'failed';
  return 'completed';
}

/** Claim order of targets: due time, request, destination, userId before anonymousId. */
export function byClaimOrder(a: TargetRow, b: TargetRow): number {
  return (
    (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) ||
    a.request_id.localeCompare(b.request_id) ||
    a.destination_id.localeCompare(b.destination_id) ||
    b.identifier_kind.localeCompare(a.identifier_kind)
  );
}
