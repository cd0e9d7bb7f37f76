/**
 * What every command that needs a config calls: load + structural checks (config/load.ts), then the semantic
 * checks of destinations against the registry (types, settings, actions, fields, triggers, presets). Throws one
 * ConfigError with every issue.
 */
import { ConfigError } from '../core/errors.js';
import { loadConfig, type LoadedConfig, type LoadOptions } from '../config/load.js';
import { validateDestinations } from '../destinations/validate-config.js';

export type { LoadedConfig, LoadOptions };

export async function loadAndValidate(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const loaded = await loadConfig(opts);
  const issues = validateDestinations(loaded.config, loaded.locate, loaded.file);
  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(issues);
  }
  return loaded;
}
