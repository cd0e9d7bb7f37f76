/** Cursor paging shared by the admin list routes: `?limit=&before=` in, `{ <rows>: [...], nextBefore }` out. */

const nextBeforeSchema = { type: ['integer', 'null'], description: 'Pass as `before` for the next page; null on the last page.' } as const;

/** The 200 schema of a page: `{ [key]: items[], nextBefore }`. */
export function pageSchema<K extends string, I extends object>(key: K, items: I) {
  return {
    type: 'object',
    properties: { [key]: { type: 'array', items }, nextBefore: nextBeforeSchema },
    required: [key, 'nextBefore'],
  } as const;
}

/** The cursor for the next page: the last row's cursor when the page is full, else null (the last page). */
export function nextBefore<R>(rows: readonly R[], limit: number, cursor: (row: R) => number): number | null {
  const last = rows[rows.length - 1];
  return rows.length === limit && last !== undefined ? cursor(last) : null;
}

/** The usual cursor: the row id. */
export const byId = (row: { id: number }): number => row.id;
