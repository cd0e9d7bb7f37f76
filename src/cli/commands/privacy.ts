import type { Command } from 'commander';

/** Placeholder until its issue lands: the command is registered so `optirelay --help` lists it. */
export function register(_program: Command): void {}
