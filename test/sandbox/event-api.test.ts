import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, EVENT_API_MAX_BYTES, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, conversionBatch } from './helpers.js';

describe('sandbox Event API', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  beforeEach(() => sb.reset());
  afterAll(() => sb.close());

  it('answers 204 with an empty body and counts conversions', async () => {
    const r = await call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'u-1', revenue: 4200 }, { key: 'signup', uuid: 'u-2', visitor: 'user-2' }]) });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(sb.conversions('purchase')).toMatchObject({ total: 1, uniqueVisitors: 1, revenue: 4200, byExperiment: { checkout_flow: 1 } });
    expect(sb.conversions('signup').total).toBe(1);
    expect(sb.conversions('add_to_cart').total).toBe(0);
  });

  it('de-duplicates redeliveries by uuid, within and across batches', async () => {
    const batch = conversionBatch([{ key: 'purchase', uuid: 'dup-1' }, { key: 'purchase', uuid: 'dup-1' }]);
    await call(sb.url, 'POST', '/v1/events', { body: batch });
    await call(sb.url, 'POST', '/v1/events', { body: batch });
    const c = sb.conversions('purchase');
    expect(c.total).toBe(1);
    expect(c.duplicates).toBe(3);
    expect(sb.events()).toHaveLength(1);
  });

  it('counts only event keys the datafile knows, matched on entity_id', async () => {
    await call(sb.url, 'POST', '/v1/events', {
      body: conversionBatch([
        { key: 'not_in_datafile', uuid: 'k-1', entityId: '123' },
        { key: 'purchase', uuid: 'k-2', entityId: '999999' }, // right key, wrong entity id: results would not show it
        { key: 'purchase', uuid: 'k-3' },
      ]),
    });
    expect(Object.keys(sb.conversions())).toEqual(['purchase']);
    expect(sb.conversions('purchase').total).toBe(1);
    expect(sb.events()).toHaveLength(3);
  });

  it('does not attribute conversions to an experiment that is not running', async () => {
    sb.setExperimentStatus('checkout_flow', 'Paused');
    await call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'p-1' }]) });
    expect(sb.conversions('purchase')).toMatchObject({ total: 1, byExperiment: {} });
  });

  it('serves the EU endpoint at /eu/v1/events (or by Host eu.logx.optimizely.com) and records the region', async () => {
    expect((await call(sb.url, 'POST', '/eu/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'eu-1' }]) })).status).toBe(204);
    expect((await call(sb.url, 'POST', '/v1/events', { headers: { host: 'eu.logx.optimizely.com' }, body: conversionBatch([{ key: 'purchase', uuid: 'eu-2' }]) })).status).toBe(204);
    expect((await call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 'us-1' }]) })).status).toBe(204);
    expect(sb.received('eventApi').map((r) => r.region)).toEqual(['EU', 'EU', 'US']);
    expect(sb.conversions('purchase').total).toBe(3);
  });

  it('answers 400 for malformed JSON', async () => {
    const r = await call(sb.url, 'POST', '/v1/events', { raw: '{"account_id":', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect((r.json as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('is permissive by default: schema-breaking events get 204 and are dropped silently', async () => {
    const body = conversionBatch([{ key: 'purchase', uuid: 'x' }]);
    const visitors = body.visitors as { snapshots: { events: Record<string, unknown>[] }[] }[];
    delete visitors[0]!.snapshots[0]!.events[0]!.uuid;
    const r = await call(sb.url, 'POST', '/v1/events', { body });
    expect(r.status).toBe(204);
    expect(sb.events()).toHaveLength(0);
    expect(sb.droppedEvents()[0]!.reason).toMatch(/uuid/);
    const noAccount = await call(sb.url, 'POST', '/v1/events', { body: { visitors: [] } });
    expect(noAccount.status).toBe(204);
  });

  it('with X-Optimizely-Strict: true, rejects schema violations with 400 naming each field', async () => {
    const strict = { 'x-optimizely-strict': 'true' };
    const body = conversionBatch([{ key: 'purchase', uuid: 's-1' }, { key: 'purchase', uuid: 's-2' }]);
    const visitors = body.visitors as { visitor_id?: string; snapshots: { events: Record<string, unknown>[] }[] }[];
    delete body.account_id;
    delete visitors[0]!.visitor_id;
    visitors[1]!.snapshots[0]!.events[0]!.timestamp = 1735732800; // seconds, not ms
    delete visitors[1]!.snapshots[0]!.events[0]!.uuid;
    const r = await call(sb.url, 'POST', '/v1/events', { body, headers: strict });
    expect(r.status).toBe(400);
    const errors = (r.json as { errors: string[] }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        'account_id: required string',
        'visitors[0].visitor_id: required string',
        expect.stringMatching(/^visitors\[1\]\.snapshots\[0\]\.events\[0\]\.timestamp: looks like seconds/),
        'visitors[1].snapshots[0].events[0].uuid: required string',
      ]),
    );
    expect(sb.events()).toHaveLength(0);
    const good = await call(sb.url, 'POST', '/v1/events', { body: conversionBatch([{ key: 'purchase', uuid: 's-3' }]), headers: strict });
    expect(good.status).toBe(204);
    const missingVisitors = await call(sb.url, 'POST', '/v1/events', { body: { account_id: DEMO.accountId }, headers: strict });
    expect((missingVisitors.json as { errors: string[] }).errors).toContain('visitors: required non-empty array');
  });

  it('answers 413 over 3.5 MB and accepts a body just under it', async () => {
    const big = conversionBatch([{ key: 'purchase', uuid: 'big-1' }], { padding: 'x'.repeat(EVENT_API_MAX_BYTES) });
    const r = await call(sb.url, 'POST', '/v1/events', { body: big });
    expect(r.status).toBe(413);
    expect(sb.events()).toHaveLength(0);
    const base = JSON.stringify(conversionBatch([{ key: 'purchase', uuid: 'big-2' }], { padding: '' }));
    const fits = conversionBatch([{ key: 'purchase', uuid: 'big-2' }], { padding: 'x'.repeat(EVENT_API_MAX_BYTES - base.length) });
    expect(JSON.stringify(fits).length).toBe(EVENT_API_MAX_BYTES);
    expect((await call(sb.url, 'POST', '/v1/events', { body: fits })).status).toBe(204);
  });

  it('accepts sendBeacon-style bodies without a JSON content type and records impressions', async () => {
    const body = {
      account_id: DEMO.accountId,
      visitors: [
        {
          visitor_id: 'user-9',
          snapshots: [
            {
              decisions: [{ campaign_id: DEMO.experiment.layerId, experiment_id: DEMO.experiment.id, variation_id: DEMO.variations[0].id }],
              events: [{ entity_id: DEMO.experiment.layerId, key: 'campaign_activated', timestamp: 1735732800000, uuid: 'imp-1' }],
            },
          ],
        },
      ],
    };
    const r = await call(sb.url, 'POST', '/v1/events', { raw: JSON.stringify(body), headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(204);
    expect(sb.events()[0]).toMatchObject({ key: 'campaign_activated', decisions: [{ experimentId: DEMO.experiment.id, variationId: DEMO.variations[0].id }] });
    expect(sb.conversions()).toEqual({});
    expect(sb.received('eventApi')[0]!.body).toMatchObject({ account_id: DEMO.accountId });
  });
});
