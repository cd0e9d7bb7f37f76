/** An NDJSON file as a sync source: one JSON object per line, streamed line by line; blank lines are skipped. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BATCH, SourceError, type Row } from './types.js';

export async function* readNdjson(path: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<Row[]> {
  if (!existsSync(path)) throw new SourceError(`ndjson source: no file at ${path}`);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let batch: Row[] = [];
  for await (const line of lines) {
    n++;
    if (opts.signal?.aborted) return;
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new SourceError(`ndjson source: line ${n} is not JSON: ${(err as Error).message}`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SourceError(`ndjson source: line ${n} is not a JSON object`);
    batch.push(v as Row);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
