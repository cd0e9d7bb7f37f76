export type { TriggerAst, FieldRef, Literal, CompareOp, RootField, NestedField } from './ast.js';
export { parseTrigger } from './parse.js';
export { matches, compileTrigger, type Predicate } from './evaluate.js';
export { generateFql } from './generate.js';
export { explainMismatch } from './explain.js';
export { TriggerParseError } from './errors.js';
