/**
 * Mapping benchmark: trigger evaluation + transform + payload validation per event, on one core, for the
 * Feature Experimentation trackEvent and ODP custom-event default mappings — optirelay's engine versus
 * Segment's own (@segment/destination-subscriptions + @segment/actions-core) in the same run.
 *   npx tsx bench/mapping/run.ts [seconds-per-round]
 */
import { createRequire } from 'node:module';
import { compileFields, compileMapping, compileTrigger, parseTrigger, type FieldDef } from '../../src/mapping/index.js';
import { defaultsOf, fxTrackEvent, odpCustomEvent, sampleEvents } from './fixtures.js';

// Segment's packages are loaded through require(): their ESM builds do not resolve under plain Node.
const require = createRequire(import.meta.url);
type Fn = (...args: unknown[]) => unknown;
const subs = require('@segment/destination-subscriptions') as { parseFql: Fn; validate: Fn };
const core = require('@segment/actions-core') as { fieldsToJsonSchema: Fn; transform: Fn; validateSchema: Fn };
// Action.execute's removeEmptyValues step is not exported from the package root.
const { removeEmptyValues: segmentRemoveEmpty } = require('../../node_modules/@segment/actions-core/dist/cjs/remove-empty-values.js') as { removeEmptyValues: Fn };
const { parseFql, validate: segmentMatch } = subs;
const { fieldsToJsonSchema, transform: segmentTransform, validateSchema } = core;

const seconds = Number(process.argv[2] ?? 1);
const events = sampleEvents();

type Work = (e: Record<string, unknown>) => boolean;

function ours(def: { trigger: string; fields: Record<string, FieldDef> }): Work {
  const match = compileTrigger(parseTrigger(def.trigger));
  const map = compileMapping(defaultsOf(def.fields));
  const validator = compileFields(def.fields);
  return (e) => match(e) && validator.validate(map(e)).ok;
}

function segment(def: { trigger: string; fields: Record<string, FieldDef> }, key: string): Work {
  const ast = parseFql(def.trigger);
  const mapping = defaultsOf(def.fields);
  const schema = fieldsToJsonSchema(def.fields);
  return (e) => {
    if (!segmentMatch(ast, e)) return false;
    // What Action.execute does per event: transform, removeEmptyValues, validateSchema (cached by schemaKey).
    const payload = segmentRemoveEmpty(segmentTransform(mapping, e), schema, true);
    try {
      validateSchema(payload, schema, { schemaKey: key });
      return true;
    } catch {
      return false;
    }
  };
}

function measure(work: Work): { perSecond: number; matched: number } {
  for (let i = 0; i < 20_000; i++) work(events[i % events.length]!); // warm-up
  let n = 0;
  let matched = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) if (work(events[(n + i) % events.length]!)) matched++;
    n += 1000;
  }
  return { perSecond: n / ((performance.now() - start) / 1000), matched };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: string[] = [];
for (const [name, def] of [
  ['FX trackEvent (default mapping)', fxTrackEvent],
  ['ODP custom event (default mapping)', odpCustomEvent],
] as const) {
  // Interleaved rounds, best of each: the machine may be shared, and the best round is the least disturbed.
  const wa = ours(def);
  const wb = segment(def, `bench:${name}`);
  const disagree = events.filter((e) => wa(structuredClone(e)) !== wb(structuredClone(e))).length;
  if (disagree) console.warn(`warning: ${name}: optirelay and Segment disagree on ${disagree} of ${events.length} events`);
  const ma = measure(wa);
  const mb = measure(wb);
  let a = ma;
  let b = mb;
  for (let round = 1; round < 3; round++) {
    const ra = measure(wa);
    const rb = measure(wb);
    if (ra.perSecond > a.perSecond) a = ra;
    if (rb.perSecond > b.perSecond) b = rb;
  }
  rows.push(`| ${name} | ${fmt(a.perSecond)} | ${fmt(b.perSecond)} | ${(a.perSecond / b.perSecond).toFixed(1)}× |`);
}
console.log(`node ${process.version}, one core, best of 3 interleaved ${seconds}s rounds, ${events.length} distinct events cycled`);
console.log('| mapping | optirelay events/s | Segment (destination-subscriptions + actions-core) events/s | ratio |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
