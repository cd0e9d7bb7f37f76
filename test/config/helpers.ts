import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { parseConfig } from '../../src/config/load.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/config');
export const fixture = (name: string) => path.join(FIXTURES, name);

/** 1-based line of the first line of `text` containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`fixture text has no line containing ${needle}`);
  return i + 1;
}

/** The issues parseConfig throws for `text` (fails the test when it does not throw a ConfigError). */
export function issuesOf(text: string, env: NodeJS.ProcessEnv = {}, file = 'test.yaml'): ConfigIssue[] {
  try {
    parseConfig(text, file, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

export function issueAt(issues: ConfigIssue[], p: string): ConfigIssue {
  const found = issues.find((i) => i.path === p);
  if (!found) throw new Error(`no issue at ${p}; got:\n${issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  return found;
}

export const SOURCE = 'sources:\n  - { id: web, writeKey: web_key_0123456789 }\n';
