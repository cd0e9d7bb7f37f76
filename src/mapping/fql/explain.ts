/** Says why an event does not match a trigger: the first failing condition and the value the event has. */
import type { FieldRef, TriggerAst } from './ast.js';
import { compileTrigger } from './evaluate.js';
import { generateFql } from './generate.js';

function fieldValue(f: FieldRef, e: Record<string, unknown>): unknown {
  if (!('path' in f)) return e[f.kind];
  let v: unknown = e[f.kind];
  for (const k of f.path) v = v && (v as Record<string, unknown>)[k];
  return v;
}

function show(v: unknown): string {
  return v === undefined ? 'missing' : JSON.stringify(v);
}

/** undefined when the event matches. */
export function explainMismatch(ast: TriggerAst, event: Record<string, unknown>): string | undefined {
  if (compileTrigger(ast)(event)) return undefined;
  switch (ast.type) {
    case 'and': {
      const failing = ast.children.find((c) => !compileTrigger(c)(event))!;
      return explainMismatch(failing, event);
    }
    case 'or':
      return `none of the alternatives matched: ${ast.children.map((c) => explainMismatch(c, event)).join('; ')}`;
    case 'not':
      return `${generateFql(ast)} is false because ${generateFql(ast.child)} is true`;
    case 'compare':
    case 'function': {
      const f = ast.field;
      const name = 'path' in f ? `${f.kind}.${f.path.join('.')}` : f.kind;
      return `${generateFql(ast)} is false (${name} is ${show(fieldValue(f, event))})`;
    }
  }
}
