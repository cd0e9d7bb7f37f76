import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { fixture, issueAt, issuesOf, SOURCE } from './helpers.js';

describe('mapping forms', () => {
  it('imports Segment export mappings next to ours', async () => {
    const { config } = await loadConfig({ file: fixture('segment-mappings.yaml'), env: {} });
    expect(config.destinations[0]!.mappings).toEqual([
      {
        id: 'track-calls',
        action: 'trackEvent',
        trigger: 'type = "track" and event = "Order Completed"',
        fields: { eventKey: { '@path': '$.event' }, revenue: { '@path': '$.properties.revenue' } },
        enabled: false,
        origin: 'segment-import',
      },
      { id: 'upsertContact-1', action: 'upsertContact', trigger: 'type = "identify"', fields: { email: { '@path': '$.traits.email' } }, enabled: true, origin: 'segment-import' },
      { id: 'trackEvent-2', action: 'trackEvent', trigger: '', fields: {}, enabled: true, origin: 'config' },
    ]);
  });

  it('a Segment-form mapping needs partnerAction, and does not mix with our keys', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n    type: t\n    mappings:\n      - { subscribe: 'type = "track"', mapping: {}, action: trackEvent }\n`;
    const issues = issuesOf(text);
    expect(issueAt(issues, '/destinations/0/mappings/0/partnerAction').message).toContain("missing required key 'partnerAction'");
    expect(issueAt(issues, '/destinations/0/mappings/0/action').message).toContain("unknown key 'action'");
  });

  it('our form needs an action', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n    type: t\n    mappings:\n      - { trigger: 'type = "track"' }\n`;
    const i = issueAt(issuesOf(text), '/destinations/0/mappings/0/action');
    expect(i.line).toBe(7);
    expect(i.message).toContain('action: trackEvent');
  });
});
