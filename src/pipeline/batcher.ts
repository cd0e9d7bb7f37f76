/**
 * Batching for one lane: claim up to `batchSize` ready deliveries; when the lane is not full, linger up to
 * `lingerMs` for more (woken as new work arrives) and flush on count or linger. Then split what was prepared into
 * requests that respect the action's byte limit. Never holds more than one batch per lane in memory.
 */
import type { ClaimedDelivery } from '../store/types.js';
import type { Waker } from './sleep.js';

export interface CollectOptions {
  batchSize: number;
  lingerMs: number;
  claim(limit: number): Promise<ClaimedDelivery[]>;
  /** Woken when new work may be ready (ingest commit, scheduler). */
  waker: Waker;
  signal?: AbortSignal;
  /** Called with each claimed delivery as soon as it is held (so heartbeats and stop() see it). */
  onClaim?(d: ClaimedDelivery[]): void;
}

/** Claim a batch, lingering for a fuller one. Returns [] when the lane has nothing ready. */
export async function collectBatch(o: CollectOptions): Promise<ClaimedDelivery[]> {
  const items = await o.claim(o.batchSize);
  o.onClaim?.(items);
  if (items.length === 0 || items.length >= o.batchSize || o.lingerMs <= 0) return items;
  const deadline = performance.now() + o.lingerMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0 || o.signal?.aborted) break;
    await o.waker.wait(left, o.signal);
    if (o.signal?.aborted) break;
    const more = await o.claim(o.batchSize - items.length);
    o.onClaim?.(more);
    items.push(...more);
    if (items.length >= o.batchSize) break;
  }
  return items;
}

/** Serialized size of a payload in bytes (what a JSON request body would carry for it). */
export function payloadBytes(payload: unknown): number {
  return Buffer.byteLength(JSON.stringify(payload) ?? '', 'utf8');
}

/**
 * Split items into consecutive chunks of at most `maxBytes` total (by `size`), keeping order. An item larger than
 * `maxBytes` on its own is returned in `oversize` (it can never be sent).
 */
export function splitByBytes<T>(items: T[], maxBytes: number | undefined, size: (t: T) => number): { chunks: T[][]; oversize: { item: T; bytes: number }[] } {
  if (!maxBytes || maxBytes <= 0) return { chunks: items.length ? [items] : [], oversize: [] };
  const chunks: T[][] = [];
  const oversize: { item: T; bytes: number }[] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const b = size(it);
    if (b > maxBytes) {
      oversize.push({ item: it, bytes: b });
      continue;
    }
    // +1 per item for the separator a JSON array adds; the action adds its own envelope (keep maxBytes below the API's).
    if (cur.length && bytes + b + 1 > maxBytes) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += b + 1;
  }
  if (cur.length) chunks.push(cur);
  return { chunks, oversize };
}
