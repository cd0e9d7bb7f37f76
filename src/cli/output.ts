/** Output helpers shared by the CLI subcommands (their functions take an `Out` so tests can capture lines). */
export type Out = (line: string) => void;

export const stdout: Out = (l) => process.stdout.write(`${l}\n`);

/** A store timestamp (epoch ms) for a table cell: ISO, or `-` when unset. */
export const isoOrDash = (ms: number | null): string => (ms ? new Date(ms).toISOString() : '-');
