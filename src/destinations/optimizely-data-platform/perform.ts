/**
 * The batch path shared by the ODP actions: build one ODP object per item, send them in requests of at most 500
 * objects (one request for a lane batch within ODP's limit), and map ODP's
 * per-index rejections back to items. Items whose payload cannot be built are dead (never sent); items ODP lists in
 * `detail.invalids` are dead with ODP's reason; every other item is delivered. A failure of the request as a whole
 * (403, 429, 5xx, transport) is thrown with its class and the redacted exchange attached, so the deliverer decides
 * the batch's fate (kit.ts).
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

export async function sendBatch<T>(
  ctx: DestinationContext<OdpSettings>,
  items: BatchItem<Payload>[],
  build: (payload: Payload, event: SegmentEvent) => T,
  send: (client: OdpClient, objects: T[]) => Promise<OdpWriteResult>,
): Promise<BatchResult> {
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
  const built: { object: T; item: number }[] = [];
  items.forEach((item, i) => {
    try {
      built.push({ object: build(item.payload, item.event), item: i });
    } catch (err) {
      if (!(err instanceof PayloadValidationError)) throw err;
      outcomes[i] = { status: 'dead', error: err.message, statusCode: err.statusCode };
    }
  });
  const exchanges: Exchange[] = [];
  if (built.length === 0) return { outcomes, exchanges };

  const client = odpClientFor(ctx);
  for (let start = 0; start < built.length; start += ODP_MAX_OBJECTS_PER_REQUEST) {
    const chunk = built.slice(start, start + ODP_MAX_OBJECTS_PER_REQUEST);
    let result: OdpWriteResult;
    try {
      result = await send(client, chunk.map((b) => b.object));
    } catch (err) {
      // Nothing settled yet: the error's class decides the whole batch. Otherwise only the unsent rest fails.
      if (start === 0 && built.length === items.length) throw err;
      const exchange = (err as { exchange?: Exchange }).exchange;
      if (exchange) exchanges.push(exchange);
      const outcome = outcomeForError(err);
      for (const b of built.slice(start)) outcomes[b.item] = outcome;
      return { outcomes, exchanges };
    }
    exchanges.push(result.exchange);
    const rejected = new Map(result.failures.map((f) => [f.index, f.reason]));
    chunk.forEach((b, objectIndex) => {
      const reason = rejected.get(objectIndex);
      outcomes[b.item] =
        reason === undefined ? { status: 'delivered' } : { status: 'dead', error: `ODP rejected this item (400): ${reason}`, statusCode: 400 };
    });
    if (rejected.size > 0) {
      ctx.logger.warn({ destinationId: ctx.destinationId, rejected: rejected.size, sent: chunk.length }, 'ODP rejected some items of a batch');
    }
  }
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

