/** batchElementSizes: the byte size of each batch element as sent, checked against JSON.stringify on random JSON. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchElementSizes } from '../../src/pipeline/ingest/event-sizes.js';

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

describe('batchElementSizes', () => {
  it('equals the UTF-8 size of each element of compact JSON, whatever the elements and neighbours', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), (batch, other) => {
        const { batch: _drop, ...rest } = other as Record<string, unknown>;
        const body = Buffer.from(JSON.stringify({ ...rest, batch, tail: rest }));
        expect(batchElementSizes(body)).toEqual(batch.map(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('measures elements as sent when pretty-printed, with escapes and multi-byte text', () => {
    const batch = [{ a: 'x"y\\', b: 'é€😀' }, 'str\\"', 12.5e3, null, [1, [2]], {}];
    const body = Buffer.from(JSON.stringify({ writeKey: 'k', batch }, null, 2));
    const sizes = batchElementSizes(body) as number[];
    const text = body.toString();
    const parsedBack = sizes.length;
    expect(parsedBack).toBe(batch.length);
    expect(sizes[2]).toBe(Buffer.byteLength('12500')); // JSON.stringify(12.5e3)
    expect(sizes[3]).toBe(4);
    expect(sizes[5]).toBe(2);
    expect(sizes[0]).toBeGreaterThan(bytes(batch[0])); // indentation counts: it was sent
    expect(text.length).toBeGreaterThan(0);
  });

  it('takes the last "batch" key, ignores nested ones, and gives up on non-objects', () => {
    expect(batchElementSizes(Buffer.from('{"batch":[1],"x":{"batch":[1,2,3]},"batch":[true,false]}'))).toEqual([4, 5]);
    expect(batchElementSizes(Buffer.from('{"batch":[]}'))).toEqual([]);
    expect(batchElementSizes(Buffer.from('{"events":[1]}'))).toBeUndefined();
    expect(batchElementSizes(Buffer.from('[1,2]'))).toBeUndefined();
    expect(batchElementSizes(Buffer.from('{"b\\u0061tch":[1]}'))).toBeUndefined();
  });
});
