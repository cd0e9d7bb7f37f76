import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/sandbox/demo.js';
import { call, PAT } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'optirelay-sandbox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('optirelay sandbox (CLI)', () => {
  it('prints the demo credentials, serves, and saves --state on SIGTERM', async () => {
    const stateFile = join(dir, 'state.json');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'sandbox', '--port', '0', '--state', stateFile, '--quiet'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m && out.includes('ODP API key')) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    for (const v of [DEMO.accountId, DEMO.projectId, DEMO.sdkKey, DEMO.datafileToken, DEMO.personalAccessToken, DEMO.odpApiKey]) expect(out).toContain(v);
    const r = await call(url, 'POST', `/v2/projects/${DEMO.projectId}/custom_events`, { headers: PAT, body: { key: 'from_cli' } });
    expect(r.status).toBe(201);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(existsSync(stateFile)).toBe(true);
    expect(readFileSync(stateFile, 'utf8')).toContain('from_cli');
  });

  it('rejects a bad --port with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'sandbox', '--port', 'abc'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/--port must be a port number/);
  });
});
