/**
 * The Optimizely sandbox: a local, faithful stand-in for the datafile CDN, Event API, REST API v2 and ODP v3.
 * `startSandbox()` is what tests and `optirelay sandbox` use. It shares no logic with src/optimizely/ (it must
 * catch our client's mistakes, not repeat them). See docs/sandbox.md.
 */
import { buildSandboxApp, type SandboxOptions } from './app.js';
import type { SandboxController } from './controller.js';
import type { FaultInjector } from './faults.js';

export { buildSandboxApp, DEFAULT_RATE_LIMITS, type SandboxApp, type SandboxOptions } from './app.js';
export { SandboxController, type ProjectPatch } from './controller.js';
export { DEMO } from './demo.js';
export { demoSeed, parseSeed, loadSeedFile, SeedError } from './seed.js';
export { EVENT_API_MAX_BYTES } from './routes/event-api.js';
export { ODP_MAX_BATCH } from './routes/odp.js';
export type * from './types.js';

export interface StartSandboxOptions extends SandboxOptions {
  /** Default 0 (an ephemeral port); the CLI defaults to 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  /** Endpoint URLs to put in a config's `endpoints:` / settings. */
  endpoints: {
    datafile: (sdkKey: string) => string;
    authDatafile: (sdkKey: string) => string;
    eventApi: string;
    restApi: string;
    odpApi: (region?: 'US' | 'EU' | 'AU') => string;
  };
  controller: SandboxController;
  faults: FaultInjector;
  conversions: SandboxController['conversions'];
  events: SandboxController['events'];
  droppedEvents: SandboxController['droppedEvents'];
  received: SandboxController['received'];
  clearReceived: SandboxController['clearReceived'];
  odpEvents: SandboxController['odpEvents'];
  profiles: SandboxController['profiles'];
  odpLists: SandboxController['odpLists'];
  subscriptions: SandboxController['subscriptions'];
  listMembers: SandboxController['listMembers'];
  rate: SandboxController['rate'];
  reset: SandboxController['reset'];
  seed: SandboxController['seed'];
  state: SandboxController['state'];
  project: SandboxController['project'];
  datafile: SandboxController['datafile'];
  updateProject: SandboxController['updateProject'];
  setExperimentStatus: SandboxController['setExperimentStatus'];
  /** Write pending --state now. */
  flush(): void;
  close(): Promise<void>;
}

export async function startSandbox(opts: StartSandboxOptions = {}): Promise<Sandbox> {
  const built = buildSandboxApp(opts);
  const host = opts.host ?? '127.0.0.1';
  await built.app.listen({ port: opts.port ?? 0, host });
  const addr = built.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}`;
  built.setBaseUrl(url);
  const c = built.controller;
  let closed = false;
  return {
    url,
    port,
    endpoints: {
      datafile: (sdkKey) => `${url}/datafiles/${sdkKey}.json`,
      authDatafile: (sdkKey) => `${url}/datafiles/auth/${sdkKey}.json`,
      eventApi: `${url}/v1/events`,
      restApi: `${url}/v2`,
      odpApi: (region = 'US') => (region === 'US' ? `${url}/v3` : `${url}/${region === 'EU' ? 'eu1' : 'au1'}/v3`),
    },
    controller: c,
    faults: c.faults,
    conversions: c.conversions.bind(c) as SandboxController['conversions'],
    events: c.events.bind(c),
    droppedEvents: c.droppedEvents.bind(c),
    received: c.received.bind(c),
    clearReceived: c.clearReceived.bind(c),
    odpEvents: c.odpEvents.bind(c),
    profiles: c.profiles.bind(c),
    odpLists: c.odpLists.bind(c),
    subscriptions: c.subscriptions.bind(c),
    listMembers: c.listMembers.bind(c),
    rate: c.rate.bind(c),
    reset: c.reset.bind(c),
    seed: c.seed.bind(c),
    state: c.state.bind(c),
    project: c.project.bind(c),
    datafile: c.datafile.bind(c),
    updateProject: c.updateProject.bind(c),
    setExperimentStatus: c.setExperimentStatus.bind(c),
    flush: built.flush,
    async close() {
      if (closed) return;
      closed = true;
      await built.app.close();
      built.flush();
    },
  };
}
