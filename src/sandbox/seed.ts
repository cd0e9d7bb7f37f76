/**
 * The default seed (the demo project of demo.ts) and seed validation. A seed is plain JSON, so a user can
 * describe their own projects in a file (`optirelay sandbox --seed FILE`, `POST /_sandbox/seed`).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { DEMO } from './demo.js';
import type { SandboxSeed } from './types.js';

export function demoSeed(): SandboxSeed {
  return {
    projects: [
      {
        id: DEMO.projectId,
        accountId: DEMO.accountId,
        name: 'Demo Feature Experimentation project',
        platform: 'custom',
        sdkKey: DEMO.sdkKey,
        environmentKey: DEMO.environmentKey,
        datafileToken: DEMO.datafileToken,
        anonymizeIP: true,
        botFiltering: false,
        region: 'US',
        events: DEMO.events.map((e) => ({ id: e.id, key: e.key, category: e.key === 'purchase' ? 'purchase' : e.key === 'signup' ? 'sign_up' : 'add_to_cart' })),
        attributes: DEMO.attributes.map((a) => ({ id: a.id, key: a.key })),
        audiences: [],
        experiments: [
          {
            id: DEMO.experiment.id,
            key: DEMO.experiment.key,
            layerId: DEMO.experiment.layerId,
            status: DEMO.experiment.status,
            metrics: DEMO.events.map((e) => e.key),
            variations: DEMO.variations.map((v) => ({ id: v.id, key: v.key })),
          },
        ],
      },
      {
        id: DEMO.webProjectId,
        accountId: DEMO.accountId,
        name: DEMO.webProjectName,
        platform: 'web',
        listAttributes: [],
      },
    ],
    tokens: [{ token: DEMO.personalAccessToken, accountId: DEMO.accountId, projectIds: [DEMO.projectId, DEMO.webProjectId], name: 'demo' }],
    odpKeys: [
      { key: DEMO.odpApiKey, regions: ['US', 'EU', 'AU'] },
      { key: DEMO.odpApiKeyEu, regions: ['EU'] },
      { key: DEMO.odpApiKeyAu, regions: ['AU'] },
    ],
  };
}

const idString = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;
const key = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_\\- .]+$' } as const;

const seedSchema = {
  type: 'object',
  required: ['projects', 'tokens', 'odpKeys'],
  additionalProperties: false,
  properties: {
    projects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'accountId', 'name', 'platform'],
        additionalProperties: false,
        properties: {
          id: idString,
          accountId: idString,
          name: { type: 'string', minLength: 1 },
          platform: { enum: ['custom', 'web'] },
          sdkKey: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_-]+$' },
          environmentKey: { type: 'string' },
          datafileToken: { type: 'string', minLength: 1 },
          anonymizeIP: { type: 'boolean' },
          botFiltering: { type: 'boolean' },
          region: { enum: ['US', 'EU'] },
          events: {
            type: 'array',
            items: {
              type: 'object',
              required: ['key'],
              additionalProperties: false,
              properties: { id: idString, key, name: { type: 'string' }, description: { type: 'string' }, category: { type: 'string' }, archived: { type: 'boolean' } },
            },
          },
          attributes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['key'],
              additionalProperties: false,
              properties: { id: idString, key, name: { type: 'string' }, description: { type: 'string' }, archived: { type: 'boolean' } },
            },
          },
          audiences: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'conditions'],
              additionalProperties: false,
              properties: { id: idString, name: { type: 'string', minLength: 1 }, conditions: { type: 'string' }, description: { type: 'string' }, archived: { type: 'boolean' } },
            },
          },
          experiments: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'key'],
              additionalProperties: false,
              properties: {
                id: idString,
                key,
                layerId: idString,
                status: { enum: ['Running', 'Paused', 'Not started', 'Launched', 'Archived'] },
                metrics: { type: 'array', items: { type: 'string' } },
                variations: {
                  type: 'array',
                  items: { type: 'object', required: ['id', 'key'], additionalProperties: false, properties: { id: idString, key } },
                },
                audienceIds: { type: 'array', items: idString },
              },
            },
          },
          listAttributes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'key_field', 'list_type'],
              additionalProperties: false,
              properties: {
                id: idString,
                name: { type: 'string', pattern: '^[-_0-9A-Za-z]+$' },
                key_field: { type: 'string', minLength: 1 },
                list_type: { enum: ['cookies', 'query_parameters', 'zip_codes', 'js_variables'] },
                description: { type: 'string' },
                list_content: { type: 'string' },
              },
            },
          },
        },
      },
    },
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        required: ['token', 'accountId', 'projectIds'],
        additionalProperties: false,
        properties: { token: { type: 'string', minLength: 4 }, accountId: idString, projectIds: { type: 'array', items: idString }, name: { type: 'string' } },
      },
    },
    odpKeys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'regions'],
        additionalProperties: false,
        properties: { key: { type: 'string', minLength: 4 }, regions: { type: 'array', minItems: 1, items: { enum: ['US', 'EU', 'AU'] } } },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true });
const validateSeedSchema = ajv.compile(seedSchema);

export class SeedError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid sandbox seed: ${issues.join('; ')}`);
    this.name = 'SeedError';
  }
}

/** Validate a seed; throws SeedError whose issues name each bad field (JSON pointer) and what it must be. */
export function parseSeed(input: unknown): SandboxSeed {
  if (!validateSeedSchema(input)) {
    const issues = (validateSeedSchema.errors ?? []).map((e) => {
      const where = e.instancePath || '(root)';
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      const allowed = e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : '';
      return `${where} ${e.message ?? 'is invalid'}${extra}${allowed}`;
    });
    throw new SeedError(issues);
  }
  const seed = input as unknown as SandboxSeed;
  const issues: string[] = [];
  const projectIds = new Set<string>();
  const sdkKeys = new Set<string>();
  seed.projects.forEach((p, i) => {
    if (projectIds.has(p.id)) issues.push(`/projects/${i}/id ${p.id} is used twice`);
    projectIds.add(p.id);
    if (p.sdkKey) {
      if (sdkKeys.has(p.sdkKey)) issues.push(`/projects/${i}/sdkKey ${p.sdkKey} is used twice`);
      sdkKeys.add(p.sdkKey);
    }
    const eventKeys = new Set((p.events ?? []).map((e) => e.key));
    (p.experiments ?? []).forEach((x, j) => {
      for (const m of x.metrics ?? []) if (!eventKeys.has(m)) issues.push(`/projects/${i}/experiments/${j}/metrics names unknown event key "${m}"`);
    });
  });
  seed.tokens.forEach((t, i) => {
    t.projectIds.forEach((pid, j) => {
      if (!projectIds.has(pid)) issues.push(`/tokens/${i}/projectIds/${j} names unknown project ${pid}`);
    });
  });
  if (issues.length) throw new SeedError(issues);
  return seed;
}

export function loadSeedFile(path: string): SandboxSeed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError([`cannot read seed file ${path}: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SeedError([`seed file ${path} is not valid JSON: ${(err as Error).message}`]);
  }
  return parseSeed(json);
}
