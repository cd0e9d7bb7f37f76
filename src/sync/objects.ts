/**
 * Object types a sync writes, and what each row becomes: its mapped fields (field → column, absent fields read the
 * same-named column), the checks made before anything is sent, and the REST body (docs/syncs.md, "On the wire").
 */
import type { SyncConfig } from '../config/types.js';

export type ObjectType = SyncConfig['object'];

export const OBJECT_FIELDS: Record<ObjectType, readonly string[]> = {
  audience: ['name', 'conditions', 'description'],
  attribute: ['key', 'name', 'description'],
  customEvent: ['key', 'name', 'description', 'category'],
  listAttribute: ['user_id'],
};

export const OBJECT_MODES: Record<ObjectType, readonly SyncConfig['mode'][]> = {
  audience: ['upsert', 'insert'],
  attribute: ['upsert', 'insert'],
  customEvent: ['upsert', 'insert'],
  listAttribute: ['add', 'remove', 'mirror'],
};

export const KEY_PATTERN = /^[a-zA-Z0-9_\- .]+$/;
export const KEY_MAX = 64;
export const CATEGORIES = ['add_to_cart', 'save', 'search', 'share', 'purchase', 'convert', 'sign_up', 'subscribe', 'other'];

/**
 * The audience conditions sent when a row has none. The seed says the default is ["everyone"], but "everyone" is
 * not an audience condition on the REST API (reference §3.4: it is an experiment's audience_conditions value), and
 * an empty list ("and" with no operand) is refused. This tautology matches every visitor: the attribute
 * `optirelay_everyone` either exists or it does not (`exists` never evaluates to null).
 */
export const EVERYONE_CONDITIONS = JSON.stringify([
  'or',
  { type: 'custom_attribute', name: 'optirelay_everyone', match_type: 'exists' },
  ['not', { type: 'custom_attribute', name: 'optirelay_everyone', match_type: 'exists' }],
]);

export type Fields = Record<string, string | null>;

/** A row's value for `field`, as text (null when absent). Objects/arrays (NDJSON, jsonb) become JSON. */
function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return JSON.stringify(v);
}

export function columnOf(sync: Pick<SyncConfig, 'fields'>, field: string): string {
  return sync.fields[field] ?? field;
}

export function mapFields(sync: Pick<SyncConfig, 'fields' | 'object' | 'primaryKey'>, row: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const f of OBJECT_FIELDS[sync.object]) {
    const col = columnOf(sync, f);
    let v = text(row[col]);
    // A list sync whose model has no user_id column: the primary key is the user id.
    if (v === null && sync.object === 'listAttribute' && !(col in row)) v = text(row[sync.primaryKey]);
    out[f] = v;
  }
  return out;
}

type Problem = { code: string; message: string };
const bad = (message: string, code = 'OR_SYNC_INVALID_ROW'): Problem => ({ code, message });

function checkKey(what: string, key: string | null): Problem | undefined {
  if (!key) return bad(`${what} key is empty. Fix: map a column to "key" (fields: { key: <column> })`);
  if (key.length > KEY_MAX) return bad(`${what} key "${key.slice(0, 80)}…" is ${key.length} characters; Optimizely allows at most ${KEY_MAX}`);
  if (!KEY_PATTERN.test(key)) return bad(`${what} key "${key}" has characters Optimizely refuses; allowed: letters, digits, '_', '-', ' ' and '.'`);
  return undefined;
}

/** Why a row cannot be sent (undefined when it can). */
export function checkRow(object: ObjectType, f: Fields): Problem | undefined {
  switch (object) {
    case 'attribute':
      return checkKey('attribute', f.key ?? null);
    case 'customEvent': {
      const k = checkKey('custom event', f.key ?? null);
      if (k) return k;
      if (f.category && !CATEGORIES.includes(f.category)) return bad(`category "${f.category}" is not one of ${CATEGORIES.join(', ')}`);
      return undefined;
    }
    case 'audience': {
      if (!f.name) return bad('audience name is empty. Fix: map a column to "name"');
      const c = audienceConditions(f.conditions ?? null);
      if ('error' in c) return bad(`invalid audience conditions: ${c.error}`, 'OR_SYNC_INVALID_CONDITIONS');
      return undefined;
    }
    case 'listAttribute': {
      const id = f.user_id;
      if (!id || !id.trim()) return bad('user_id is empty. Fix: select a user_id column (or map one: fields: { user_id: <column> })');
      if (id.includes(',')) return bad(`user_id "${id}" contains a comma; list_content is comma-separated, so it cannot be stored`);
      return undefined;
    }
  }
}

/** The conditions string to send: absent/"everyone" → EVERYONE_CONDITIONS; else valid condition JSON. */
export function audienceConditions(raw: string | null): { value: string } | { error: string } {
  if (raw === null || raw.trim() === '' || raw.trim() === 'everyone') return { value: EVERYONE_CONDITIONS };
  let tree: unknown;
  try {
    tree = JSON.parse(raw);
  } catch (err) {
    return { error: `not JSON (${(err as Error).message}). Fix: give a list such as ["and", {"type":"custom_attribute","name":"plan","value":"gold"}]` };
  }
  if (Array.isArray(tree) && tree.length === 1 && tree[0] === 'everyone') return { value: EVERYONE_CONDITIONS };
  const err = walk(tree, '$');
  return err ? { error: err } : { value: JSON.stringify(tree) };
}

function walk(node: unknown, path: string): string | undefined {
  if (Array.isArray(node)) {
    const [op, ...rest] = node;
    if (op !== 'and' && op !== 'or' && op !== 'not') return `${path}[0] must be "and", "or" or "not" (got ${JSON.stringify(op)})`;
    if (rest.length === 0) return `${path}: "${op}" needs at least one condition`;
    if (op === 'not' && rest.length !== 1) return `${path}: "not" takes exactly one condition`;
    for (let i = 0; i < rest.length; i++) {
      const e = walk(rest[i], `${path}[${i + 1}]`);
      if (e) return e;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return `${path} must be a condition object or list (got ${JSON.stringify(node)})`;
  const leaf = node as Record<string, unknown>;
  if ('audience_id' in leaf) return typeof leaf.audience_id === 'number' ? undefined : `${path}.audience_id must be a number`;
  if (typeof leaf.type !== 'string') return `${path}.type is required (e.g. "custom_attribute")`;
  if (leaf.type === 'custom_attribute' && (typeof leaf.name !== 'string' || !leaf.name)) return `${path}.name must be the attribute key`;
  return undefined;
}

/** The lookup key of an object at Optimizely: key for attributes and events, name for audiences. */
export function lookupKey(object: ObjectType, f: Fields): string {
  return (object === 'audience' ? f.name : object === 'listAttribute' ? f.user_id : f.key) ?? '';
}

/** REST body for create (and, without `key`, for update). Null fields are left out. */
export function restBody(object: ObjectType, f: Fields, forUpdate: boolean): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  const put = (k: string, v: string | null | undefined): void => {
    if (v !== null && v !== undefined) b[k] = v;
  };
  switch (object) {
    case 'attribute':
      if (!forUpdate) put('key', f.key);
      put('name', f.name);
      put('description', f.description);
      break;
    case 'customEvent':
      if (!forUpdate) put('key', f.key);
      put('name', f.name);
      put('description', f.description);
      put('category', f.category);
      if (!forUpdate) b.event_type = 'custom';
      break;
    case 'audience': {
      put('name', f.name);
      const c = audienceConditions(f.conditions);
      if ('value' in c) b.conditions = c.value;
      put('description', f.description);
      break;
    }
    case 'listAttribute':
      break;
  }
  return b;
}
