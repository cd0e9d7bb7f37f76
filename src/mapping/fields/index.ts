export { compileFields, isDateLike, type PayloadValidator, type ValidationResult, type FieldError } from './validator.js';
export { fieldsToJsonSchema, removeEmptyValues, type JsonSchema } from './schema.js';
