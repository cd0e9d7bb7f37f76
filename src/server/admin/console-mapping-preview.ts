/**
 * The mapping tester behind the console: a draft mapping (action, trigger, fields) and an event →
 * whether the trigger matches (and why not), the resolved and validated payload (or its errors), the action's own
 * checks (`prepare`, e.g. the event key exists in the datafile), and the HTTP request the action would make.
 *
 * previewRequest: the kit has no "build the request without sending" hook, so the preview calls the action's
 * performBatch with a capturing HttpClient that records each request (secrets redacted) and answers a fake 200
 * without sending anything. `send` mode uses the destination's real HttpClient instead: one real request.
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { PayloadValidationError, RetryableError } from '../../core/errors.js';
import type { SegmentEvent } from '../../core/event.js';
import { redactHeaders, redactString, redactValue } from '../../core/redact.js';
import type { DestinationConfig } from '../../config/types.js';
import type { DestinationContext, ItemOutcome } from '../../destinations/kit.js';
import type { AnyAction, LiveDestination } from '../../destinations/runtime.js';
import type { AnyDestinationType as AnyType } from '../../destinations/registry.js';
import type { HttpClient, RecordedExchange } from '../../optimizely/http.js';
import { compileFields, compileMapping, compileTrigger, explainMismatch, MappingError, MappingValidationError, parseTrigger, TriggerParseError } from '../../mapping/index.js';
import { resolveFields } from '../../pipeline/router.js';

export interface PreviewInput {
  /** Mapping id used in the generated YAML (default `my-mapping`). */
  id?: string;
  action: string;
  /** FQL; empty → the action's default trigger. */
  trigger?: string;
  /** Field mapping overrides (action defaults apply to keys not given; null removes a default). */
  fields?: Record<string, unknown>;
  event: Record<string, unknown>;
}

export interface PreviewResult {
  trigger: string;
  matches: boolean;
  /** Why the trigger does not match (absent when it does). */
  mismatch?: string;
  /** The resolved field mapping (defaults + overrides). */
  fields: Record<string, unknown>;
  payload?: Record<string, unknown>;
  errors?: { field: string; message: string }[];
  /** The request the action makes (preview: captured, never sent; send: sent). Headers redacted. */
  request?: { method: string; url: string; headers: Record<string, unknown>; body?: unknown } | null;
  /** send mode: the response; preview: absent. */
  response?: { status: number; headers: Record<string, unknown>; body?: unknown } | null;
  /** send mode: the action's verdict for the item. */
  outcome?: ItemOutcome;
  /** Every exchange (an action may make more than one request). */
  exchanges?: RecordedExchange[];
  /** The mapping as config YAML, ready to paste under the destination's `mappings:`. */
  yaml: string;
  /** Why no request is shown (destination not running, payload invalid, …). */
  note?: string;
}

/** A bad draft (unknown action, unparsable trigger, invalid directive): 400 naming the field. */
export class PreviewInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const SEGMENT_EVENT_HINT = 'paste one Segment event, e.g. {"type":"track","event":"purchase","userId":"u1","properties":{}}';

/** HttpClient that records requests and answers 200 `{}` without sending. */
export function capturingHttpClient(userAgent = 'optirelay'): { http: HttpClient; exchanges: RecordedExchange[] } {
  const exchanges: RecordedExchange[] = [];
  const http: HttpClient = {
    async send(req) {
      const headers: Record<string, string> = { 'user-agent': userAgent, ...(req.headers ?? {}) };
      if (req.body !== undefined && typeof req.body !== 'string' && !Buffer.isBuffer(req.body)) headers['content-type'] ??= 'application/json';
      const body = Buffer.isBuffer(req.body) ? `<${req.body.length} bytes>` : req.body;
      const exchange: RecordedExchange = {
        request: { method: req.method, url: req.url, headers: redactHeaders(headers), body: redactValue(body) },
        response: { status: 200, headers: {}, body: { note: 'preview: not sent' } },
        durationMs: 0,
      };
      exchanges.push(exchange);
      return { response: { status: 200, headers: { 'content-type': 'application/json' }, body: {}, text: '{}', durationMs: 0 }, exchange };
    },
  };
  return { http, exchanges };
}

function mappingYaml(id: string, action: string, trigger: string, overrides: Record<string, unknown> | undefined): string {
  const m: Record<string, unknown> = { id, action };
  if (trigger) m.trigger = trigger;
  if (overrides && Object.keys(overrides).length) m.fields = overrides;
  return stringify([m], { lineWidth: 0 });
}

/** Only the fields that differ from the action's defaults, so the YAML stays short. */
function overridesOf(action: AnyAction, fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const def = action.fields[k]?.default;
    if (def !== undefined && JSON.stringify(def) === JSON.stringify(v)) continue;
    out[k] = v;
  }
  for (const [k, def] of Object.entries(action.fields)) {
    if (def.default !== undefined && !(k in fields)) out[k] = null; // a removed default
  }
  return out;
}

export async function previewMapping(
  dest: DestinationConfig,
  type: AnyType,
  live: LiveDestination | undefined,
  input: PreviewInput,
  mode: 'preview' | 'send',
  now: number = Date.now(),
): Promise<PreviewResult> {
  const action = Object.prototype.hasOwnProperty.call(type.actions, input.action) ? (type.actions[input.action] as AnyAction) : undefined;
  if (!action) throw new PreviewInputError(`"action": unknown action "${input.action}" for ${type.type}; use one of: ${Object.keys(type.actions).join(', ')}`, 'action');
  if (!input.event || typeof input.event !== 'object' || Array.isArray(input.event)) throw new PreviewInputError(`"event" must be an object: ${SEGMENT_EVENT_HINT}`, 'event');

  const trigger = (input.trigger ?? '').trim() || action.defaultTrigger || '';
  if (!trigger) throw new PreviewInputError(`"trigger": action "${input.action}" has no default trigger; write one, e.g. type = "track"`, 'trigger');
  let predicateAst;
  try {
    predicateAst = parseTrigger(trigger);
  } catch (err) {
    if (err instanceof TriggerParseError) throw new PreviewInputError(`"trigger": ${err.message}`, 'trigger');
    throw err;
  }
  const fields = resolveFields(action as Parameters<typeof resolveFields>[0], input.fields);
  let transform;
  try {
    transform = compileMapping(fields);
  } catch (err) {
    if (err instanceof MappingValidationError || err instanceof MappingError) throw new PreviewInputError(`"fields": ${err.message}`, 'fields');
    throw err;
  }
  // A pasted event may lack what ingest adds (messageId, timestamp, receivedAt): fill them in as ingest would.
  const nowIso = new Date(now).toISOString();
  const raw = input.event;
  const filled: Record<string, unknown> = {
    ...raw,
    messageId: raw.messageId ?? `console-${randomUUID()}`,
    timestamp: raw.timestamp ?? raw.originalTimestamp ?? nowIso,
    receivedAt: raw.receivedAt ?? nowIso,
  };
  const event = filled as unknown as SegmentEvent;
  const matches = compileTrigger(predicateAst)(filled);
  const result: PreviewResult = {
    trigger,
    matches,
    fields,
    yaml: mappingYaml(input.id?.trim() || 'my-mapping', input.action, (input.trigger ?? '').trim(), overridesOf(action, input.fields)),
  };
  if (!matches) result.mismatch = explainMismatch(predicateAst, filled);

  let mapped: Record<string, unknown>;
  try {
    mapped = transform(filled);
  } catch (err) {
    if (err instanceof MappingError || err instanceof MappingValidationError) {
      result.errors = [{ field: '', message: err.message }];
      result.note = 'the field mapping failed on this event';
      return result;
    }
    throw err;
  }
  const validated = compileFields(action.fields).validate(mapped);
  if (!validated.ok) {
    result.errors = validated.errors.map((e) => ({ field: e.field, message: e.message }));
    result.payload = redactValue(mapped);
    result.note = 'the payload does not validate against the action\'s fields; nothing would be sent';
    return result;
  }
  let payload = validated.payload;
  if (!live) {
    result.payload = redactValue(payload);
    result.request = null;
    result.note = `destination "${dest.id}" is not running in this process (disabled, failed to start, or serve --no-workers), so its checks and request cannot be shown`;
    return result;
  }
  const capture = mode === 'preview' ? capturingHttpClient() : undefined;
  const ctx: DestinationContext = capture ? { ...live.ctx, http: capture.http } : live.ctx;
  try {
    if (action.prepare) payload = await action.prepare(ctx, payload, event, live.runtime);
  } catch (err) {
    result.payload = redactValue(payload);
    const field = err instanceof PayloadValidationError ? (err.field ?? '') : '';
    result.errors = [{ field, message: redactString((err as Error).message) }];
    result.note = 'the destination refuses this payload; a delivery would go to the dead letters with this reason';
    return result;
  }
  result.payload = redactValue(payload);
  try {
    const batch = await action.performBatch(ctx, [{ deliveryId: 0, payload, event }], live.runtime);
    const exchanges = capture ? capture.exchanges : batch.exchanges;
    result.exchanges = exchanges;
    const first = exchanges[0];
    result.request = first ? first.request : null;
    if (mode === 'send') {
      result.response = first?.response ?? null;
      result.outcome = batch.outcomes[0];
    } else if (!first) result.note = 'the action made no request for this payload';
  } catch (err) {
    const e = err as Error & { exchange?: RecordedExchange; statusCode?: number };
    const exchanges = capture ? capture.exchanges : e.exchange ? [e.exchange] : [];
    result.exchanges = exchanges;
    result.request = exchanges[0]?.request ?? null;
    result.response = exchanges[0]?.response ?? null;
    result.outcome = err instanceof RetryableError
      ? { status: 'retry', error: redactString(e.message), statusCode: e.statusCode }
      : { status: 'dead', error: redactString(e.message), statusCode: e.statusCode };
    if (mode === 'preview') result.note = `the action failed before sending: ${redactString(e.message)}`;
  }
  return result;
}
