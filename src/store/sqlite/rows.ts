import type { JsonObject, SegmentEvent } from '../../core/event.js';
import type { Delivery, DeliveryStatus, StoredAttempt, StoredEvent, StoredRejected } from '../types.js';

/** Column lists and row → object mapping shared by the operation files. */

export interface EventRow {
  id: number;
  source_id: string;
  message_id: string;
  type: string;
  user_id: string | null;
  anonymous_id: string | null;
  event_name: string | null;
  received_at: number;
  body: string;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    id: r.id,
    sourceId: r.source_id,
    messageId: r.message_id,
    type: r.type,
    userId: r.user_id,
    anonymousId: r.anonymous_id,
    eventName: r.event_name,
    receivedAt: r.received_at,
    body: JSON.parse(r.body) as SegmentEvent,
  };
}

export const DELIVERY_COLUMNS =
  'd.id, d.event_id, d.destination_id, d.mapping_id, d.action, d.lane, d.status, d.attempts, d.created_at, ' +
  'd.updated_at, d.next_attempt_at, d.lease_owner, d.lease_expires_at, d.last_error, d.last_status_code, d.flags, ' +
  'd.message_id, d.user_id, d.event_name';

export interface DeliveryRow {
  id: number;
  event_id: number;
  destination_id: string;
  mapping_id: string;
  action: string;
  lane: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  last_status_code: number | null;
  flags: string | null;
  message_id: string;
  user_id: string | null;
  event_name: string | null;
}

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    eventId: r.event_id,
    destinationId: r.destination_id,
    mappingId: r.mapping_id,
    action: r.action,
    lane: r.lane,
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    lastError: r.last_error,
    lastStatusCode: r.last_status_code,
    flags: r.flags === null ? null : (JSON.parse(r.flags) as JsonObject),
    messageId: r.message_id,
    userId: r.user_id,
    eventName: r.event_name,
  };
}

export interface RejectedRow {
  id: number;
  source_id: string;
  received_at: number;
  reason: string;
  field: string | null;
  body: string;
}

export function toStoredRejected(r: RejectedRow): StoredRejected {
  return {
    id: r.id,
    sourceId: r.source_id,
    receivedAt: r.received_at,
    reason: r.reason,
    field: r.field,
    body: JSON.parse(r.body) as unknown,
  };
}

export interface AttemptRow {
  id: number;
  delivery_id: number;
  attempt: number;
  outcome: string;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  request: string | null;
  response: string | null;
}

export function toStoredAttempt(r: AttemptRow): StoredAttempt {
  const a: StoredAttempt = {
    id: r.id,
    deliveryId: r.delivery_id,
    attempt: r.attempt,
    outcome: r.outcome,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
  };
  if (r.status_code !== null) a.statusCode = r.status_code;
  if (r.error !== null) a.error = r.error;
  if (r.request !== null) a.request = JSON.parse(r.request) as unknown;
  if (r.response !== null) a.response = JSON.parse(r.response) as unknown;
  return a;
}

/** JSON text for a column, `null` for undefined (JSON.stringify(undefined) is not a string). */
export function jsonOrNull(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

/** Clamp a caller's page size: default 100, at most 10,000 rows per call. */
export function pageLimit(limit: number | undefined, fallback = 100): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(10_000, Math.max(1, Math.floor(limit)));
}
