/**
 * JSON schema of optirelay.yaml AS WRITTEN (before defaults; durations as `30s` / `24h` / numbers of ms).
 * `x-fix` is an annotation: the fix appended to any error about that node. docs/configuration.md documents every
 * property named here (test/config/docs.test.ts checks it).
 */
export type JsonSchema = Record<string, unknown>;

const DURATION_FIX = 'use a duration like 500ms, 30s, 15m, 24h or 7d, or a number of milliseconds';

const duration = (): JsonSchema => ({ type: ['number', 'string'], format: 'duration', minimum: 0, 'x-fix': DURATION_FIX });

const id = (what: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
  'x-fix': `give the ${what} an id of letters, digits, '-', '_', '.' or ':' (e.g. \`${what === 'source' ? 'web' : what === 'sync' ? 'vip-list' : 'fx'}\`)`,
});

const positiveInt = (fix: string): JsonSchema => ({ type: 'integer', minimum: 1, 'x-fix': fix });

const rateLimit: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['perSecond'],
  properties: {
    perSecond: { type: 'number', exclusiveMinimum: 0, 'x-fix': 'set a positive number of requests per second, e.g. `perSecond: 2`' },
    burst: { type: 'integer', minimum: 0, 'x-fix': 'set a whole number of extra requests allowed in a burst (0 = none)' },
    perMinute: { type: 'integer', minimum: 1, 'x-fix': 'set a whole number of requests per minute, e.g. `perMinute: 120`' },
  },
};

const lane: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    batchSize: positiveInt('set a whole number ≥ 1 (it cannot exceed what the action allows)'),
    linger: duration(),
    rateLimit,
    maxAttempts: positiveInt('set a whole number of attempts ≥ 1'),
    maxAge: duration(),
  },
};

/** Our mapping form. */
const mappingOurs: JsonSchema = {
  additionalProperties: false,
  required: ['action'],
  properties: {
    id: id('mapping'),
    action: { type: 'string', minLength: 1, 'x-fix': 'name an action of the destination type, e.g. `action: trackEvent`' },
    trigger: { type: 'string', 'x-fix': 'write an FQL trigger, e.g. `trigger: \'type = "track" and event = "Order Completed"\'`' },
    fields: { type: 'object', 'x-fix': 'give a map of field name → value or directive (`{ "@path": "$.properties.revenue" }`)' },
    enabled: { type: 'boolean', 'x-fix': 'use true or false' },
  },
};

/** Segment's export form: a subscription as Segment stores it. The ID keys Segment adds are accepted and ignored. */
const mappingSegment: JsonSchema = {
  additionalProperties: false,
  required: ['partnerAction'],
  properties: {
    id: id('mapping'),
    name: { type: 'string' },
    subscribe: { type: 'string', 'x-fix': 'Segment exports carry the trigger FQL in `subscribe`' },
    partnerAction: { type: 'string', minLength: 1, 'x-fix': 'name the action, e.g. `partnerAction: trackEvent`' },
    mapping: { type: 'object', 'x-fix': 'give the field mapping as Segment exported it' },
    enabled: { type: 'boolean', 'x-fix': 'use true or false' },
    ID: {},
    ConfigID: {},
    ActionID: {},
    ProjectID: {},
  },
};

const mapping: JsonSchema = {
  type: 'object',
  'x-fix': 'write a mapping as `{ action, trigger, fields }` (or Segment\'s `{ subscribe, partnerAction, mapping }`)',
  if: { anyOf: [{ required: ['partnerAction'] }, { required: ['subscribe'] }, { required: ['mapping'] }] },
  then: mappingSegment,
  else: mappingOurs,
};

const destination: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type'],
  properties: {
    id: id('destination'),
    type: {
      type: 'string',
      minLength: 1,
      'x-fix': 'set `type:` to a destination type: optimizely-feature-experimentation, optimizely-data-platform or optimizely-rest',
    },
    settings: { type: 'object', 'x-fix': 'give the destination type\'s settings as a map (see docs/destinations)' },
    endpoints: {
      type: 'object',
      additionalProperties: { type: 'string', pattern: '^https?://', 'x-fix': 'give an http:// or https:// base URL' },
      'x-fix': 'give a map of endpoint name → base URL, e.g. `{ eventApi: "http://127.0.0.1:4010/v1/events" }`',
    },
    mappings: { type: 'array', items: mapping, 'x-fix': 'give a list of mappings' },
    presets: {
      type: ['string', 'array'],
      pattern: '^all$',
      items: { type: 'string', minLength: 1 },
      'x-fix': 'use `presets: all` or a list of preset names',
    },
    lanes: { type: 'object', additionalProperties: lane, 'x-fix': 'give a map of action key → lane tuning' },
    enabled: { type: 'boolean', 'x-fix': 'use true or false' },
  },
};

const sqlText = { type: 'string', minLength: 1, 'x-fix': 'give a SQL query, e.g. `query: "select user_id from vip_users"`' };
const filePath = { type: 'string', minLength: 1, 'x-fix': 'give a file path (relative to the directory optirelay runs in)' };
const queryFile = { type: 'string', minLength: 1, 'x-fix': 'give the path of a .sql file (relative to the config file)' };

const syncSourceBranch = (type: string, props: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then: { additionalProperties: false, required, properties: { type: {}, ...props } },
});

const syncSource: JsonSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['sqlite', 'postgres', 'csv', 'ndjson'], 'x-fix': 'use one of sqlite, postgres, csv, ndjson' },
  },
  allOf: [
    syncSourceBranch('sqlite', { path: filePath, query: sqlText, queryFile }, ['path']),
    syncSourceBranch(
      'postgres',
      { url: { type: 'string', pattern: '^postgres(ql)?://', 'x-fix': 'give a URL like postgres://user:pass@host:5432/db' }, query: sqlText, queryFile },
      ['url'],
    ),
    syncSourceBranch('csv', { path: filePath }, ['path']),
    syncSourceBranch('ndjson', { path: filePath }, ['path']),
  ],
};

const sync: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'source', 'primaryKey', 'destination', 'object'],
  properties: {
    id: id('sync'),
    source: syncSource,
    primaryKey: { type: 'string', minLength: 1, 'x-fix': 'name the column that identifies a row, e.g. `primaryKey: user_id`' },
    destination: { type: 'string', minLength: 1, 'x-fix': 'give the id of an optimizely-rest destination' },
    object: {
      type: 'string',
      enum: ['audience', 'attribute', 'customEvent', 'listAttribute'],
      'x-fix': 'use one of audience, attribute, customEvent, listAttribute',
    },
    mode: {
      type: 'string',
      enum: ['upsert', 'insert', 'add', 'remove', 'mirror'],
      'x-fix': 'use upsert or insert (audience, attribute, customEvent) or add, remove, mirror (listAttribute)',
    },
    fields: { type: 'object', additionalProperties: { type: 'string', 'x-fix': 'give the column name as a string' }, 'x-fix': 'give a map of field → column name' },
    target: { type: 'object', 'x-fix': 'give a map of object options, e.g. `{ listAttributeId: 123 }`' },
    schedule: { type: 'string', 'x-fix': 'give a cron expression, e.g. "*/15 * * * *"' },
    enabled: { type: 'boolean', 'x-fix': 'use true or false' },
  },
};

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  'x-fix': 'the file must be a YAML mapping of top-level keys (store, sources, destinations, …)',
  properties: {
    store: { type: 'string', minLength: 1, 'x-fix': 'use sqlite:./data/optirelay.db or postgres://user@host:5432/db' },
    dataDir: { type: 'string', minLength: 1, 'x-fix': 'give a directory path, e.g. ./data' },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535, 'x-fix': 'use a port number between 0 and 65535' },
        host: { type: 'string', minLength: 1, 'x-fix': 'use an interface address such as 0.0.0.0 or 127.0.0.1' },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      properties: {
        token: { type: 'string', minLength: 1, 'x-fix': 'set it from the environment: `token: ${OPTIRELAY_ADMIN_TOKEN}`, or remove it to have one generated' },
      },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      properties: { dedupWindow: duration(), commitWindow: duration() },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: positiveInt('set a whole number of attempts ≥ 1'),
        maxAge: duration(),
        lease: duration(),
        backoffBase: duration(),
        backoffMax: duration(),
        timeout: duration(),
      },
    },
    sources: {
      type: 'array',
      'x-fix': 'give a list of sources, e.g. `- { id: web, writeKey: ${WEB_WRITE_KEY} }`',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: id('source'),
          writeKey: { type: 'string', 'x-fix': 'set it from the environment: `writeKey: ${WEB_WRITE_KEY}`' },
          name: { type: 'string' },
        },
      },
    },
    destinations: { type: 'array', items: destination, 'x-fix': 'give a list of destinations' },
    syncs: { type: 'array', items: sync, 'x-fix': 'give a list of syncs' },
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: { delivered: duration(), rejected: duration(), dead: duration(), interval: duration() },
    },
  },
};

/** Keys whose values are free-form maps (destination settings, mapping fields, …): nulls inside them are kept. */
export const FREE_FORM_KEYS = new Set(['settings', 'fields', 'mapping', 'target', 'endpoints', 'lanes']);
