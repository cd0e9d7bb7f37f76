import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { DEMO } from '../../src/sandbox/demo.js';

describe('examples/quickstart/optirelay.yaml', () => {
  it('parses, with the demo project values and the sandbox endpoints', async () => {
    const { config } = await loadConfig({ file: 'examples/quickstart/optirelay.yaml', env: {} });
    expect(config.store).toBe('sqlite:./data/optirelay.db');
    expect(config.sources).toEqual([{ id: 'quickstart', name: 'Quickstart app', writeKey: 'qs_write_key_123' }]);
    const byId = Object.fromEntries(config.destinations.map((d) => [d.id, d]));
    expect(byId.fx!.type).toBe('optimizely-feature-experimentation');
    expect(byId.fx!.settings).toEqual({
      accountId: DEMO.accountId,
      dataFileUrl: `http://127.0.0.1:${DEMO.port}/datafiles/${DEMO.sdkKey}.json`,
      accessToken: DEMO.personalAccessToken,
    });
    expect(byId.fx!.endpoints).toEqual({ eventApi: 'http://127.0.0.1:4010/v1/events', restApi: 'http://127.0.0.1:4010/v2' });
    expect(byId.fx!.mappings.map((m) => [m.id, m.action])).toEqual([['conversions', 'trackEvent']]);
    expect(byId.odp!.settings).toEqual({ apiKey: DEMO.odpApiKey, region: 'US' });
    expect(byId.odp!.presets).toBe('all');
    expect(byId.odp!.mappings.map((m) => m.action)).toEqual(['upsertContact']);
    expect(byId.rest!.settings).toEqual({ accessToken: DEMO.personalAccessToken, projectId: DEMO.projectId });
    expect(config.syncs.map((s) => [s.id, s.destination, s.object, s.mode, s.source.type])).toEqual([['custom-events', 'rest', 'customEvent', 'upsert', 'sqlite']]);
  });

  it('takes the write key from QUICKSTART_WRITE_KEY when set', async () => {
    const { config } = await loadConfig({ file: 'examples/quickstart/optirelay.yaml', env: { QUICKSTART_WRITE_KEY: 'my_own_key_1234' } });
    expect(config.sources[0]!.writeKey).toBe('my_own_key_1234');
  });
});
