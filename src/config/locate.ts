/** JSON pointer → line/column in the YAML source, from the parsed document's node ranges. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type Locate = (path: string) => { line: number; column: number } | undefined;
/** Like Locate; `preferKey` points at a map entry's key rather than its value (for "unknown key" issues). */
export type LocateWithKey = (path: string, preferKey?: boolean) => { line: number; column: number } | undefined;

export function pointerSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * The deepest node the path reaches: a scalar value points at the value itself; a map entry whose value is a
 * collection (or missing) points at its key; a path that goes further than the document points at the last node
 * found (e.g. the mapping a required key is missing from).
 */
export function makeLocate(doc: Document, lineCounter: LineCounter, keyOf: (keyNode: unknown) => string): LocateWithKey {
  const at = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return (path: string, preferKey = false) => {
    let node: unknown = doc.contents;
    let best: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of pointerSegments(path)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === seg);
        if (!pair) break;
        const keyStart = (pair.key as Node | null)?.range?.[0];
        const value = pair.value as Node | null;
        best = !preferKey && isScalar(value) && value.range ? value.range[0] : (keyStart ?? best);
        node = value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item || !/^\d+$/.test(seg)) break;
        best = item.range?.[0] ?? best;
        node = item;
      } else {
        break;
      }
    }
    return at(best);
  };
}
