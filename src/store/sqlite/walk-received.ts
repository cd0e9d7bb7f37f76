/**
 * The retention walk both time-based purges share. Ids grow with received_at, so a purge is a rowid range scan
 * from a cursor that stops at the first row younger than the cutoff. Commit order can put a row a little out of
 * time order, so the walk goes on SLACK_MS past the cutoff before it decides it has reached young rows.
 */
export const SLACK_MS = 60_000;

export interface WalkedRow {
  id: number;
  receivedAt: number;
}

/**
 * The ids of `rows` received before `before` (and, when given, `purgeable`), and whether the walk reached rows young
 * enough to stop. `rows` are in id order.
 */
export function pickDue(rows: WalkedRow[], before: number, purgeable?: (id: number) => boolean): { due: number[]; reachedYoung: boolean } {
  const due: number[] = [];
  for (const r of rows) {
    if (r.receivedAt >= before + SLACK_MS) return { due, reachedYoung: true };
    if (r.receivedAt < before && (!purgeable || purgeable(r.id))) due.push(r.id);
  }
  return { due, reachedYoung: false };
}
