/**
 * Row hash for the snapshot: two 53-bit cyrb53 hashes (different seeds) of the mapped fields in their fixed
 * order, serialised as a JSON array (so field order and null vs "" are unambiguous), as 16 base-36 characters
 * (~106 bits). Not cryptographic — it only has to notice a change — and ~10× cheaper than creating a SHA-1 hash
 * object per row, which matters for a 1M-row diff (bench/sync, BENCHMARKS.md).
 */
import type { Fields } from './objects.js';

function cyrb53(str: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function rowHash(fields: Fields, order: readonly string[]): string {
  const values: (string | null)[] = new Array<string | null>(order.length);
  for (let i = 0; i < order.length; i++) values[i] = fields[order[i]!] ?? null;
  const s = JSON.stringify(values);
  return cyrb53(s, 0).toString(36).padStart(11, '0').slice(-8) + cyrb53(s, 0x9e3779b9).toString(36).padStart(11, '0').slice(-8);
}
