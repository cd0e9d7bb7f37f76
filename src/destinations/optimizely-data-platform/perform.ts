/**
 * The batch path shared by the ODP actions. Each item builds one ODP object (a profile, an event) or several (an
 * ecommerce event with several products); objects go out in requests of at most 500, in order.
 * - An item whose payload cannot be built is dead and never sent.
 * - A 400 with `detail.invalids` names objects by index: their items are dead with ODP's reason, and the valid rest
 *   is SENT AGAIN without them. ODP does not document whether it kept the valid rest of a refused request (the
 *   sandbox keeps nothing), and a resend is harmless when it did: events carry `idempotence_id`, profile upserts
 *   are idempotent. So "only the invalid items fail; the rest are delivered" holds either way.
 * - A failure of a request as a whole (401/403, 429, 5xx, transport) before anything settled is THROWN with its
 *   class and the redacted exchange attached, so the deliverer decides the batch's fate (kit.ts); after part of
 *   the batch settled, the unsettled items get the per-item form of the same fate.
 * An item is delivered when all of its objects were accepted, dead when any was refused, else retried.
 */
import { PayloadValidationError, PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';
import type { SegmentEvent } from '../../core/event.js';
import { OdpClient, type OdpWriteResult } from '../../optimizely/odp-client.js';
import type { BatchItem, BatchResult, DestinationContext, Exchange, ItemOutcome } from '../kit.js';
import { resolveOdpBaseUrl } from './regions.js';

export interface OdpSettings {
  apiKey: string;
  region?: 'US' | 'EU' | 'AU';
}

export type Payload = Record<string, unknown>;

export function odpClientFor(ctx: DestinationContext<OdpSettings>): OdpClient {
  const settings = ctx.settings as unknown as Record<string, unknown>;
  return new OdpClient({ baseUrl: resolveOdpBaseUrl(settings, ctx.endpoints), apiKey: String(ctx.settings.apiKey ?? ''), http: ctx.http });
}

/** ODP's documented cap on objects per request (reference §4.1); lane config may lower the batch, never raise this. */
export const ODP_MAX_OBJECTS_PER_REQUEST = 500;

/** Resends of the valid rest after a 400 with invalids, per request (each round removes at least one object). */
const MAX_ROUNDS = 3;

type EntryState = { status: 'pending' } | { status: 'delivered' } | { status: 'dead'; error: string } | { status: 'failed'; outcome: ItemOutcome };

export async function sendBatch<T>(
  ctx: DestinationContext<OdpSettings>,
  items: BatchItem<Payload>[],
  build: (payload: Payload, event: SegmentEvent) => T | T[],
  send: (client: OdpClient, objects: T[]) => Promise<OdpWriteResult>,
): Promise<BatchResult> {
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
  const entries: { object: T; item: number; state: EntryState }[] = [];
  items.forEach((item, i) => {
    try {
      const built = build(item.payload, item.event);
      for (const object of Array.isArray(built) ? built : [built]) entries.push({ object, item: i, state: { status: 'pending' } });
    } catch (err) {
      if (!(err instanceof PayloadValidationError)) throw err;
      outcomes[i] = { status: 'dead', error: err.message, statusCode: err.statusCode };
    }
  });
  const exchanges: Exchange[] = [];
  let settled = outcomes.some(Boolean);
  const client = odpClientFor(ctx);

  for (let start = 0; start < entries.length; start += ODP_MAX_OBJECTS_PER_REQUEST) {
    const chunk = entries.slice(start, start + ODP_MAX_OBJECTS_PER_REQUEST);
    try {
      for (let round = 1; ; round++) {
        // Items already dead (any of their objects refused) are not sent again.
        const deadItems = new Set(entries.filter((e) => e.state.status === 'dead').map((e) => e.item));
        const live = chunk.filter((e) => e.state.status === 'pending' && !deadItems.has(e.item));
        if (live.length === 0) break;
        const result = await send(client, live.map((e) => e.object));
        exchanges.push(result.exchange);
        if (result.failures.length === 0) {
          for (const e of live) e.state = { status: 'delivered' };
          settled = true;
          break;
        }
        for (const f of result.failures) live[f.index]!.state = { status: 'dead', error: `ODP rejected this item (400): ${f.reason}` };
        settled = true;
        ctx.logger.warn({ destinationId: ctx.destinationId, rejected: result.failures.length, sent: live.length, round }, 'ODP rejected some items of a batch; resending the rest');
        if (round >= MAX_ROUNDS) {
          const outcome: ItemOutcome = { status: 'retry', error: `ODP refused the batch ${round} times with invalid items; the rest will be retried`, statusCode: 400 };
          for (const e of live) if (e.state.status === 'pending') e.state = { status: 'failed', outcome };
          break;
        }
      }
    } catch (err) {
      if (!settled) throw err;
      const exchange = (err as { exchange?: Exchange }).exchange;
      if (exchange) exchanges.push(exchange);
      const outcome = outcomeForError(err);
      for (const e of entries) if (e.state.status === 'pending') e.state = { status: 'failed', outcome };
      break;
    }
  }

  items.forEach((_item, i) => {
    if (outcomes[i]) return;
    const mine = entries.filter((e) => e.item === i).map((e) => e.state);
    const dead = mine.find((st): st is Extract<EntryState, { status: 'dead' }> => st.status === 'dead');
    const failed = mine.find((st): st is Extract<EntryState, { status: 'failed' }> => st.status === 'failed');
    if (dead) outcomes[i] = { status: 'dead', error: dead.error, statusCode: 400 };
    else if (failed) outcomes[i] = failed.outcome;
    else if (mine.every((st) => st.status === 'delivered')) outcomes[i] = { status: 'delivered' };
    else outcomes[i] = { status: 'retry', error: 'not sent: an earlier request of this batch failed' };
  });
  return { outcomes, exchanges };
}

/** The per-item form of a whole-request failure (same fate the deliverer gives the thrown class). */
export function outcomeForError(err: unknown): ItemOutcome {
  if (err instanceof RateLimitedError) return { status: 'retry', error: err.message, statusCode: 429, retryAfterMs: err.retryAfterMs };
  if (err instanceof RetryableError) return { status: 'retry', error: err.message, statusCode: err.statusCode };
  if (err instanceof PermanentError) return { status: 'dead', error: err.message, statusCode: err.statusCode };
  return { status: 'retry', error: err instanceof Error ? err.message : String(err) };
}

/** prepare(): build once to surface payload errors before the item is batched; the payload itself is unchanged. */
export function validateWith(build: (payload: Payload, event: SegmentEvent) => unknown) {
  return (_ctx: DestinationContext<OdpSettings>, payload: Payload, event: SegmentEvent): Payload => {
    build(payload, event);
    return payload;
  };
}

