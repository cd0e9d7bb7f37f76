/** Pieces every ODP event built by optirelay carries in `data` (reference/optimizely-apis.md §4.2, §4.5). */
import { PayloadValidationError } from '../../core/errors.js';
import type { JsonObject, SegmentEvent } from '../../core/event.js';
import { VERSION } from '../../version.js';
import { epochSeconds, str } from './values.js';

/**
 * `ts`: event time in epoch seconds (ODP has no top-level timestamp; the unit is inferred).
 * `idempotence_id`: the Segment messageId, so a redelivery is recognisable as the same event (the JS SDK sends a
 * uuid here; that ODP de-duplicates on it is inferred).
 * `data_source*`: where the event came from, as the SDKs declare it.
 */
export function eventMeta(timestamp: unknown, event: SegmentEvent | undefined): JsonObject {
  const meta: JsonObject = { ts: epochSeconds(timestamp, 'timestamp') };
  if (event?.messageId) meta.idempotence_id = event.messageId;
  meta.data_source_type = 'optirelay';
  meta.data_source = 'optirelay';
  meta.data_source_version = VERSION;
  return meta;
}

export function requiredAction(v: unknown, hint: string): string {
  const action = str(v);
  if (!action) throw new PayloadValidationError(`event_action is required: ${hint}`, 'event_action');
  return action;
}

export function eventType(v: unknown): string {
  return str(v) ?? 'custom';
}
