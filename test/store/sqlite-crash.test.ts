import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';

const fixture = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('kill -9 while appending loses no acknowledged event', async () => {
  dir = mkdtempSync(join(tmpdir(), 'optirelay-crash-'));
  const file = join(dir, 'crash.db');
  // node --import tsx (not `npx tsx`): one process, so SIGKILL hits the process that holds the database.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<string>();
  let buf = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error('child exited before it was killed')));
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? ''; // a line cut by the kill is not an acknowledgement
      for (const line of lines) if (line.startsWith('ack ')) for (const id of line.slice(4).split(' ')) acked.add(id);
      if (acked.size >= 4_000) resolve();
    });
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const store = await openStore(`sqlite:${file}`);
  try {
    const stored = new Set<string>();
    let before: number | undefined;
    for (;;) {
      const page = await store.listEvents({ limit: 10_000, before });
      for (const e of page) stored.add(e.messageId);
      if (page.length < 10_000) break;
      before = page[page.length - 1]!.id;
    }
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(acked.size);
    // Deliveries were committed with their events.
    const stats = await store.laneStats(Date.now());
    expect(stats[0]!.pending).toBe(stored.size);
  } finally {
    await store.close();
  }
});
