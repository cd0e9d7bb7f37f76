/** Every destination type optirelay ships, by its config `type`. */
import type { DestinationType } from './kit.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each type has its own settings/runtime generics; the registry erases them.
type AnyDestinationType = DestinationType<any, any>;

const types: AnyDestinationType[] = [];

export function getDestinationType(type: string): AnyDestinationType | undefined {
  return types.find((t) => t.type === type);
}

export function listDestinationTypes(): AnyDestinationType[] {
  return [...types];
}
