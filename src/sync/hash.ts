/**
 * Row hash for the snapshot: SHA-1 of the mapped fields in their fixed order (a JSON array, so field order and
 * null vs "" are unambiguous), first 96 bits as base64url (16 characters). A 96-bit hash makes a missed change
 * (two different rows with one hash) practically impossible, and keeps a 1M-row snapshot map small.
 */
import { createHash } from 'node:crypto';
import type { Fields } from './objects.js';

export function rowHash(fields: Fields, order: readonly string[]): string {
  const values = order.map((k) => fields[k] ?? null);
  return createHash('sha1').update(JSON.stringify(values)).digest('base64url').slice(0, 16);
}
