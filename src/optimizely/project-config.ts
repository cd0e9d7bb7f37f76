/**
 * The parsed view of a Feature Experimentation datafile (v2–v4, reference §2.1) that conversion tracking needs:
 * event keys → ids and experiments, attribute keys → ids, which experiments are Running, and the event context
 * (account, project, revision, anonymizeIP, botFiltering, region). Built once per datafile revision.
 */
export interface DatafileEvent {
  id: string;
  key: string;
  experimentIds: string[];
}

export interface ProjectConfig {
  accountId: string;
  projectId: string;
  revision: string;
  /** `US` unless the datafile says `EU` (the SDKs treat anything else as US). */
  region: string;
  anonymizeIP: boolean;
  /** Only when the datafile carries a boolean; the SDKs then send `$opt_bot_filtering`. */
  botFiltering?: boolean;
  sdkKey?: string;
  environmentKey?: string;
  version: string;
  events: Map<string, DatafileEvent>;
  /** attribute key → attribute id */
  attributes: Map<string, string>;
  /** Experiments (including those inside mutually-exclusive groups) whose status is exactly `Running`. */
  runningExperimentIds: Set<string>;
}

export class InvalidDatafileError extends Error {}

const SUPPORTED_VERSIONS = new Set(['2', '3', '4']);

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Validate and index a parsed datafile. Throws InvalidDatafileError naming the first problem. */
export function parseProjectConfig(json: unknown): ProjectConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InvalidDatafileError('the datafile is not a JSON object');
  const d = json as Record<string, unknown>;
  const accountId = str(d['accountId']);
  const projectId = str(d['projectId']);
  const revision = str(d['revision']);
  const version = str(d['version']);
  const missing = [
    ['accountId', accountId],
    ['projectId', projectId],
    ['revision', revision],
    ['version', version],
  ].filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length) throw new InvalidDatafileError(`the datafile has no ${missing.join(', ')} (is this a Feature Experimentation datafile?)`);
  if (!SUPPORTED_VERSIONS.has(version!)) throw new InvalidDatafileError(`datafile version "${version}" is not supported (2, 3 or 4)`);
  for (const k of ['events', 'attributes', 'experiments'] as const) {
    if (d[k] !== undefined && !Array.isArray(d[k])) throw new InvalidDatafileError(`the datafile's "${k}" is not an array`);
  }

  const events = new Map<string, DatafileEvent>();
  for (const e of (d['events'] as unknown[] | undefined) ?? []) {
    const ev = e as Record<string, unknown>;
    const key = str(ev?.['key']);
    const id = str(ev?.['id']);
    if (!key || !id) continue;
    const experimentIds = Array.isArray(ev['experimentIds']) ? ev['experimentIds'].map((x) => String(x)) : [];
    events.set(key, { id, key, experimentIds });
  }

  const attributes = new Map<string, string>();
  for (const a of (d['attributes'] as unknown[] | undefined) ?? []) {
    const at = a as Record<string, unknown>;
    const key = str(at?.['key']);
    const id = str(at?.['id']);
    if (key && id) attributes.set(key, id);
  }

  const runningExperimentIds = new Set<string>();
  const addRunning = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const x of list) {
      const exp = x as Record<string, unknown>;
      const id = str(exp?.['id']);
      if (id && exp['status'] === 'Running') runningExperimentIds.add(id);
    }
  };
  addRunning(d['experiments']);
  if (Array.isArray(d['groups'])) for (const g of d['groups']) addRunning((g as Record<string, unknown>)?.['experiments']);

  return {
    accountId: accountId!,
    projectId: projectId!,
    revision: revision!,
    version: version!,
    region: str(d['region']) || 'US',
    anonymizeIP: d['anonymizeIP'] === true,
    botFiltering: typeof d['botFiltering'] === 'boolean' ? d['botFiltering'] : undefined,
    sdkKey: str(d['sdkKey']),
    environmentKey: str(d['environmentKey']),
    events,
    attributes,
    runningExperimentIds,
  };
}

/** True when at least one experiment the event is attached to is Running. */
export function eventInRunningExperiment(config: ProjectConfig, event: DatafileEvent): boolean {
  return event.experimentIds.some((id) => config.runningExperimentIds.has(id));
}
