/**
 * Audience condition validation (REST form: a serialized JSON string) and its translation to the datafile form
 * (`match_type` → `match`). Lists start with "and" | "or" | "not"; "not" takes exactly one operand; leaves are
 * `{type:"custom_attribute", name, value, match_type?}` or `{audience_id}`. Web projects also accept the Web
 * condition types (language, location, browser, cookies, query, referrer, list, …).
 */

export const MATCH_TYPES = new Set([
  'exact',
  'exists',
  'substring',
  'gt',
  'ge',
  'lt',
  'le',
  'semver_eq',
  'semver_lt',
  'semver_le',
  'semver_gt',
  'semver_ge',
  'qualified',
]);

const WEB_TYPES = new Set([
  'language',
  'location',
  'browser',
  'cookies',
  'query',
  'referrer',
  'list',
  'device',
  'platform',
  'source_type',
  'campaign',
  'time_and_day',
  'first_session',
  'code',
  'ip',
  'custom_tag',
  'custom_dimension',
  'third_party_dimension',
]);

export interface ConditionContext {
  platform: 'custom' | 'web';
  /** Audience ids (strings) that exist in the project, for audience_id leaves. */
  audienceIds: Set<string>;
}

/** Returns the parsed tree, or throws Error whose message names the problem (and where, as a JSON path). */
export function validateConditions(conditions: unknown, ctx: ConditionContext): unknown {
  if (typeof conditions !== 'string') throw new Error('conditions must be a serialized JSON string, e.g. "[\\"and\\", {\\"type\\":\\"custom_attribute\\",\\"name\\":\\"plan\\",\\"value\\":\\"gold\\"}]"');
  let tree: unknown;
  try {
    tree = JSON.parse(conditions);
  } catch (err) {
    throw new Error(`conditions is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(tree)) throw new Error('conditions must encode a list starting with "and", "or" or "not"');
  walk(tree, '$', ctx);
  return tree;
}

function walk(node: unknown, path: string, ctx: ConditionContext): void {
  if (Array.isArray(node)) {
    const [op, ...operands] = node;
    if (op !== 'and' && op !== 'or' && op !== 'not') throw new Error(`${path}[0]: a condition list must start with "and", "or" or "not", got ${JSON.stringify(op)}`);
    if (operands.length === 0) throw new Error(`${path}: "${op}" needs at least one operand`);
    if (op === 'not' && operands.length !== 1) throw new Error(`${path}: "not" takes exactly one operand, got ${operands.length}`);
    operands.forEach((o, i) => walk(o, `${path}[${i + 1}]`, ctx));
    return;
  }
  if (!node || typeof node !== 'object') throw new Error(`${path}: expected a condition object or list, got ${JSON.stringify(node)}`);
  const leaf = node as Record<string, unknown>;
  if ('audience_id' in leaf) {
    const id = leaf.audience_id;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`${path}.audience_id must be an integer audience id`);
    if (!ctx.audienceIds.has(String(id))) throw new Error(`${path}.audience_id ${id} is not an audience of this project`);
    return;
  }
  const type = leaf.type;
  if (typeof type !== 'string') throw new Error(`${path}.type is required (e.g. "custom_attribute")`);
  if (type === 'custom_attribute') {
    if (typeof leaf.name !== 'string' || leaf.name === '') throw new Error(`${path}.name must be the attribute key (a non-empty string)`);
    const matchType = leaf.match_type;
    if (matchType !== undefined && (typeof matchType !== 'string' || !MATCH_TYPES.has(matchType))) {
      throw new Error(`${path}.match_type ${JSON.stringify(matchType)} is not one of ${[...MATCH_TYPES].join(', ')}`);
    }
    if ('match' in leaf) throw new Error(`${path}: use "match_type" in REST conditions ("match" is the datafile spelling)`);
    if (matchType !== 'exists') {
      const v = leaf.value;
      const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) throw new Error(`${path}.value must be a string, number or boolean (match_type ${String(matchType ?? 'exact')})`);
    }
    return;
  }
  if (ctx.platform === 'web' && WEB_TYPES.has(type)) return;
  throw new Error(
    ctx.platform === 'web'
      ? `${path}.type ${JSON.stringify(type)} is not a known condition type`
      : `${path}.type ${JSON.stringify(type)} is not supported in a Feature Experimentation project (use "custom_attribute")`,
  );
}

/** REST tree → datafile tree: leaves keep type/name/value and `match_type` becomes `match`. */
export function toDatafileConditions(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(toDatafileConditions);
  if (tree && typeof tree === 'object') {
    const { match_type, ...rest } = tree as Record<string, unknown>;
    return match_type === undefined ? rest : { ...rest, match: match_type };
  }
  return tree;
}
