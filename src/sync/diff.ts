/**
 * The diff: stream the model, compare each row with the snapshot by primary key, and plan operations.
 *
 * Method (measured in bench/sync, BENCHMARKS.md): the snapshot is loaded once into a Map pk → 16-character hash;
 * each model row is mapped, hashed (SHA-1, 96 bits) and looked up: absent → added, other hash → changed, same →
 * unchanged. The entry is then overwritten with a SEEN marker, which also catches duplicate keys. Entries never
 * marked are the removed rows. Added and changed rows (with their mapped fields) go to the run's scratch
 * database, so memory holds only the map (~110 bytes per row) however many rows change.
 */
import type { SyncConfig } from '../config/types.js';
import type { SyncRowError, SyncStore } from '../store/sync-types.js';
import { checkRow, mapFields, OBJECT_FIELDS, type Fields } from './objects.js';
import { rowHash } from './hash.js';
import { Scratch } from './scratch.js';
import type { Row } from './sources/types.js';

const SEEN = '';
/** Invalid rows beyond this many are counted but not stored one by one. */
export const MAX_STORED_INVALID = 1000;

/** What a diff found, row by row (also the figures of a plan). */
export interface DiffCounts {
  rowsRead: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  invalid: number;
}

export interface DiffResult extends DiffCounts {
  invalidErrors: Omit<SyncRowError, 'runId'>[];
  scratch: Scratch;
}

/** The key a row is diffed by: the primary key, except list syncs, where it is the member (user id). */
function keyOf(sync: SyncConfig, row: Row, fields: Fields): string | null {
  if (sync.object === 'listAttribute') return fields.user_id;
  const v = row[sync.primaryKey];
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : String(v);
  return s === '' ? null : s;
}

export async function computeDiff(
  sync: SyncConfig,
  store: SyncStore,
  batches: AsyncIterable<Row[]>,
  opts: { now: () => number; onRow?: (rowsRead: number) => void; signal?: AbortSignal } = { now: Date.now },
): Promise<DiffResult> {
  const snapshot = new Map<string, string>();
  for await (const page of store.iterateSnapshot(sync.id)) for (const e of page) snapshot.set(e.pk, e.hash);
  const scratch = new Scratch();
  const order = OBJECT_FIELDS[sync.object];
  const list = sync.object === 'listAttribute';
  const r: DiffResult = { rowsRead: 0, added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0, invalidErrors: [], scratch };
  const invalid = (pk: string | null, code: string, message: string): void => {
    r.invalid++;
    if (r.invalidErrors.length < MAX_STORED_INVALID) r.invalidErrors.push({ pk, op: 'invalid', code, message, at: opts.now() });
  };
  const onRow = (row: Row): void => {
    r.rowsRead++;
    const fields = mapFields(sync, row);
    const pk = keyOf(sync, row, fields);
    if (pk === null) {
      invalid(null, 'OR_SYNC_INVALID_ROW', list ? 'user_id is null or empty' : `primary key "${sync.primaryKey}" is null or empty (row ${r.rowsRead})`);
      return;
    }
    const prev = snapshot.get(pk);
    if (prev === SEEN) {
      invalid(pk, 'OR_SYNC_INVALID_ROW', `duplicate primary key "${pk}": only its first row is synced`);
      return;
    }
    snapshot.set(pk, SEEN);
    const problem = checkRow(sync.object, fields);
    if (problem) {
      invalid(pk, problem.code, `${problem.message} (row ${pk})`);
      return;
    }
    if (list) scratch.addMember(pk);
    const hash = rowHash(fields, order);
    if (prev === undefined) {
      r.added++;
      scratch.addOp('added', pk, hash, fields);
    } else if (prev !== hash) {
      r.changed++;
      scratch.addOp('changed', pk, hash, fields);
    } else r.unchanged++;
  };
  try {
    for await (const batch of batches) {
      if (opts.signal?.aborted) break;
      for (const row of batch) onRow(row);
      opts.onRow?.(r.rowsRead);
    }
    for (const [pk, h] of snapshot) {
      if (h === SEEN) continue;
      r.removed++;
      scratch.addOp('removed', pk, null, null);
    }
    scratch.flush();
    opts.onRow?.(r.rowsRead);
    return r;
  } catch (err) {
    scratch.close();
    throw err;
  }
}
