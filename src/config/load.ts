/**
 * Load optirelay.yaml: read → `${ENV}` interpolation → YAML parse (keeping the document for line numbers) →
 * schema + cross-checks (every issue collected) → defaults. Throws one ConfigError listing every issue as
 * `file:line:col: path: message` with its fix.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { redactString } from '../core/redact.js';
import { crossCheck } from './cross-check.js';
import { hasPlaceholder, original, prepare, resolve, type Reference } from './interpolate.js';
import { makeLocate, pointer, type Locate } from './locate.js';
import { normalize } from './normalize.js';
import { FREE_FORM_KEYS } from './schema.js';
import { isSecretPath, registerConfigSecrets } from './secrets.js';
import type { OptirelayConfig } from './types.js';
import { validateSchema, type RawIssue } from './validate-schema.js';

export interface LoadedConfig {
  config: OptirelayConfig;
  /** The config file as given (relative paths stay relative to the working directory). */
  file: string;
  /** JSON pointer (`/destinations/0/mappings/1/action`) → where it is in the file. */
  locate: Locate;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const DEFAULT_CONFIG_FILE = 'optirelay.yaml';

type Raw = Record<string, unknown>;

/** Which file loadConfig reads, and why (for the "not found" message). */
export function resolveConfigFile(opts: LoadOptions = {}): { file: string; absolute: string; from: string } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const [file, from] = opts.file
    ? [opts.file, '--config']
    : env.OPTIRELAY_CONFIG
      ? [env.OPTIRELAY_CONFIG, 'OPTIRELAY_CONFIG']
      : [DEFAULT_CONFIG_FILE, 'the default location'];
  return { file, absolute: path.resolve(cwd, file), from };
}

export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const { file, absolute, from } = resolveConfigFile(opts);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `config file not found: looked for ${absolute} (${from}). Fix: pass \`--config path/to/optirelay.yaml\` or set OPTIRELAY_CONFIG; to start from an example, copy examples/quickstart/optirelay.yaml.`
        : code === 'EISDIR'
          ? `${absolute} is a directory. Fix: pass the YAML file itself with \`--config path/to/optirelay.yaml\`.`
          : `cannot read ${absolute}: ${(err as Error).message}. Fix: check the path and its permissions.`;
    throw new ConfigError([{ file, path: '', message }]);
  }
  return parse(text, file, env, path.dirname(absolute));
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv): LoadedConfig {
  return parse(text, file, env, path.dirname(path.resolve(file)));
}

/** Drop `key: null` (an empty value) so it means "absent" — except inside free-form maps where null is a value. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === 'object') {
    const out: Raw = {};
    for (const [k, val] of Object.entries(v)) {
      if (val === null) continue;
      out[k] = FREE_FORM_KEYS.has(k) ? val : stripNulls(val);
    }
    return out;
  }
  return v;
}

function parse(text: string, file: string, env: NodeJS.ProcessEnv, baseDir: string): LoadedConfig {
  const prepared = prepare(text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(prepared.text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        const first = original(e.message.split('\n')[0] ?? e.message, prepared.refs).replace(/ at line \d+, column \d+:?$/, '');
        return { file, line, column: col, path: '', message: `YAML syntax error: ${first}. Fix: check the indentation and quoting on this line (quote values containing ': ' or ' #').` };
      }),
    );
  }

  // Interpolate every string scalar (values only; keys get their original text back).
  const issues: ConfigIssue[] = [];
  const envErrorPaths: string[] = [];
  const walk = (node: unknown, segs: (string | number)[]): void => {
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && typeof key.value === 'string' && hasPlaceholder(key.value)) key.value = original(key.value, prepared.refs);
        walk(pair.value, [...segs, isScalar(key) ? String(key.value) : String(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...segs, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && hasPlaceholder(node.value)) {
      const where = pointer(segs);
      node.value = resolve(node.value, prepared.refs, (ref) => lookup(ref, where)).value;
    }
  };
  const lookup = (ref: Reference, where: string): string => {
    if (ref.kind === 'literal') return ref.text;
    if (ref.kind === 'invalid') {
      envErrorPaths.push(where);
      issues.push({ file, ...pos(ref.offset), path: where, message: `invalid reference '${ref.text}'. Fix: write \${NAME} or \${NAME:-default} (NAME: letters, digits, _), or $\${ for a literal '\${'.` });
      return '';
    }
    const value = env[ref.name];
    if (value !== undefined && !(ref.fallback !== undefined && value === '')) return value;
    if (ref.fallback !== undefined) return ref.fallback;
    envErrorPaths.push(where);
    const example = isSecretPath(where) ? '…' : '<value>';
    issues.push({
      file,
      ...pos(ref.offset),
      path: where,
      message: `environment variable ${ref.name} is not set (used in ${where || 'the document'}). Fix: \`export ${ref.name}=${example}\` before starting, or give a default: \${${ref.name}:-${example}}.`,
    });
    return '';
  };
  walk(doc.contents, []);

  const locate = makeLocate(doc, lineCounter, (k) => (isScalar(k) ? String(k.value) : String(k)));
  const js: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (js === null || js === undefined) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'the config file is empty. Fix: start from examples/quickstart/optirelay.yaml (see docs/configuration.md).' }]);
  }
  const raw = stripNulls(js);
  registerConfigSecrets(raw);

  const blocked = (p: string) => envErrorPaths.some((e) => p === e || p.startsWith(e + '/'));
  const add = (list: RawIssue[]) => {
    for (const r of list) {
      if (blocked(r.path)) continue;
      const at = locate(r.path, r.atKey);
      issues.push({ file, ...(at ?? {}), path: r.path, message: r.message });
    }
  };
  add(validateSchema(raw));
  add(crossCheck(raw, locate));

  // Read `queryFile`s now, so a missing model file is a config error rather than a failed run hours later.
  const queries = new Map<Raw, string>();
  const syncs = Array.isArray((raw as Raw).syncs) ? ((raw as Raw).syncs as unknown[]) : [];
  syncs.forEach((s, i) => {
    const source = (s as Raw | null)?.source as Raw | undefined;
    if (!source || typeof source.queryFile !== 'string') return;
    const target = path.resolve(baseDir, source.queryFile);
    try {
      queries.set(source, readFileSync(target, 'utf8'));
    } catch {
      const p = `/syncs/${i}/source/queryFile`;
      issues.push({ file, ...(locate(p) ?? {}), path: p, message: `cannot read query file ${target}. Fix: check the path; it is relative to the directory of ${file}.` });
    }
  });

  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(issues.map((i) => ({ ...i, message: redactString(i.message) })));
  }
  const config = normalize(raw as Raw, file, queries);
  return { config, file, locate: (p: string) => locate(p) };
}

