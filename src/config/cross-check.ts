/**
 * Checks a schema cannot express: unique ids and write keys, sync → destination references, mode per object,
 * cron schedules, store URL schemes. Runs on the raw (interpolated) data and is defensive about shapes, so its
 * issues are reported together with the schema's.
 */
import { Cron } from 'croner';
import type { RawIssue } from './validate-schema.js';
import type { LocateWithKey } from './locate.js';
import { parseDuration } from '../core/duration.js';
import { toMapping } from './mappings.js';

type Raw = Record<string, unknown>;

const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): Raw[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const OBJECT_MODES: Record<string, readonly string[]> = {
  audience: ['upsert', 'insert'],
  attribute: ['upsert', 'insert'],
  customEvent: ['upsert', 'insert'],
  listAttribute: ['add', 'remove', 'mirror'],
};

export function envName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}_WRITE_KEY`;
}

function duplicates(items: { id: string | undefined; path: string }[], what: string, locate: LocateWithKey, out: RawIssue[]): void {
  const first = new Map<string, string>();
  for (const { id, path } of items) {
    if (id === undefined) continue;
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, path);
      continue;
    }
    const line = locate(seen)?.line;
    out.push({ path, message: `duplicate ${what} id '${id}'${line ? ` (first used on line ${line})` : ''}. Fix: ids must be unique — rename one of them.` });
  }
}

export function crossCheck(data: unknown, locate: LocateWithKey): RawIssue[] {
  const out: RawIssue[] = [];
  if (!isObj(data)) return out;

  const store = str(data.store);
  if (store !== undefined && store !== '' && !/^(sqlite|postgres|postgresql):/.test(store)) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(store)?.[1];
    out.push({
      path: '/store',
      message: `unsupported store ${scheme ? `scheme '${scheme}:'` : 'URL (no scheme)'}. Fix: use sqlite:./data/optirelay.db (embedded) or postgres://user:pass@host:5432/db.`,
    });
  }

  const delivery = isObj(data.delivery) ? data.delivery : {};
  const base = delivery.backoffBase !== undefined ? parseDuration(delivery.backoffBase as string) : undefined;
  const max = delivery.backoffMax !== undefined ? parseDuration(delivery.backoffMax as string) : undefined;
  if (base !== undefined && max !== undefined && base > max) {
    out.push({ path: '/delivery/backoffBase', message: 'backoffBase is larger than backoffMax. Fix: make backoffBase ≤ backoffMax (defaults 1s and 10m).' });
  }

  // Sources: unique ids, a non-empty write key each, write keys unique (a key must name exactly one source).
  const sources = list(data.sources);
  duplicates(sources.map((s, i) => ({ id: str(s.id), path: `/sources/${i}/id` })), 'source', locate, out);
  const keyOwner = new Map<string, string>();
  sources.forEach((s, i) => {
    const id = str(s.id) ?? `#${i}`;
    const key = s.writeKey;
    if (key === undefined || key === null || (typeof key === 'string' && key.trim() === '')) {
      out.push({
        path: `/sources/${i}/writeKey`,
        message: `source '${id}' has ${key === undefined || key === null ? 'no' : 'an empty'} write key. Fix: add \`writeKey: \${${envName(id)}}\` and \`export ${envName(id)}=…\` (any long random string; SDKs send it).`,
      });
      return;
    }
    if (typeof key !== 'string') return;
    const other = keyOwner.get(key);
    if (other !== undefined) {
      out.push({ path: `/sources/${i}/writeKey`, message: `source '${id}' has the same write key as source '${other}'. Fix: give each source its own write key.` });
    } else keyOwner.set(key, id);
  });

  // Destinations: unique ids, unique mapping ids within each (after defaulting).
  const destinations = list(data.destinations);
  duplicates(destinations.map((d, i) => ({ id: str(d.id), path: `/destinations/${i}/id` })), 'destination', locate, out);
  destinations.forEach((d, i) => {
    const mappings = Array.isArray(d.mappings) ? d.mappings : [];
    const ids = mappings.map((m, j) => ({ id: isObj(m) ? toMapping(m, j).id : undefined, path: `/destinations/${i}/mappings/${j}${isObj(m) && 'id' in m ? '/id' : ''}` }));
    duplicates(ids, `mapping (in destination '${str(d.id) ?? i}')`, locate, out);
  });
  const destById = new Map(destinations.map((d) => [str(d.id), d] as const));

  // Syncs.
  const syncs = list(data.syncs);
  duplicates(syncs.map((s, i) => ({ id: str(s.id), path: `/syncs/${i}/id` })), 'sync', locate, out);
  syncs.forEach((s, i) => {
    const at = `/syncs/${i}`;
    const id = str(s.id) ?? `#${i}`;
    const destId = str(s.destination);
    if (destId) {
      const dest = destById.get(destId);
      const restIds = destinations.filter((d) => d.type === 'optimizely-rest').map((d) => str(d.id)).filter(Boolean);
      if (!dest) {
        out.push({
          path: `${at}/destination`,
          message: `sync '${id}' names destination '${destId}', which is not configured. Fix: ${restIds.length ? `use one of: ${restIds.join(', ')}` : 'add an `optimizely-rest` destination (settings: accessToken, projectId) and name its id here'}.`,
        });
      } else if (dest.type !== 'optimizely-rest') {
        out.push({
          path: `${at}/destination`,
          message: `sync '${id}' names destination '${destId}' of type '${String(dest.type)}'; syncs write through the Optimizely REST API. Fix: point it at an \`optimizely-rest\` destination${restIds.length ? ` (${restIds.join(', ')})` : ''}.`,
        });
      }
    }
    const object = str(s.object);
    const mode = str(s.mode);
    const modes = object ? OBJECT_MODES[object] : undefined;
    if (modes && mode && (OBJECT_MODES.audience!.includes(mode) || OBJECT_MODES.listAttribute!.includes(mode)) && !modes.includes(mode)) {
      out.push({ path: `${at}/mode`, message: `mode '${mode}' does not apply to ${object} syncs. Fix: use ${modes.join(', ')}.` });
    }
    if (object === 'listAttribute') {
      const target = isObj(s.target) ? s.target : {};
      if (target.listAttributeId === undefined || target.listAttributeId === null || target.listAttributeId === '') {
        out.push({
          path: `${at}/target`,
          message: `a listAttribute sync needs the list attribute it fills. Fix: add \`target: { listAttributeId: <id> }\` (the list attribute's id in the project).`,
        });
      }
    }
    const schedule = str(s.schedule);
    if (schedule !== undefined) {
      try {
        new Cron(schedule, { paused: true }).stop();
      } catch (err) {
        out.push({
          path: `${at}/schedule`,
          message: `invalid cron schedule '${schedule}': ${(err as Error).message.replace(/\.+$/, '')}. Fix: use five fields (minute hour day month weekday), e.g. "*/15 * * * *" or "0 3 * * *".`,
        });
      }
    }
    const source = isObj(s.source) ? s.source : undefined;
    if (source && (source.type === 'sqlite' || source.type === 'postgres')) {
      const hasQuery = source.query !== undefined;
      const hasFile = source.queryFile !== undefined;
      if (hasQuery === hasFile) {
        out.push({
          path: `${at}/source${hasQuery ? '/queryFile' : ''}`,
          message: hasQuery
            ? 'give either `query` or `queryFile`, not both. Fix: remove one.'
            : `a ${source.type} source needs the model's SQL. Fix: add \`query: "select …"\` or \`queryFile: models/${id}.sql\`.`,
        });
      }
    }
  });
  return out;
}
