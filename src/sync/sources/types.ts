/** What every source yields (rows, in batches of up to BATCH), and the error a source raises (the run fails with it). */
export const BATCH = 1000;
export type Row = Record<string, unknown>;

export class SourceError extends Error {
  readonly code = 'OR_SYNC_SOURCE';
}
