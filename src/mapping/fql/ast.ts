/**
 * The trigger AST. Unlike Segment's (a flat `group` of typed conditions), it keeps the source shape — field,
 * operator, literal — and leaves Segment's operator mapping (number_equals, is_true, exists, …) to evaluate.ts.
 */
export type RootField = 'type' | 'event' | 'name' | 'userId';
export type NestedField = 'properties' | 'traits' | 'context';

export type FieldRef = { kind: RootField } | { kind: NestedField; path: string[] };

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type TriggerAst =
  | { type: 'and' | 'or'; children: TriggerAst[] }
  | { type: 'not'; child: TriggerAst }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { type: 'function'; name: 'contains' | 'match'; field: FieldRef; pattern: string; negate: boolean };

export const ROOT_FIELDS: readonly RootField[] = ['type', 'event', 'name', 'userId'];
export const NESTED_FIELDS: readonly NestedField[] = ['properties', 'traits', 'context'];
