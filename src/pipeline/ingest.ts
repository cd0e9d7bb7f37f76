/**
 * Ingest: validate and normalise the messages of one Tracking API request, route each valid event to the mappings
 * whose trigger it matches, and append events + deliveries + rejected records in ONE store call (the store
 * group-commits concurrent requests and resolves only after a durable commit, so the caller may answer 200).
 */
import type { Clock } from '../core/clock.js';
import type { EventType, SegmentEvent } from '../core/event.js';
import { RequestError } from '../core/errors.js';
import type { OptirelayConfig } from '../config/types.js';
import type { AppendInput, AppendResult, NewDelivery, RejectedInput, Store } from '../store/types.js';
import { checkEnvelope, normaliseMessage, type Envelope, type Rejection } from './ingest/normalise.js';
import { MAX_BATCH_EVENTS } from './ingest/limits.js';

export type { Envelope, Rejection } from './ingest/normalise.js';

/** What ingest needs of the router (src/pipeline/router.ts): the deliveries an event produces. */
export interface EventRouter {
  route(event: SegmentEvent): NewDelivery[];
}

export interface IngestDeps {
  store: Pick<Store, 'appendEvents'>;
  router: EventRouter;
  config: Pick<OptirelayConfig, 'ingest'>;
  clock: Clock;
  /**
   * Suppression seam (privacy): events whose user this matches are counted as suppressed and not stored.
   * Called with the event's userId and anonymousId (either may be undefined).
   */
  isSuppressed?: (userId: string | undefined, anonymousId: string | undefined) => boolean;
}

export interface IngestOptions {
  /** Single-message endpoints (`/v1/track`, `/v1/t`, …) imply the type. */
  impliedType?: EventType;
  /**
   * Each message's size in bytes as sent (or 'fit': the whole body is within the per-event limit). Without it,
   * each message is measured as the UTF-8 length of its JSON.stringify.
   */
  sizes?: readonly number[] | 'fit';
}

export interface IngestResult {
  received: number;
  accepted: number;
  duplicates: number;
  suppressed: number;
  /** Invalid messages, in request order; each is also kept as a rejected record. */
  rejected: Rejection[];
}

/** Kept in a rejected record instead of a body that itself broke the size limit. */
const OVERSIZE_BODY_KEYS = ['type', 'messageId', 'userId', 'anonymousId', 'event'] as const;

export class Ingest {
  private readonly deps: IngestDeps;

  constructor(deps: IngestDeps) {
    this.deps = deps;
  }

  /** Set or replace the suppression check (privacy plugs in after construction). */
  setSuppression(fn: IngestDeps['isSuppressed']): void {
    this.deps.isSuppressed = fn;
  }

  /** Live reload (server/reload.ts): route the next requests with these mappings. */
  setRouter(router: EventRouter): void {
    this.deps.router = router;
  }

  /** Live reload: the ingest settings (dedup window) of the next requests. */
  setConfig(config: Pick<OptirelayConfig, 'ingest'>): void {
    this.deps.config = config;
  }

  /**
   * Validate, normalise, route and durably append one request's messages. The message objects are normalised in
   * place (ownership passes to ingest); resolves after the store's commit. Throws RequestError for request-level
   * problems (too many events, bad envelope) before anything is stored; a store failure rejects as it came.
   *
   * Everything up to the store call runs synchronously, and only small values (counts, the rejection list) wait for
   * the commit: the parsed messages are not referenced while the commit runs (the store has serialised them), so a
   * caller that drops its own references (tracking-routes.ts) lets them be collected young instead of being promoted
   * to the old generation during the commit wait — that promotion was most of the server's peak RSS under load.
   */
  accept(sourceId: string, messages: unknown[], envelope: Envelope = {}, opts: IngestOptions = {}): Promise<IngestResult> {
    let started: { appended: Promise<AppendResult>; received: number; suppressed: number; rejected: Rejection[] };
    try {
      started = this.start(sourceId, messages, envelope, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return finish(started.appended, started.received, started.suppressed, started.rejected);
  }

  private start(
    sourceId: string,
    messages: unknown[],
    envelope: Envelope,
    opts: IngestOptions,
  ): { appended: Promise<AppendResult>; received: number; suppressed: number; rejected: Rejection[] } {
    if (messages.length > MAX_BATCH_EVENTS) {
      throw new RequestError('too_many_events', `a batch may hold at most ${MAX_BATCH_EVENTS} events (got ${messages.length}); split it into smaller batches`, 400, { limit: MAX_BATCH_EVENTS });
    }
    const env: Envelope = {
      sentAt: envelope.sentAt ?? undefined,
      context: envelope.context ?? undefined,
      integrations: envelope.integrations ?? undefined,
    };
    const bad = checkEnvelope(env);
    if (bad) throw new RequestError('invalid_request', bad.message, 400, { field: bad.field });

    const { router, isSuppressed } = this.deps;
    const sizes = opts.sizes;
    const now = this.deps.clock.now();
    const receivedAtIso = new Date(now).toISOString();
    const envelopeSentAt = typeof env.sentAt === 'string' ? Date.parse(env.sentAt) : NaN;
    const envelopeSentAtIso = Number.isNaN(envelopeSentAt) ? undefined : new Date(envelopeSentAt).toISOString();
    const events: AppendInput['events'] = [];
    const rejectedRecords: RejectedInput[] = [];
    const rejected: Rejection[] = [];
    let suppressed = 0;

    for (let index = 0; index < messages.length; index++) {
      const raw = messages[index];
      const size = sizes === 'fit' ? 0 : sizes?.[index];
      const r = normaliseMessage({ raw, index, size, impliedType: opts.impliedType, envelope: env, receivedAt: now, receivedAtIso, envelopeSentAt, envelopeSentAtIso });
      if ('rejection' in r) {
        rejected.push(r.rejection);
        rejectedRecords.push({
          sourceId,
          reason: `${r.rejection.code}: ${r.rejection.message}`,
          field: r.rejection.field || undefined,
          body: rejectedBody(raw, r.rejection.code),
          index,
        });
        continue;
      }
      const event = r.event;
      if (isSuppressed && isSuppressed(event.userId ?? undefined, event.anonymousId ?? undefined)) {
        suppressed++;
        continue;
      }
      events.push({ event, deliveries: router.route(event) });
    }

    const appended = this.deps.store.appendEvents({
      sourceId,
      now,
      dedupWindowMs: this.deps.config.ingest.dedupWindowMs,
      events,
      rejected: rejectedRecords,
      suppressed,
    });
    return { appended, received: messages.length, suppressed, rejected };
  }
}

/** The part of accept() that waits for the commit; it holds only counts and the rejection list. */
async function finish(appended: Promise<AppendResult>, received: number, suppressed: number, rejected: Rejection[]): Promise<IngestResult> {
  const result = await appended;
  let accepted = 0;
  for (const o of result.outcomes) if (o === 'accepted') accepted++;
  return { received, accepted, duplicates: result.outcomes.length - accepted, suppressed, rejected };
}

/** The rejected record keeps the message as received, minus the write key, and only a summary when it was over-size. */
function rejectedBody(raw: unknown, code: string): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const text = JSON.stringify(raw) ?? 'undefined';
    return text.length <= 1024 ? (raw ?? null) : { truncated: true, kind: Array.isArray(raw) ? 'array' : typeof raw };
  }
  const msg = raw as Record<string, unknown>;
  if (code === 'event_too_large') {
    const summary: Record<string, unknown> = { truncated: true };
    for (const k of OVERSIZE_BODY_KEYS) if (typeof msg[k] === 'string') summary[k] = (msg[k] as string).slice(0, 200);
    return summary;
  }
  if (!('writeKey' in msg)) return msg;
  const copy = { ...msg };
  delete copy.writeKey;
  return copy;
}
