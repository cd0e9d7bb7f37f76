/** A missing required body parameter of an admin route is named plainly ("… is required"), with its field. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { createApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger } from '../../src/logger.js';

const TOKEN = 'admin-validation-token-0123456789';
let app: App;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optirelay-admin-val-'));
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: sqlite:${join(dir, 'optirelay.db')}\ndataDir: ${dir}\nadmin: { token: ${TOKEN} }\nsources:\n  - { id: web, writeKey: k_web_1 }\n` +
      `destinations:\n  - id: fx\n    type: optimizely-feature-experimentation\n    settings: { accountId: "1", dataFileUrl: "http://127.0.0.1:9/d.json" }\n`,
  );
  const { config } = await loadAndValidate({ file, cwd: dir });
  app = await createApp({ config, logger: createLogger({ level: 'silent' }), workers: false });
});

afterAll(async () => {
  if (app) await stopApp(app);
  rmSync(dir, { recursive: true, force: true });
});

describe('admin API validation messages', () => {
  it('says which body parameter is missing', async () => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/admin/v1/destinations/fx/mappings/preview',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: { event: { type: 'track', userId: 'u', event: 'purchase' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ success: false, code: 'invalid_param', field: 'action', message: 'body parameter "action" is required' });
  });
});
