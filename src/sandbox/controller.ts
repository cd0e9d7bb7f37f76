/**
 * The sandbox's inspection and control surface, shared by the programmatic API (startSandbox) and the JSON
 * control API under /_sandbox. Everything a test asks about what the fake Optimizely received lives here.
 */
import type { SandboxContext } from './context.js';
import { conversionCounts, emptyCount } from './conversions.js';
import { buildDatafile, type Datafile } from './datafile.js';
import type { FaultInjector } from './faults.js';
import type { DroppedEvent } from './routes/event-api.js';
import type { ProjectRec, StateData } from './state.js';
import type {
  AcceptedEvent,
  ConversionCount,
  ExperimentStatus,
  OdpEventRecord,
  OdpList,
  OdpProfile,
  OdpRegion,
  OdpSubscription,
  RateBucketStats,
  RecordedRequest,
  SandboxApi,
  SandboxSeed,
} from './types.js';

export interface ProjectPatch {
  anonymizeIP?: boolean;
  botFiltering?: boolean;
  region?: 'US' | 'EU';
  name?: string;
}

const STATUSES: ExperimentStatus[] = ['Running', 'Paused', 'Not started', 'Launched', 'Archived'];

export class SandboxController {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly dropped: DroppedEvent[],
    private readonly baseUrl: () => string,
  ) {}

  get faults(): FaultInjector {
    return this.ctx.faults;
  }

  /** Conversion counts per known event key (de-duplicated by uuid); one key → that key's count (zeros if none). */
  conversions(): Record<string, ConversionCount>;
  conversions(eventKey: string): ConversionCount;
  conversions(eventKey?: string): Record<string, ConversionCount> | ConversionCount {
    const all = conversionCounts(this.ctx.state);
    return eventKey === undefined ? all : (all[eventKey] ?? emptyCount(eventKey));
  }

  /** Events the Event API accepted (distinct uuids), in arrival order. */
  events(): AcceptedEvent[] {
    return [...this.ctx.state.data.accepted];
  }

  /** Events the Event API answered 204 to but could not use (non-strict mode). */
  droppedEvents(): DroppedEvent[] {
    return [...this.dropped];
  }

  /** Requests received (secrets masked), optionally for one API. The control API is not recorded. */
  received(api?: Exclude<SandboxApi, 'control'>): RecordedRequest[] {
    return this.ctx.recorder.list(api);
  }

  clearReceived(): void {
    this.ctx.recorder.clear();
  }

  odpEvents(region?: OdpRegion): OdpEventRecord[] {
    return this.ctx.state.data.odp.events.filter((e) => !region || e.region === region);
  }

  profiles(region?: OdpRegion): OdpProfile[] {
    return this.ctx.state.data.odp.profiles.filter((p) => !region || p.region === region);
  }

  odpLists(region?: OdpRegion): OdpList[] {
    return this.ctx.state.data.odp.lists.filter((l) => !region || l.region === region);
  }

  subscriptions(region?: OdpRegion): OdpSubscription[] {
    return this.ctx.state.data.odp.subscriptions.filter((s) => !region || s.region === region);
  }

  /** Members of a REST list attribute (its list_content split on commas), by id or name. */
  listMembers(idOrName: string): string[] | undefined {
    const l = this.ctx.state.data.listAttributes.find((x) => x.id === idOrName || x.name === idOrName);
    if (!l) return undefined;
    return l.list_content
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  rate(): RateBucketStats[] {
    return this.ctx.limiter.stats();
  }

  resetRate(): void {
    this.ctx.limiter.reset();
  }

  /** Back to the seed: state, request log, rate counters and faults. */
  reset(): void {
    this.ctx.reset();
    this.ctx.recorder.clear();
    this.ctx.limiter.reset();
    this.ctx.faults.clear();
    this.dropped.length = 0;
  }

  /** Replace the seed (validated) and reset to it. */
  seed(seed: SandboxSeed): void {
    this.ctx.reseed(seed);
    this.ctx.recorder.clear();
    this.ctx.limiter.reset();
    this.dropped.length = 0;
  }

  /** The full state (REST objects, revisions, accepted events, ODP data) as persisted by --state. */
  state(): StateData {
    return structuredClone(this.ctx.state.data);
  }

  project(id: string): ProjectRec | undefined {
    const p = this.ctx.state.project(id);
    return p ? { ...p } : undefined;
  }

  /** The datafile the CDN would serve now, by project id or sdkKey. */
  datafile(projectIdOrSdkKey: string): Datafile | undefined {
    const st = this.ctx.state;
    const p = st.project(projectIdOrSdkKey) ?? st.projectBySdkKey(projectIdOrSdkKey);
    return p && p.sdkKey ? buildDatafile(st, p, this.baseUrl()) : undefined;
  }

  /** Change datafile-level project settings; bumps the revision. */
  updateProject(id: string, patch: ProjectPatch): ProjectRec {
    const p = this.ctx.state.project(id);
    if (!p) throw new Error(`no project ${id}`);
    if (patch.anonymizeIP !== undefined && typeof patch.anonymizeIP !== 'boolean') throw new Error('anonymizeIP must be a boolean');
    if (patch.botFiltering !== undefined && typeof patch.botFiltering !== 'boolean') throw new Error('botFiltering must be a boolean');
    if (patch.region !== undefined && patch.region !== 'US' && patch.region !== 'EU') throw new Error('region must be "US" or "EU"');
    if (patch.name !== undefined && typeof patch.name !== 'string') throw new Error('name must be a string');
    Object.assign(p, Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && ['anonymizeIP', 'botFiltering', 'region', 'name'].includes(k))));
    this.ctx.state.touch(p.id);
    return { ...p };
  }

  /** Set an experiment's status (by key or id); bumps the revision. */
  setExperimentStatus(experiment: string, status: ExperimentStatus): void {
    if (!STATUSES.includes(status)) throw new Error(`status must be one of ${STATUSES.join(', ')}`);
    const x = this.ctx.state.data.experiments.find((e) => e.key === experiment || e.id === experiment);
    if (!x) throw new Error(`no experiment ${experiment}`);
    x.status = status;
    this.ctx.state.touch(x.projectId);
  }
}
