/**
 * The batch path shared by the ODP actions: build one ODP object per item, send them in ONE request, and map ODP's
 * per-index rejections back to items. Items whose payload cannot be built are dead (never sent); items ODP lists in
 * `detail.invalids` are dead with ODP's reason; every other item is delivered. A failure of the request as a whole
 * (403, 429, 5xx, transport) is thrown with its class and the redacted exchange attached, so the deliverer decides
 * the batch's fate (kit.ts).
 */
import { PayloadValidationError } from '../../core/errors.js';
import type { SegmentEvent } from '../../core/event.js';
import { OdpClient, type OdpWriteResult } from '../../optimizely/odp-client.js';
import type { BatchItem, BatchResult, DestinationContext, ItemOutcome } from '../kit.js';
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

export async function sendBatch<T>(
  ctx: DestinationContext<OdpSettings>,
  items: BatchItem<Payload>[],
  build: (payload: Payload, event: SegmentEvent) => T,
  send: (client: OdpClient, objects: T[]) => Promise<OdpWriteResult>,
): Promise<BatchResult> {
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
  const objects: T[] = [];
  const owners: number[] = [];
  items.forEach((item, i) => {
    try {
      objects.push(build(item.payload, item.event));
      owners.push(i);
    } catch (err) {
      if (!(err instanceof PayloadValidationError)) throw err;
      outcomes[i] = { status: 'dead', error: err.message, statusCode: err.statusCode };
    }
  });
  if (objects.length === 0) return { outcomes, exchanges: [] };

  const result = await send(odpClientFor(ctx), objects);
  const rejected = new Map(result.failures.map((f) => [f.index, f.reason]));
  owners.forEach((itemIndex, objectIndex) => {
    const reason = rejected.get(objectIndex);
    outcomes[itemIndex] =
      reason === undefined ? { status: 'delivered' } : { status: 'dead', error: `ODP rejected this item (400): ${reason}`, statusCode: 400 };
  });
  if (rejected.size > 0) {
    ctx.logger.warn({ destinationId: ctx.destinationId, rejected: rejected.size, sent: objects.length }, 'ODP rejected some items of a batch');
  }
  return { outcomes, exchanges: [result.exchange] };
}

/** prepare(): build once to surface payload errors before the item is batched; the payload itself is unchanged. */
export function validateWith(build: (payload: Payload, event: SegmentEvent) => unknown) {
  return (_ctx: DestinationContext<OdpSettings>, payload: Payload, event: SegmentEvent): Payload => {
    build(payload, event);
    return payload;
  };
}

