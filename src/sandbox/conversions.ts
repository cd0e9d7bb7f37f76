/**
 * Conversion counts as experiment results would show them: only events the datafile knows (matched on
 * entity_id, or on key when there is none), each uuid once, attributed to every Running experiment whose metrics
 * include the event. (Real results also require the visitor to have been bucketed; the sandbox does not, since
 * server-side conversions usually arrive without impressions. `impressions` counts the ones that did arrive.)
 */
import type { SandboxState } from './state.js';
import type { ConversionCount } from './types.js';

export function conversionCounts(state: SandboxState): Record<string, ConversionCount> {
  const d = state.data;
  const out: Record<string, ConversionCount> = {};
  const visitors = new Map<string, Set<string>>();
  const eventIdByProjectKey = new Map(d.events.map((e) => [`${e.projectId}:${e.key}`, e.id]));
  for (const ev of d.accepted) {
    if (!ev.knownKey || ev.knownKey === 'campaign_activated') continue;
    const c = (out[ev.knownKey] ??= { eventKey: ev.knownKey, total: 0, uniqueVisitors: 0, revenue: 0, value: 0, byExperiment: {}, duplicates: 0 });
    c.total++;
    c.revenue += ev.revenue ?? 0;
    c.value += ev.value ?? 0;
    let vs = visitors.get(ev.knownKey);
    if (!vs) visitors.set(ev.knownKey, (vs = new Set()));
    vs.add(ev.visitorId);
    const eventId = eventIdByProjectKey.get(`${ev.projectId}:${ev.knownKey}`);
    for (const x of d.experiments) {
      if (x.projectId === ev.projectId && x.status === 'Running' && eventId && x.metrics.includes(eventId)) c.byExperiment[x.key] = (c.byExperiment[x.key] ?? 0) + 1;
    }
  }
  for (const [key, n] of Object.entries(d.duplicates)) {
    const c = (out[key] ??= { eventKey: key, total: 0, uniqueVisitors: 0, revenue: 0, value: 0, byExperiment: {}, duplicates: 0 });
    c.duplicates = n;
  }
  for (const [key, vs] of visitors) out[key]!.uniqueVisitors = vs.size;
  return out;
}

export function emptyCount(eventKey: string): ConversionCount {
  return { eventKey, total: 0, uniqueVisitors: 0, revenue: 0, value: 0, byExperiment: {}, duplicates: 0 };
}
