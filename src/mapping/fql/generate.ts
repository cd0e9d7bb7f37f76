/** Turns a trigger AST back into FQL (parseTrigger(generateFql(ast)) is equivalent to ast). */
import type { FieldRef, Literal, TriggerAst } from './ast.js';

function segment(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]/g, (c) => `\\${c}`);
}

function field(f: FieldRef): string {
  if ('path' in f) return `${f.kind}.${f.path.map(segment).join('.')}`;
  return f.kind;
}

function quote(s: string): string {
  return `"${s.replace(/\\(?=["\\]|$)/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function literal(v: Literal): string {
  switch (v.kind) {
    case 'string':
      return quote(v.value);
    case 'number':
      return v.raw;
    case 'boolean':
      return String(v.value);
    case 'null':
      return 'null';
  }
}

function gen(ast: TriggerAst, parent: 'and' | 'or' | 'not' | 'top'): string {
  switch (ast.type) {
    case 'and':
    case 'or': {
      const s = ast.children.map((c) => gen(c, ast.type)).join(` ${ast.type} `);
      const needParens = parent === 'not' || (parent === 'and' && ast.type === 'or') || (parent === ast.type);
      return needParens ? `(${s})` : s;
    }
    case 'not':
      return `!${gen(ast.child, 'not').startsWith('(') ? gen(ast.child, 'not') : `(${gen(ast.child, 'not')})`}`;
    case 'function':
      return `${ast.negate ? '!' : ''}${ast.name}(${field(ast.field)}, ${quote(ast.pattern)})`;
    case 'compare':
      return `${field(ast.field)} ${ast.op} ${literal(ast.value)}`;
  }
}

export function generateFql(ast: TriggerAst): string {
  return gen(ast, 'top');
}
