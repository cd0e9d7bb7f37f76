/** Schema pieces shared by admin route modules (they feed both validation and /admin/v1/openapi.json). */

/** A store timestamp (epoch ms) as an ISO string in a response; null/undefined stay null. */
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export const nullableString = { type: ['string', 'null'] } as const;

export const errorSchema = {
  type: 'object',
  description: 'Error',
  properties: {
    success: { type: 'boolean', const: false },
    code: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
  },
  required: ['success', 'code', 'message'],
} as const;

/** Standard error responses to spread into a route's `response`. */
export const errorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema } as const;

/** A free-form JSON object (serialised as-is). */
export const anyObject = { type: 'object', additionalProperties: true } as const;

export const limitParam = { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'Page size (1–1000, default 50).' } as const;
export const beforeParam = { type: 'integer', minimum: 1, description: 'Paging cursor: only rows with id < before (pass the previous page\'s `nextBefore`).' } as const;
