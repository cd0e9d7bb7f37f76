/**
 * `--state FILE`: the project state written atomically (temp file + rename) after a short debounce, and read
 * back at start. Request logs and rate counters are not persisted.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isStateData, type StateData } from './state.js';

export class StateFileError extends Error {}

export function readStateFile(path: string): StateData | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StateFileError(`state file ${path} is not valid JSON (${(err as Error).message}); move it away or fix it`);
  }
  if (!isStateData(json)) throw new StateFileError(`state file ${path} is not a sandbox state file (version 1); move it away or pass another --state path`);
  return json;
}

export function writeStateFileSync(path: string, data: StateData): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, path);
}

export class StateWriter {
  private timer?: NodeJS.Timeout;
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => StateData,
    private readonly debounceMs = 200,
  ) {}

  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.dirty) return;
    this.dirty = false;
    writeStateFileSync(this.path, this.snapshot());
  }
}
