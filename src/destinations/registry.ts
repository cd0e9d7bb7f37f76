/** Every destination type optirelay ships, by its config `type`. */
import type { DestinationType } from './kit.js';
import { optimizelyDataPlatform } from './optimizely-data-platform/index.js';
import { optimizelyFeatureExperimentation } from './optimizely-feature-experimentation/index.js';
import { optimizelyRest } from './optimizely-rest/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each type has its own settings/runtime generics; the registry erases them.
export type AnyDestinationType = DestinationType<any, any>;

const types: AnyDestinationType[] = [
  optimizelyDataPlatform,
  optimizelyFeatureExperimentation,
  optimizelyRest,
];

export function getDestinationType(type: string): AnyDestinationType | undefined {
  return types.find((t) => t.type === type);
}

export function listDestinationTypes(): AnyDestinationType[] {
  return [...types];
}

/**
 * Adds a destination type at run time (tests and embedders). Replaces an existing type with the same `type`.
 * Returns a function that removes it again.
 */
export function registerDestinationType(t: AnyDestinationType): () => void {
  const i = types.findIndex((x) => x.type === t.type);
  const previous = i >= 0 ? types[i] : undefined;
  if (i >= 0) types[i] = t;
  else types.push(t);
  return () => {
    const j = types.indexOf(t);
    if (j < 0) return;
    if (previous) types[j] = previous;
    else types.splice(j, 1);
  };
}
