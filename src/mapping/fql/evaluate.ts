/**
 * Trigger evaluation with Segment's value semantics (`validate.ts` in @segment/destination-subscriptions):
 * strict string compares, numeric operators only on numbers, `!=` true on a missing field, `contains`/`match`
 * only on strings. The few deliberate differences are listed in docs/mappings.md ("Quirks").
 * A trigger is compiled once into a closure (cached per AST object) so matching an event is a few property reads.
 */
import type { FieldRef, Literal, TriggerAst } from './ast.js';
import { parseTrigger } from './parse.js';

type Getter = (event: Record<string, unknown>) => unknown;
export type Predicate = (event: Record<string, unknown>) => boolean;

function getter(field: FieldRef): Getter {
  switch (field.kind) {
    case 'type':
    case 'event':
    case 'name':
    case 'userId': {
      const k = field.kind;
      return (e) => e[k];
    }
    default: {
      const root = field.kind;
      const path = field.path;
      // Segment's get(): `prev && prev[key]`, so a falsy intermediate value is returned as is.
      if (path.length === 1) {
        const k0 = path[0]!;
        return (e) => {
          const r = e[root] as Record<string, unknown> | undefined;
          return r && r[k0];
        };
      }
      return (e) => {
        let v: unknown = e[root];
        for (const k of path) v = v && (v as Record<string, unknown>)[k];
        return v;
      };
    }
  }
}

function globToPredicate(pattern: string): (s: string) => boolean {
  const stars = pattern.split('*').length - 1;
  if (stars === 0) return (s) => s === pattern;
  if (pattern === '*') return () => true;
  if (stars === 1 && pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (s) => s.startsWith(prefix);
  }
  if (stars === 1 && pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return (s) => s.endsWith(suffix);
  }
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
  return (s) => re.test(s);
}

function compareNumber(op: '<' | '<=' | '>' | '>=', expected: number): (a: unknown) => boolean {
  switch (op) {
    case '<':
      return (a) => typeof a === 'number' && a < expected;
    case '<=':
      return (a) => typeof a === 'number' && a <= expected;
    case '>':
      return (a) => typeof a === 'number' && a > expected;
    case '>=':
      return (a) => typeof a === 'number' && a >= expected;
  }
}

function valuePredicate(field: FieldRef, op: '=' | '!=', value: Literal): (a: unknown) => boolean {
  const eq = op === '=';
  if (value.kind === 'null') {
    return eq ? (a) => a === undefined || a === null : (a) => a !== undefined && a !== null;
  }
  const rootString = field.kind === 'type' || field.kind === 'event' || field.kind === 'name';
  if (rootString || value.kind === 'string' || (field.kind === 'userId' && value.kind === 'number')) {
    // Segment compares these as strings: `event = 5` is `event === "5"`, `name = true` is `name === "true"`.
    const s = value.kind === 'string' ? value.value : String(value.value);
    return eq ? (a) => a === s : (a) => a !== s;
  }
  if (value.kind === 'number') {
    const n = value.value;
    return eq ? (a) => typeof a === 'number' && a === n : (a) => typeof a === 'number' && a !== n;
  }
  const b = value.value;
  return eq ? (a) => a === b : (a) => a !== b;
}

function compileNode(ast: TriggerAst): Predicate {
  switch (ast.type) {
    case 'and': {
      const parts = ast.children.map(compileNode);
      if (parts.length === 2) {
        const [p, q] = parts as [Predicate, Predicate];
        return (e) => p(e) && q(e);
      }
      return (e) => {
        for (const p of parts) if (!p(e)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = ast.children.map(compileNode);
      return (e) => {
        for (const p of parts) if (p(e)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileNode(ast.child);
      return (e) => !inner(e);
    }
    case 'function': {
      const get = getter(ast.field);
      const pattern = ast.pattern;
      const test = ast.name === 'contains' ? (s: string) => s.includes(pattern) : globToPredicate(pattern);
      // Segment: the negated forms also require a string, so `!contains(x, "a")` is false when x is missing.
      return ast.negate
        ? (e) => {
            const a = get(e);
            return typeof a === 'string' && !test(a);
          }
        : (e) => {
            const a = get(e);
            return typeof a === 'string' && test(a);
          };
    }
    case 'compare': {
      const get = getter(ast.field);
      const check =
        ast.op === '=' || ast.op === '!='
          ? valuePredicate(ast.field, ast.op, ast.value)
          : compareNumber(ast.op, Number((ast.value as { value: unknown }).value));
      return (e) => check(get(e));
    }
  }
}

const compiled = new WeakMap<TriggerAst, Predicate>();

/** Compiles a trigger AST into a predicate (cached per AST object). */
export function compileTrigger(ast: TriggerAst): Predicate {
  let p = compiled.get(ast);
  if (!p) {
    p = compileNode(ast);
    compiled.set(ast, p);
  }
  return p;
}

/** Parsed FQL strings given to `matches` (bounded: cleared when full). */
const parsedStrings = new Map<string, TriggerAst>();

/**
 * Does the event match the trigger (an AST from parseTrigger, or the FQL text itself, parsed once and cached)?
 * Non-object events never match. A string that does not parse throws TriggerParseError.
 */
export function matches(trigger: TriggerAst | string, event: unknown): boolean {
  let ast: TriggerAst;
  if (typeof trigger === 'string') {
    let cached = parsedStrings.get(trigger);
    if (!cached) {
      if (parsedStrings.size >= 1000) parsedStrings.clear();
      cached = parseTrigger(trigger);
      parsedStrings.set(trigger, cached);
    }
    ast = cached;
  } else if (trigger === null || typeof trigger !== 'object') {
    throw new TypeError(`matches(trigger, event): trigger must be an FQL string or the AST parseTrigger returns, not ${trigger === null ? 'null' : typeof trigger}`);
  } else ast = trigger;
  if (event === null || typeof event !== 'object') return false;
  return compileTrigger(ast)(event as Record<string, unknown>);
}
