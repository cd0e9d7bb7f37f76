/**
 * Public API of the mapping engine (issue 4). Implemented in fql/, directives/, fields/.
 *
 *   parseTrigger(fql) -> TriggerAst            throws TriggerParseError { position, expected }
 *   matches(ast, event) -> boolean
 *   validateMapping(mapping) -> string[]       Segment-style messages, [] when valid
 *   transform(mapping, data) -> object         mapping-kit semantics (undefined removed, null kept)
 *   compileFields(fields) -> PayloadValidator  Ajv, coerceTypes 'array', removeAdditional; human messages
 */
export type { FieldDef, FieldTypeName, FieldCondition } from './field-types.js';
