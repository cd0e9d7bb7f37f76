/** What every source yields, and the error a source raises (the run fails with it). */
export type Row = Record<string, unknown>;

export class SourceError extends Error {
  readonly code = 'OR_SYNC_SOURCE';
}
