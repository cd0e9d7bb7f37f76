import { PermanentError } from '../../core/errors.js';

/** A mapping that breaks the directive grammar. `messages` are Segment-style (`/@if/then has an invalid directive: @oops.`). */
export class MappingValidationError extends PermanentError {
  readonly messages: string[];
  constructor(messages: string[]) {
    super(`invalid mapping: ${messages.join(' ')}`, 'OR_MAPPING_INVALID', 400, { messages });
    this.messages = messages;
  }
}

/** A directive failed while resolving an event (e.g. `@path: expected string, got number`). */
export class MappingError extends PermanentError {
  constructor(message: string) {
    super(message, 'OR_MAPPING_ERROR', 400);
  }
}
