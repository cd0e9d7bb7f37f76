/**
 * Builds a v4 datafile from the project state (reference §2.1). Archived objects are left out; an event's
 * `experimentIds` lists the experiments using it as a metric; each experiment gets a feature flag of the same key
 * (with an "everyone else" rollout that is off) so SDK `decide()` works against it.
 */
import { toDatafileConditions } from './conditions.js';
import type { ProjectRec, SandboxState } from './state.js';

export type Datafile = Record<string, unknown> & { revision: string; projectId: string; accountId: string };

export function buildDatafile(state: SandboxState, project: ProjectRec, baseUrl: string): Datafile {
  const d = state.data;
  const pid = project.id;
  const experiments = d.experiments.filter((x) => x.projectId === pid && x.status !== 'Archived');
  const events = d.events.filter((e) => e.projectId === pid && !e.archived);
  const odpKey = d.odpKeys.find((k) => k.regions.includes('US'));
  return {
    version: '4',
    accountId: project.accountId,
    projectId: pid,
    revision: String(project.revision),
    sdkKey: project.sdkKey ?? '',
    environmentKey: project.environmentKey,
    anonymizeIP: project.anonymizeIP,
    botFiltering: project.botFiltering,
    sendFlagDecisions: true,
    region: project.region,
    attributes: d.attributes.filter((a) => a.projectId === pid && !a.archived).map((a) => ({ id: a.id, key: a.key })),
    audiences: d.audiences
      .filter((a) => a.projectId === pid && !a.archived)
      .map((a) => ({ id: a.id, name: a.name, conditions: JSON.stringify(toDatafileConditions(safeParse(a.conditions))) })),
    typedAudiences: [],
    events: events.map((e) => ({ id: e.id, key: e.key, experimentIds: experiments.filter((x) => x.metrics.includes(e.id)).map((x) => x.id) })),
    experiments: experiments.map((x) => {
      const share = Math.floor(10000 / Math.max(1, x.variations.length));
      return {
        id: x.id,
        key: x.key,
        status: x.status,
        layerId: x.layerId,
        variations: x.variations.map((v) => ({ id: v.id, key: v.key, featureEnabled: true, variables: [] })),
        trafficAllocation: x.variations.map((v, i) => ({ entityId: v.id, endOfRange: i === x.variations.length - 1 ? 10000 : share * (i + 1) })),
        audienceIds: x.audienceIds,
        audienceConditions: x.audienceIds.length ? ['or', ...x.audienceIds] : [],
        forcedVariations: {},
      };
    }),
    groups: [],
    featureFlags: experiments.map((x) => ({ id: `9${x.id}`, key: x.key, rolloutId: `8${x.id}`, experimentIds: [x.id], variables: [] })),
    rollouts: experiments.map((x) => ({
      id: `8${x.id}`,
      experiments: [
        {
          id: `7${x.id}`,
          key: `default-rollout-${x.id}`,
          status: 'Running',
          layerId: `8${x.id}`,
          variations: [{ id: `6${x.id}`, key: 'off', featureEnabled: false, variables: [] }],
          trafficAllocation: [{ entityId: `6${x.id}`, endOfRange: 10000 }],
          audienceIds: [],
          audienceConditions: [],
          forcedVariations: {},
        },
      ],
    })),
    integrations: odpKey ? [{ key: 'odp', host: baseUrl, publicKey: odpKey.key }] : [],
    variables: [],
  };
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return [];
  }
}
