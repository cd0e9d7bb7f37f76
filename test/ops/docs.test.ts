/**
 * The documentation set: every doc docs/README.md links to exists, every relative link in docs/ resolves (and,
 * for the operations docs, its #anchor names a heading), and every CLI command is in the README's command table.
 * (Every config key being documented is test/config/docs.test.ts.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register as backup } from '../../src/cli/commands/backup.js';
import { register as check } from '../../src/cli/commands/check.js';
import { register as dlq } from '../../src/cli/commands/dlq.js';
import { register as mapping } from '../../src/cli/commands/mapping.js';
import { register as privacy } from '../../src/cli/commands/privacy.js';
import { register as sandbox } from '../../src/cli/commands/sandbox.js';
import { register as serve } from '../../src/cli/commands/serve.js';
import { register as sync } from '../../src/cli/commands/sync.js';

const DOCS = resolve('docs');
const OPS_DOCS = ['README.md', 'concepts.md', 'quickstart.md', 'operations.md', 'security.md', 'migrating-from-segment.md'];

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? markdownFiles(p) : f.endsWith('.md') ? [p] : [];
  });
}

/** Relative links `[text](target)` outside code blocks. */
function links(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(text: string): Set<string> {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('docs', () => {
  it('docs/README.md links every page it names, and each exists', () => {
    const readme = readFileSync(join(DOCS, 'README.md'), 'utf8');
    const targets = links(readme).map((t) => t.split('#')[0]!);
    expect(targets.length).toBeGreaterThan(10);
    const missing = targets.filter((t) => !existsSync(join(DOCS, t)));
    expect(missing, `docs/README.md links missing files: ${missing.join(', ')}`).toEqual([]);
    for (const f of OPS_DOCS.filter((f) => f !== 'README.md')) expect(targets, `README does not link ${f}`).toContain(f);
  });

  it('every relative link in docs/ resolves, and anchors in the operations docs name a heading', () => {
    const broken: string[] = [];
    for (const file of markdownFiles(DOCS)) {
      const text = readFileSync(file, 'utf8');
      for (const link of links(text)) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? resolve(dirname(file), path) : file;
        if (!existsSync(target)) {
          broken.push(`${file.slice(DOCS.length + 1)} → ${link}`);
          continue;
        }
        const mine = OPS_DOCS.some((f) => file === join(DOCS, f));
        if (mine && anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${file.slice(DOCS.length + 1)} → ${link} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README command table names every CLI command', () => {
    const program = new Command();
    for (const r of [serve, check, sandbox, mapping, dlq, sync, privacy, backup]) r(program);
    const readme = readFileSync(join(DOCS, 'README.md'), 'utf8');
    const missing = program.commands.map((c) => c.name()).filter((n) => !readme.includes(`\`optirelay ${n}`));
    expect(missing).toEqual([]);
  });
});
