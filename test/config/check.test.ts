import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCheck } from '../../src/cli/commands/check.js';
import { fixture } from './helpers.js';

async function check(config: string, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck({ config, env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('optirelay check', () => {
  it('prints a summary and exits 0 for a valid config', async () => {
    const file = fixture('minimal.yaml');
    const r = await check(file);
    expect(r).toEqual({ code: 0, out: [`✓ ${file} is valid: 1 source, 0 destinations (0 mappings), 0 syncs`], err: [] });
  });

  it('passes the quickstart config, semantic checks included', async () => {
    const r = await check('examples/quickstart/optirelay.yaml');
    expect(r).toEqual({ code: 0, out: ['✓ examples/quickstart/optirelay.yaml is valid: 1 source, 3 destinations (2 mappings), 1 sync'], err: [] });
  });

  it('prints every issue as file:line:col: path: message and exits 1', async () => {
    const file = fixture('many-errors.yaml');
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    const issues = r.err.slice(0, -1);
    expect(issues.length).toBe(14);
    for (const line of issues) expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: /\\S+: .+`));
    expect(r.err.at(-1)).toBe('✗ 14 problems found');
  });

  it('reports a sync whose source file does not exist, with its line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'or-check-'));
    const file = path.join(dir, 'optirelay.yaml');
    writeFileSync(
      file,
      [
        'sources: [{ id: web, writeKey: wk_check_1 }]',
        'destinations:',
        '  - { id: rest, type: optimizely-rest, settings: { accessToken: tok_check_1, projectId: 123 } }',
        'syncs:',
        '  - id: vips',
        '    source: { type: csv, path: no-such-file.csv }',
        '    primaryKey: user_id',
        '    destination: rest',
        '    object: listAttribute',
        '    mode: add',
        '    target: { listAttributeId: 5 }',
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCheck({ config: file, env: {}, cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(1);
    expect(err[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: /syncs/0/source/path: sync 'vips': no file at .*no-such-file\\.csv`));
  });

  it('never prints a secret, even a misplaced one', async () => {
    const r = await check(fixture('secret-in-error.yaml'), { LEAKY_TOKEN: 'leaky_token_value_42' });
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).not.toContain('leaky_token_value_42');
    expect(r.err.join('\n')).not.toContain('literal_secret_value_7');
  });

  it('runs as a CLI command: exit codes and output', () => {
    const root = path.resolve(fixture('.'), '../../..');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, OPTIRELAY_CONFIG: '' } });
    const ok = run('--config', 'test/fixtures/config/minimal.yaml');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('✓ test/fixtures/config/minimal.yaml is valid: 1 source');
    const bad = run('--config', 'test/fixtures/config/many-errors.yaml');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("test/fixtures/config/many-errors.yaml:2:24: /server/hots: unknown key 'hots' — did you mean 'host'?");
    const missing = run('--config', 'no/such/file.yaml');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('config file not found');
  });
});
