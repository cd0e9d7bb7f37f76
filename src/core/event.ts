/**
 * Terminology (see DESIGN.md):
 * - event: one Segment-spec message (track, identify, page, screen, group, alias) received by the Tracking API.
 * - source: a named origin of events, identified by its write key.
 * - destination: a configured instance of a destination type (settings + mappings).
 * - action: one operation a destination type offers (trackEvent, upsertContact, …).
 * - mapping: trigger + action + field mapping inside one destination (at most 50 per destination).
 * - trigger: an FQL expression that selects events.
 * - preset: a ready-made mapping that a destination type ships.
 * - delivery: one event bound for one mapping: pending → in_flight (leased) → delivered / retry_wait / dead.
 * - lane: the deliveries of one destination + action; the unit of batching, rate limiting and isolation.
 * - sync: a scheduled warehouse-to-Optimizely job; run: one execution of a sync.
 */

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A Segment-spec message as a client sends it (fields optional, shape loose). */
export interface SegmentMessage {
  type?: string;
  messageId?: string;
  userId?: string | null;
  anonymousId?: string | null;
  event?: string;
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  integrations?: JsonObject;
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt?: string;
  writeKey?: string;
  [key: string]: unknown;
}

/**
 * An event after ingest normalisation: type known, messageId present, all four timestamps ISO-8601 with ms and `Z`.
 * This is the object mappings and triggers see (`$.properties.x`, `type = "track"`).
 */
export interface SegmentEvent extends SegmentMessage {
  type: EventType;
  messageId: string;
  receivedAt: string;
  timestamp: string;
  originalTimestamp: string;
  sentAt?: string;
}
