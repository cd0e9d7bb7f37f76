/**
 * The sandbox's project state: REST objects, datafile revisions, accepted Event API events and ODP data.
 * Everything here is plain JSON so `--state FILE` can persist it. Every change to a project's datafile content
 * goes through `touch(projectId)`, which bumps the revision and Last-Modified.
 */
import type {
  AcceptedEvent,
  ExperimentStatus,
  OdpEventRecord,
  OdpList,
  OdpProfile,
  OdpSubscription,
  Platform,
  SandboxSeed,
  SeedOdpKey,
  SeedToken,
} from './types.js';

export interface ProjectRec {
  id: string;
  accountId: string;
  name: string;
  description: string;
  platform: Platform;
  sdkKey?: string;
  environmentKey: string;
  datafileToken?: string;
  anonymizeIP: boolean;
  botFiltering: boolean;
  region: 'US' | 'EU';
  revision: number;
  /** ms, whole seconds, strictly increasing per change so If-Modified-Since never hides a change. */
  lastModified: number;
  created: string;
}

export interface EventRec {
  id: string;
  projectId: string;
  key: string;
  name: string;
  description: string;
  category: string;
  archived: boolean;
  eventProperties: { name: string; data_type: string; description?: string }[];
  created: string;
}

export interface AttributeRec {
  id: string;
  projectId: string;
  key: string;
  name: string;
  description: string;
  archived: boolean;
  lastModified: string;
}

export interface AudienceRec {
  id: string;
  projectId: string;
  name: string;
  description: string;
  conditions: string;
  archived: boolean;
  created: string;
  lastModified: string;
}

export interface ExperimentRec {
  id: string;
  projectId: string;
  key: string;
  layerId: string;
  status: ExperimentStatus;
  /** Metric event ids. */
  metrics: string[];
  variations: { id: string; key: string }[];
  audienceIds: string[];
}

export interface ListAttributeRec {
  id: string;
  projectId: string;
  accountId: string;
  name: string;
  description: string;
  key_field: string;
  list_type: string;
  list_content: string;
  archived: boolean;
  created: string;
  lastModified: string;
}

export interface SarRec {
  id: string;
  accountId: string;
  data_type: string;
  identifier: string;
  identifier_type: string;
  request_type: string;
  status: 'pending' | 'processing' | 'completed' | 'failure';
  requested_at_time: string;
  processing_started_time: string | null;
  completed_at_time: string | null;
  sla_deadline_time: string | null;
}

export interface StateData {
  version: 1;
  nextId: number;
  projects: ProjectRec[];
  events: EventRec[];
  attributes: AttributeRec[];
  audiences: AudienceRec[];
  experiments: ExperimentRec[];
  listAttributes: ListAttributeRec[];
  sars: SarRec[];
  tokens: SeedToken[];
  odpKeys: SeedOdpKey[];
  accepted: AcceptedEvent[];
  /** Redeliveries (same uuid) per event key. */
  duplicates: Record<string, number>;
  odp: { events: OdpEventRecord[]; profiles: OdpProfile[]; lists: OdpList[]; subscriptions: OdpSubscription[] };
}

const FIRST_GENERATED_ID = 50_000_000_001;

export function stateFromSeed(seed: SandboxSeed, now: number): StateData {
  const iso = new Date(now).toISOString();
  const lastModified = Math.floor(now / 1000) * 1000;
  const data: StateData = {
    version: 1,
    nextId: FIRST_GENERATED_ID,
    projects: [],
    events: [],
    attributes: [],
    audiences: [],
    experiments: [],
    listAttributes: [],
    sars: [],
    tokens: seed.tokens.map((t) => ({ ...t, projectIds: [...t.projectIds] })),
    odpKeys: seed.odpKeys.map((k) => ({ ...k, regions: [...k.regions] })),
    accepted: [],
    duplicates: {},
    odp: { events: [], profiles: [], lists: [], subscriptions: [] },
  };
  const next = (): string => String(data.nextId++);
  for (const p of seed.projects) {
    data.projects.push({
      id: p.id,
      accountId: p.accountId,
      name: p.name,
      description: '',
      platform: p.platform,
      sdkKey: p.sdkKey,
      environmentKey: p.environmentKey ?? 'production',
      datafileToken: p.datafileToken,
      anonymizeIP: p.anonymizeIP ?? true,
      botFiltering: p.botFiltering ?? false,
      region: p.region ?? 'US',
      revision: 1,
      lastModified,
      created: iso,
    });
    for (const e of p.events ?? []) {
      data.events.push({
        id: e.id ?? next(),
        projectId: p.id,
        key: e.key,
        name: e.name ?? e.key,
        description: e.description ?? '',
        category: e.category ?? 'other',
        archived: e.archived ?? false,
        eventProperties: [],
        created: iso,
      });
    }
    for (const a of p.attributes ?? []) {
      data.attributes.push({ id: a.id ?? next(), projectId: p.id, key: a.key, name: a.name ?? a.key, description: a.description ?? '', archived: a.archived ?? false, lastModified: iso });
    }
    for (const a of p.audiences ?? []) {
      data.audiences.push({ id: a.id ?? next(), projectId: p.id, name: a.name, description: a.description ?? '', conditions: a.conditions, archived: a.archived ?? false, created: iso, lastModified: iso });
    }
    for (const x of p.experiments ?? []) {
      const metricIds = (x.metrics ?? []).map((k) => data.events.find((e) => e.projectId === p.id && e.key === k)?.id).filter((id): id is string => !!id);
      data.experiments.push({
        id: x.id,
        projectId: p.id,
        key: x.key,
        layerId: x.layerId ?? next(),
        status: x.status ?? 'Running',
        metrics: metricIds,
        variations: x.variations ?? [
          { id: next(), key: 'control' },
          { id: next(), key: 'treatment' },
        ],
        audienceIds: x.audienceIds ?? [],
      });
    }
    for (const l of p.listAttributes ?? []) {
      data.listAttributes.push({
        id: l.id ?? next(),
        projectId: p.id,
        accountId: p.accountId,
        name: l.name,
        description: l.description ?? '',
        key_field: l.key_field,
        list_type: l.list_type,
        list_content: l.list_content ?? '',
        archived: false,
        created: iso,
        lastModified: iso,
      });
    }
  }
  return data;
}

/** Sanity check of a state file's shape before trusting it. */
export function isStateData(v: unknown): v is StateData {
  if (!v || typeof v !== 'object') return false;
  const d = v as Partial<StateData>;
  return d.version === 1 && typeof d.nextId === 'number' && Array.isArray(d.projects) && Array.isArray(d.accepted) && !!d.odp && Array.isArray(d.odp.events);
}

export class SandboxState {
  private seenUuids = new Set<string>();

  constructor(
    public data: StateData,
    private readonly now: () => number,
    private readonly onChange: () => void,
  ) {
    this.reindex();
  }

  replace(data: StateData): void {
    this.data = data;
    this.reindex();
    this.changed();
  }

  private reindex(): void {
    this.seenUuids = new Set(this.data.accepted.map((e) => e.uuid));
  }

  changed(): void {
    this.onChange();
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  nextId(): string {
    const id = String(this.data.nextId++);
    this.changed();
    return id;
  }

  project(id: string | number | undefined): ProjectRec | undefined {
    if (id === undefined) return undefined;
    const s = String(id);
    return this.data.projects.find((p) => p.id === s);
  }

  projectBySdkKey(sdkKey: string): ProjectRec | undefined {
    return this.data.projects.find((p) => p.sdkKey === sdkKey);
  }

  /** A datafile-visible change: revision + 1 and a Last-Modified at least one second later than the previous. */
  touch(projectId: string): void {
    const p = this.project(projectId);
    if (!p) return;
    p.revision += 1;
    p.lastModified = Math.max(Math.floor(this.now() / 1000) * 1000, p.lastModified + 1000);
    this.changed();
  }

  hasUuid(uuid: string): boolean {
    return this.seenUuids.has(uuid);
  }

  accept(ev: AcceptedEvent): void {
    this.seenUuids.add(ev.uuid);
    this.data.accepted.push(ev);
    this.changed();
  }

  countDuplicate(key: string): void {
    this.data.duplicates[key] = (this.data.duplicates[key] ?? 0) + 1;
    this.changed();
  }
}
