/**
 * Semantic checks of the destinations part of a loaded config against the destination registry (types,
 * settings, actions, fields, triggers, presets, the 50-mapping limit). Placeholder until issue 4 lands.
 */
import type { ConfigIssue } from '../core/errors.js';
import type { OptirelayConfig } from '../config/types.js';

export type Locate = (path: string) => { line: number; column: number } | undefined;

export function validateDestinations(_config: OptirelayConfig, _locate: Locate, _file: string): ConfigIssue[] {
  return [];
}
