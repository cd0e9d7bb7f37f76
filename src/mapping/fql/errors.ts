import { OptirelayError } from '../../core/errors.js';

/** A trigger that does not parse. `position` is a 0-based character offset into the expression. */
export class TriggerParseError extends OptirelayError {
  readonly position: number;
  readonly expected: string;
  readonly found: string;
  constructor(position: number, expected: string, found: string) {
    super('OR_TRIGGER_INVALID', `at position ${position}: expected ${expected} but found ${found}`, 400, { position, expected, found });
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}
