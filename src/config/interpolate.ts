/**
 * `${NAME}` / `${NAME:-default}` interpolation, and `$${` for a literal `${`.
 *
 * Why a text pre-pass: the design's flow style (`{ writeKey: ${WEB_WRITE_KEY} }`) is not valid YAML as written —
 * `{` and `}` are flow indicators. So before parsing, every reference is swapped for a placeholder of EXACTLY the
 * same length made of private-use characters (legal in any YAML scalar, meaningful to no YAML syntax). Line and
 * column positions therefore stay true, and after parsing each placeholder found inside a string scalar is
 * resolved. Placeholders in comments are simply never resolved (a `${X}` in a comment needs no variable).
 */
export type Reference =
  | { kind: 'env'; name: string; fallback?: string; offset: number; text: string }
  | { kind: 'literal'; offset: number; text: string }
  | { kind: 'invalid'; offset: number; text: string };

export interface Prepared {
  text: string;
  refs: Reference[];
}

const START = '\uE000';
const PAD = '\uE001';
const INDEX_BASE = 0xe100;
const INDEX_MAX = 0xf8ff - INDEX_BASE;
const PLACEHOLDER = /\uE000([\uE100-\uF8FF])\uE001*/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function placeholder(index: number, length: number): string {
  return (START + String.fromCharCode(INDEX_BASE + index)).padEnd(length, PAD);
}

export function prepare(text: string): Prepared {
  const refs: Reference[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('${', i);
    if (at < 0) break;
    const escaped = at > 0 && text[at - 1] === '$';
    const start = escaped ? at - 1 : at;
    const close = text.indexOf('}', at + 2);
    const newline = text.indexOf('\n', at + 2);
    const closes = close >= 0 && (newline < 0 || close < newline);
    if (refs.length >= INDEX_MAX) break; // thousands of references: leave the rest verbatim
    if (escaped) {
      // `$${X}` → literal `${X}` (through the closing brace, so flow-style YAML around it still parses).
      out += text.slice(i, start);
      const end = closes ? close + 1 : at + 2;
      refs.push({ kind: 'literal', offset: start, text: text.slice(at, end) });
      out += placeholder(refs.length - 1, end - start);
      i = end;
      continue;
    }
    out += text.slice(i, start);
    const end = closes ? close + 1 : at + 2;
    const raw = text.slice(start, end);
    const body = closes ? text.slice(at + 2, close) : undefined;
    const sep = body?.indexOf(':-') ?? -1;
    const name = body === undefined ? undefined : sep >= 0 ? body.slice(0, sep) : body;
    if (name !== undefined && NAME.test(name)) {
      refs.push({ kind: 'env', name, fallback: sep >= 0 ? body!.slice(sep + 2) : undefined, offset: start, text: raw });
    } else {
      refs.push({ kind: 'invalid', offset: start, text: raw });
    }
    out += placeholder(refs.length - 1, raw.length);
    i = end;
  }
  out += text.slice(i);
  return { text: out, refs };
}

export function hasPlaceholder(s: string): boolean {
  return s.includes(START);
}

export interface Resolution {
  value: string;
  /** References in this string, in order (for error reporting and secret registration). */
  used: Reference[];
}

/** Replace every placeholder in `s` by its value: env lookups, literals, or (for keys) the original text. */
export function resolve(s: string, refs: readonly Reference[], lookup: (ref: Reference) => string): Resolution {
  const used: Reference[] = [];
  const value = s.replace(PLACEHOLDER, (_m, idx: string) => {
    const ref = refs[idx.charCodeAt(0) - INDEX_BASE];
    if (!ref) return '';
    used.push(ref);
    return lookup(ref);
  });
  return { value, used };
}

/** The original text a placeholder stood for: used for map keys and anywhere interpolation does not apply. */
export function original(s: string, refs: readonly Reference[]): string {
  return resolve(s, refs, (r) => r.text).value;
}
