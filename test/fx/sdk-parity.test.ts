/**
 * The Event API payload optirelay builds, compared field by field with what the official
 * @optimizely/optimizely-sdk dispatches for the same datafile, user, attributes and tags — for a table of events
 * (test/fixtures/fx/parity-cases.json) under several datafile settings. Only uuid, timestamp, client_name and
 * client_version are normalised.
 */
import { describe, expect, it } from 'vitest';
import { buildVisitor, eventBatchHead, eventContextOf, planRequests, EVENT_API_EU, EVENT_API_US, type EventBatch } from '../../src/optimizely/event-api.js';
import { parseProjectConfig } from '../../src/optimizely/project-config.js';
import { resolveEventApiUrl } from '../../src/destinations/optimizely-feature-experimentation/track-event.js';
import { fxContext, normalise, readFixture, sdkTrack } from './helpers.js';

interface Case {
  name: string;
  eventKey: string;
  userId: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  userAgent?: string;
  revenue?: number;
  value?: number;
  sdkAttributes?: Record<string, unknown>;
  dropped?: string[];
}

const base = readFixture<Record<string, unknown>>('datafile.json');
const cases = readFixture<Case[]>('parity-cases.json');

const variants: { name: string; patch: Record<string, unknown>; drop?: string[] }[] = [
  { name: 'botFiltering false, anonymizeIP true', patch: { botFiltering: false, anonymizeIP: true } },
  { name: 'botFiltering true, anonymizeIP false', patch: { botFiltering: true, anonymizeIP: false } },
  { name: 'botFiltering and anonymizeIP absent', patch: {}, drop: ['botFiltering', 'anonymizeIP'] },
  { name: 'EU region', patch: { region: 'EU', revision: '43' } },
];

function datafileFor(v: (typeof variants)[number]): Record<string, unknown> {
  const d: Record<string, unknown> = { ...structuredClone(base), ...v.patch };
  for (const k of v.drop ?? []) delete d[k];
  return d;
}

/** What our trackEvent payload would hold for this case with the default field mappings. */
function ourInput(c: Case) {
  const rev = c.revenue ?? (typeof c.properties?.['revenue'] === 'number' ? (c.properties['revenue'] as number) : undefined);
  const val = c.value ?? (typeof c.properties?.['value'] === 'number' ? (c.properties['value'] as number) : undefined);
  return {
    visitorId: c.userId,
    eventKey: c.eventKey,
    timestampMs: 1_712_345_678_901,
    uuid: `uuid-${c.userId}`,
    attributes: c.traits,
    userAgent: c.userAgent,
    revenue: rev,
    value: val,
    tags: c.properties,
  };
}

function sdkAttributes(c: Case): Record<string, unknown> | undefined {
  if (c.sdkAttributes) return c.sdkAttributes;
  if (!c.traits && !c.userAgent) return undefined;
  return { ...(c.traits ?? {}), ...(c.userAgent ? { $opt_user_agent: c.userAgent } : {}) };
}

describe('Event API payload matches @optimizely/optimizely-sdk', () => {
  for (const variant of variants) {
    describe(variant.name, () => {
      const datafile = datafileFor(variant);
      const config = parseProjectConfig(datafile);
      const context = eventContextOf(config, { name: 'optirelay', version: '0.0.0' });

      it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const [sdk] = await sdkTrack(datafile, [{ eventKey: c.eventKey, userId: c.userId, attributes: sdkAttributes(c), tags: c.properties }]);
        expect(sdk, 'the SDK dispatched an event').toBeDefined();
        const built = buildVisitor(config, ourInput(c));
        const ours: EventBatch = { ...eventBatchHead(context), visitors: [built.visitor] };
        // Field by field first (clearer failures), then the whole document including key order.
        const a = normalise(ours);
        const b = normalise(sdk!.params);
        expect(a.account_id).toBe(b.account_id);
        expect(a.project_id).toBe(b.project_id);
        expect(a.revision).toBe(b.revision);
        expect(a.anonymize_ip).toBe(b.anonymize_ip);
        expect(a.enrich_decisions).toBe(b.enrich_decisions);
        expect(a.visitors[0]!.visitor_id).toBe(b.visitors[0]!.visitor_id);
        expect(a.visitors[0]!.attributes).toEqual(b.visitors[0]!.attributes);
        expect(a.visitors[0]!.snapshots).toEqual(b.visitors[0]!.snapshots);
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
        expect(built.droppedAttributes).toEqual(c.dropped ?? []);
        // The URL: the datafile's region picks the host, as in the SDK.
        expect(resolveEventApiUrl(fxContext({ accountId: '1', dataFileUrl: 'http://x' }), config.region)).toBe(sdk!.url);
      });

      it('a batch of every case equals the SDK batching them with the same context', async () => {
        const sdk = await sdkTrack(
          datafile,
          cases.map((c) => ({ eventKey: c.eventKey, userId: c.userId, attributes: sdkAttributes(c), tags: c.properties })),
        );
        const plan = planRequests(cases.map((c) => ({ context, visitor: buildVisitor(config, ourInput(c)).visitor })));
        expect(plan.requests).toHaveLength(1);
        const ours = JSON.parse(plan.requests[0]!.body) as EventBatch;
        const sdkBatch: EventBatch = { ...sdk[0]!.params, visitors: sdk.flatMap((e) => e.params.visitors) };
        expect(JSON.stringify(normalise(ours))).toBe(JSON.stringify(normalise(sdkBatch)));
        expect(plan.requests[0]!.bytes).toBe(Buffer.byteLength(plan.requests[0]!.body));
      });
    });
  }

  it('EU datafiles go to the EU host unless endpoints.eventApi is set', () => {
    const ctx = fxContext({ accountId: '1', dataFileUrl: 'http://x' });
    expect(resolveEventApiUrl(ctx, 'EU')).toBe(EVENT_API_EU);
    expect(resolveEventApiUrl(ctx, 'US')).toBe(EVENT_API_US);
    const proxied = fxContext({ accountId: '1', dataFileUrl: 'http://x' }, { overrides: { eventApi: 'http://127.0.0.1:9/v1/events' } });
    expect(resolveEventApiUrl(proxied, 'EU')).toBe('http://127.0.0.1:9/v1/events');
  });
});
