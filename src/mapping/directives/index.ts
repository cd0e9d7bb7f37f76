export { transform, compileMapping, validateMapping, ROOT_MAPPING_FIELD_KEY, type CompiledMapping } from './compile.js';
export { MappingError, MappingValidationError } from './errors.js';
export { get } from './get.js';
export { DIRECTIVE_NAMES } from './validate.js';
