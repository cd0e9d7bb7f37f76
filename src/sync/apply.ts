/**
 * Applying planned operations. Objects (audience, attribute, customEvent): the project's existing objects are
 * listed once per run (paginated) and cached by key (name for audiences); upsert PATCHes an existing one and
 * POSTs a new one; insert only POSTs (an existing key is the row's error). List attributes: the list is read
 * once, the resulting membership computed, and written whole in ONE PATCH (list_content overwrites).
 * Each success advances the snapshot for its row at once; failures leave the row for the next run.
 */
import { OptirelayError, PermanentError } from '../core/errors.js';
import type { SyncConfig } from '../config/types.js';
import type { SnapshotChange, SyncOp, SyncRowError, SyncRunCounts, SyncStore } from '../store/sync-types.js';
import { parseListContent, type RestListAttribute, type RestObjects } from '../optimizely/rest-objects.js';
import { parseLinkHeader } from '../optimizely/rest-v2.js';
import { apiMessage, authFailed, listAttributeNotFound, projectNotFound, SYNC_ERRORS } from '../destinations/optimizely-rest/errors.js';
import { lookupKey, restBody, type Fields } from './objects.js';
import type { RequestGate } from './request-gate.js';
import { AbortedError, RetriesExhaustedError } from './request-gate.js';
import type { PlannedOp, Scratch } from './scratch.js';

/** The run stops (status failed) on these; rows are not to blame. */
export class RunAbort extends Error {
  constructor(readonly reason: OptirelayError) {
    super(reason.message);
  }
}

export interface ApplyContext {
  sync: SyncConfig;
  store: SyncStore;
  objects: RestObjects;
  gate: RequestGate;
  counts: SyncRunCounts;
  now: () => number;
  rowError: (e: Omit<SyncRowError, 'runId'>) => void;
  onApplied?: () => void;
  signal?: AbortSignal;
}

type Existing = { id: number; archived?: boolean };

/** 401 anywhere, or the project gone, stops the run. */
function runLevel(err: unknown, projectId: number): OptirelayError | undefined {
  if (!(err instanceof OptirelayError)) return undefined;
  if (err.statusCode === 401) return authFailed();
  if (err.statusCode === 403) return projectNotFound(String(projectId));
  return undefined;
}

function rowMessage(sync: SyncConfig, err: unknown, pk: string): { code: string; message: string } {
  const msg = apiMessage(err);
  if (err instanceof RetriesExhaustedError) return { code: SYNC_ERRORS.retriesExhausted, message: `${msg} (row ${pk}; retried next run)` };
  if (sync.object === 'customEvent' && /already exists|duplicate|taken/i.test(msg)) {
    return { code: SYNC_ERRORS.duplicateEventKey, message: `duplicate custom event key "${pk}": an event with this key already exists in the project. Keys are unique per project${sync.mode === 'insert' ? '; use mode upsert to update existing events' : ''}.` };
  }
  if (sync.object === 'audience' && /condition/i.test(msg)) return { code: SYNC_ERRORS.invalidConditions, message: `invalid audience conditions in row ${pk}: ${msg}` };
  const code = err instanceof OptirelayError ? err.code : SYNC_ERRORS.rejected;
  return { code: code.startsWith('OR_SYNC_') ? code : SYNC_ERRORS.rejected, message: `${msg} (row ${pk})` };
}

async function listExisting(ctx: ApplyContext): Promise<Map<string, Existing>> {
  const { objects, gate, sync } = ctx;
  const map = new Map<string, Existing>();
  const add = (k: string, v: Existing): void => {
    const cur = map.get(k);
    // Prefer a live object over an archived one with the same key/name.
    if (!cur || (cur.archived && !v.archived)) map.set(k, v);
  };
  const path = sync.object === 'attribute' ? '/attributes' : sync.object === 'audience' ? '/audiences' : '/events';
  const query = sync.object === 'customEvent' ? { project_id: objects.projectId, include_classic: false } : { project_id: objects.projectId };
  const perPage = 100;
  let next: string | undefined = objects.client.url(path, { ...query, page: 1, per_page: perPage });
  for (let page = 1; next && page <= 10_000; page++) {
    const url: string = next;
    const res = await gate.call(() => objects.client.request<unknown>('GET', url));
    const items = Array.isArray(res.body) ? (res.body as Record<string, unknown>[]) : [];
    for (const o of items) {
      const k = sync.object === 'audience' ? o.name : o.key;
      if (typeof k === 'string') add(k, { id: o.id as number, archived: o.archived === true });
    }
    const link = parseLinkHeader(res.headers['link']);
    if (link) next = link.next ? new URL(link.next, url).toString() : undefined;
    else next = items.length >= perPage ? objects.client.url(path, { ...query, page: page + 1, per_page: perPage }) : undefined;
  }
  return map;
}

function bump(counts: SyncRunCounts, op: SyncOp, ok: boolean): void {
  counts[op][ok ? 'succeeded' : 'failed']++;
}

export async function applyObjectOps(ctx: ApplyContext, scratch: Scratch): Promise<void> {
  const { sync, store, objects, counts } = ctx;
  let existing: Map<string, Existing> | undefined;
  const quiet: SnapshotChange[] = [];
  const flushQuiet = async (): Promise<void> => {
    if (quiet.length) await store.applySnapshot(sync.id, quiet.splice(0));
  };
  for (const op of scratch.ops()) {
    if (ctx.signal?.aborted) throw new AbortedError();
    // Removed rows: objects are never deleted (upsert/insert); the entry is forgotten so a returning row is re-sent.
    if (op.op === 'removed') {
      quiet.push({ pk: op.pk, hash: null });
      if (quiet.length >= 1000) await flushQuiet();
      continue;
    }
    // insert: changed rows are not sent; the snapshot records that we saw the change.
    if (op.op === 'changed' && sync.mode === 'insert') {
      quiet.push({ pk: op.pk, hash: op.hash });
      if (quiet.length >= 1000) await flushQuiet();
      continue;
    }
    await flushQuiet();
    existing ??= await listExisting(ctx).catch((err: unknown) => {
      const abort = runLevel(err, objects.projectId);
      throw abort ? new RunAbort(abort) : err;
    });
    const ok = await applyOne(ctx, op, existing);
    if (ok) await store.applySnapshot(sync.id, [{ pk: op.pk, hash: op.hash }]);
    bump(counts, op.op, ok);
    ctx.onApplied?.();
  }
  await flushQuiet();
}

async function applyOne(ctx: ApplyContext, op: PlannedOp, existing: Map<string, Existing>): Promise<boolean> {
  const { sync, objects, gate } = ctx;
  const fields = op.fields as Fields;
  const key = lookupKey(sync.object, fields);
  const found = existing.get(key);
  try {
    if (found && sync.mode === 'insert') {
      throw new PermanentError(`${sync.object === 'audience' ? 'an audience named' : 'an object with key'} "${key}" already exists in the project`, SYNC_ERRORS.rejected, 400);
    }
    if (found) {
      const body = restBody(sync.object, fields, true);
      if (found.archived) body.archived = false;
      await gate.call((): Promise<unknown> =>
        sync.object === 'attribute' ? objects.updateAttribute(found.id, body) : sync.object === 'audience' ? objects.updateAudience(found.id, body) : objects.updateCustomEvent(found.id, body),
      );
      found.archived = false;
    } else {
      const body = restBody(sync.object, fields, false);
      const res = await gate.call((): Promise<{ body: { id: number } }> =>
        sync.object === 'attribute' ? objects.createAttribute(body) : sync.object === 'audience' ? objects.createAudience(body) : objects.createCustomEvent(body),
      );
      existing.set(key, { id: res.body.id });
    }
    return true;
  } catch (err) {
    if (err instanceof AbortedError) throw err;
    const abort = runLevel(err, objects.projectId);
    if (abort) throw new RunAbort(abort);
    const m = rowMessage(sync, err, op.pk);
    ctx.rowError({ pk: op.pk, op: op.op, code: m.code, message: m.message, at: ctx.now() });
    return false;
  }
}

/**
 * List attributes. Membership after the run:
 * - add: current ∪ added; remove: current − added (the model lists users to take out); mirror: the model itself.
 * One GET (also the "list attribute not found" check) and at most one PATCH.
 */
export async function applyListOps(ctx: ApplyContext, scratch: Scratch): Promise<void> {
  const { sync, store, objects, gate, counts } = ctx;
  const listId = String(sync.target['listAttributeId'] ?? '').trim();
  if (!/^\d+$/.test(listId)) throw new RunAbort(listAttributeNotFound(listId || '(none)'));
  let list: RestListAttribute;
  try {
    list = (await gate.call(() => objects.getListAttribute(listId))).body;
  } catch (err) {
    const abort = runLevel(err, objects.projectId);
    if (abort) throw new RunAbort(abort);
    if (err instanceof OptirelayError && err.statusCode === 404) throw new RunAbort(listAttributeNotFound(listId));
    throw err;
  }
  const current = parseListContent(list.list_content);
  const result = new Set(sync.mode === 'mirror' ? [] : current);
  if (sync.mode === 'mirror') for (const m of scratch.members()) result.add(m);
  const writes: PlannedOp[] = [];
  const quiet: SnapshotChange[] = [];
  for (const op of scratch.ops()) {
    if (op.op === 'changed') quiet.push({ pk: op.pk, hash: op.hash });
    else if (op.op === 'added') {
      if (sync.mode === 'add') result.add(op.pk);
      if (sync.mode === 'remove') result.delete(op.pk);
      writes.push(op);
    } else if (sync.mode === 'mirror') writes.push(op);
    else quiet.push({ pk: op.pk, hash: null }); // add/remove: a row leaving the model only leaves the snapshot
  }
  const same = result.size === current.length && current.every((m) => result.has(m));
  let ok = true;
  if (!same) {
    try {
      await gate.call(() => objects.writeListContent(list, [...result]));
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      const abort = runLevel(err, objects.projectId);
      if (abort) throw new RunAbort(abort);
      ok = false;
      const m = rowMessage(sync, err, `list attribute ${listId}`);
      for (const op of writes.slice(0, 100)) ctx.rowError({ pk: op.pk, op: op.op, code: m.code, message: `list_content not written: ${m.message}`, at: ctx.now() });
    }
  }
  // Rows that need no request (a changed list row, a row leaving an add/remove model) are not counted as operations.
  const changes: SnapshotChange[] = [...quiet];
  for (const op of writes) {
    bump(counts, op.op, ok);
    if (ok) changes.push({ pk: op.pk, hash: op.op === 'removed' ? null : op.hash });
  }
  for (let i = 0; i < changes.length; i += 10_000) await store.applySnapshot(sync.id, changes.slice(i, i + 10_000));
  ctx.onApplied?.();
}
