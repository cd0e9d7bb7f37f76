/** `matches` takes the FQL text as well as a parsed AST (the library API's friendliest form), and says what is wrong. */
import { describe, expect, it } from 'vitest';
import { matches, parseTrigger, TriggerParseError } from '../../src/index.js';

describe('matches(trigger, event)', () => {
  const event = { type: 'track', event: 'Order Completed', properties: { total: 11 } };

  it('gives the same answer for the FQL text and its AST', () => {
    for (const fql of ['type = "track" and properties.total > 10', 'event = "Order Completed" and !contains(event, "x")', 'type = "identify"']) {
      expect(matches(fql, event)).toBe(matches(parseTrigger(fql), event));
    }
    expect(matches('type = "track"', event)).toBe(true);
    expect(matches('type = "identify"', event)).toBe(false);
  });

  it('throws the parse error for bad FQL, and a TypeError naming the argument for a non-trigger', () => {
    expect(() => matches('type =', event)).toThrow(TriggerParseError);
    expect(() => matches(42 as unknown as string, event)).toThrow(/trigger must be an FQL string or the AST parseTrigger returns, not number/);
  });
});
