/**
 * A suppression made by another process (the CLI writes the store directly) must reach a running server even when no
 * event arrives in between: otherwise the first event after a quiet spell is checked against the old list and is
 * stored and delivered. The server polls the store's suppression version (SuppressionSet.startPolling).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SuppressionSet } from '../../src/privacy/suppression.js';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { createApp, startApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/open.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SuppressionSet polling', () => {
  it('picks up a change made elsewhere without any check, and stops reading once stopped', async () => {
    let version = 1;
    let versionReads = 0;
    const source = {
      suppressionVersion: async () => (versionReads++, version),
      listSuppressions: async () => (version === 1 ? [] : [{ kind: 'userId' as const, identifier: 'u', createdAt: 0, createdBy: 'cli' }]),
    };
    const set = new SuppressionSet(source, undefined, { refreshMs: 10 });
    await set.load();
    set.startPolling();
    version = 2; // "the CLI suppressed u"; no has() call follows
    while (!set.contains('userId', 'u')) await sleep(5);
    await set.stopPolling();
    const reads = versionReads;
    await sleep(50);
    expect(versionReads).toBe(reads);
  });
});

describe('a running server and a suppression from the CLI', () => {
  let app: App | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (app) await stopApp(app);
    app = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('drops the very first event of a user suppressed by another process while the server was idle', async () => {
    dir = mkdtempSync(join(tmpdir(), 'optirelay-supp-'));
    const file = join(dir, 'optirelay.yaml');
    writeFileSync(file, `store: sqlite:${join(dir, 'optirelay.db')}\ndataDir: ${dir}\nadmin: { token: supp-admin-token-0123456789 }\nsources:\n  - { id: web, writeKey: supp_write_key_1 }\n`);
    const { config } = await loadAndValidate({ file, cwd: dir });
    app = await createApp({ config, logger: createLogger({ level: 'silent' }), workers: false });
    const url = await startApp(app, { port: 0, host: '127.0.0.1' });
    const suppression = app.privacy!.suppression!;

    // What `optirelay privacy suppress` does: its own store handle on the same file.
    const cli = await openStore(config.store, { dataDir: dir });
    try {
      await cli.addSuppression({ kind: 'userId', identifier: 'gone-user', createdAt: Date.now(), createdBy: 'cli' });
    } finally {
      await cli.close();
    }
    while (!suppression.contains('userId', 'gone-user')) await sleep(50); // the poll, not an event, brings it in

    const res = await request(`${url}/v1/track`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('supp_write_key_1:').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'gone-user', event: 'purchase' }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(await app.store.listEvents({ limit: 10 })).toHaveLength(0);
  });
});
