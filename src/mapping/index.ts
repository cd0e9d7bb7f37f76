/**
 * Public API of the mapping engine (issue 4; docs/mappings.md).
 *
 *   parseTrigger(fql) -> TriggerAst              throws TriggerParseError { position, expected, found }
 *   matches(ast | fql, event) -> boolean         Segment's value semantics, compiled once per AST (FQL text parsed once)
 *   generateFql(ast) -> string
 *   transform(mapping, data) -> object           mapping-kit semantics (undefined removed, null kept)
 *   compileMapping(mapping) -> (data) => object  validate + compile once; transform() uses it with a cache
 *   validateMapping(mapping) -> string[]         Segment-style messages, [] when valid
 *   compileFields(fields) -> PayloadValidator    Ajv, coerceTypes 'array', removeAdditional; label-named messages
 */
export type { FieldDef, FieldTypeName, FieldCondition } from './field-types.js';
export {
  parseTrigger,
  matches,
  compileTrigger,
  generateFql,
  explainMismatch,
  TriggerParseError,
  type TriggerAst,
  type FieldRef,
  type Literal,
  type CompareOp,
  type Predicate,
} from './fql/index.js';
export {
  transform,
  compileMapping,
  validateMapping,
  MappingError,
  MappingValidationError,
  ROOT_MAPPING_FIELD_KEY,
  type CompiledMapping as CompiledMappingFn,
} from './directives/index.js';
export { compileFields, fieldsToJsonSchema, type PayloadValidator, type ValidationResult, type FieldError } from './fields/index.js';
