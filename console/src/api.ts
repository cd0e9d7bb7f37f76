/**
 * The admin API client: every screen reads /admin/v1 with the bearer token kept in sessionStorage (cleared when the
 * tab closes). A 401/403 signs out.
 */
const TOKEN_KEY = 'optirelay.adminToken';
export const API = '/admin/v1';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('optirelay-auth'));
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? getToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { code?: string; message?: string; field?: string };
    if ((res.status === 401 || res.status === 403) && !init.token) setToken(null);
    throw new ApiError(e.message ?? `${res.status} ${res.statusText}`, res.status, e.code ?? 'http_error', e.field);
  }
  return data as T;
}

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

// ---- shapes of the admin API (docs/admin-api.md, GET /admin/v1/openapi.json) ----
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface StoredEvent {
  id: number;
  sourceId: string;
  messageId: string;
  type: string;
  userId: string | null;
  anonymousId: string | null;
  eventName: string | null;
  receivedAt: string;
  body: Record<string, Json>;
}
export interface Rejected {
  id: number;
  sourceId: string;
  receivedAt: string;
  reason: string;
  field: string | null;
  body?: Json;
}
export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'retry_wait' | 'dead';
export interface Delivery {
  id: number;
  eventId: number;
  destinationId: string;
  mappingId: string;
  action: string;
  lane: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  updatedAt?: string;
  nextAttemptAt: string;
  lastError?: string | null;
  lastStatusCode?: number | null;
  flags?: Record<string, Json> | null;
  messageId: string;
  userId?: string | null;
  eventName?: string | null;
}
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, Json>;
  body?: Json;
}
export interface Attempt {
  id?: number;
  attempt: number;
  outcome: string;
  startedAt: string;
  durationMs?: number;
  statusCode?: number | null;
  error?: string | null;
  request?: Json;
  response?: Json;
}
export interface DeliveryDetail extends Delivery {
  event: Record<string, Json>;
  attemptLog: Attempt[];
}
export interface Lane {
  lane: string;
  destinationId: string;
  action: string;
  pending: number;
  inFlight: number;
  retryWait: number;
  delivered: number;
  dead: number;
  oldestPendingAgeMs: number;
  running: boolean;
  pausedUntil?: string | null;
  rateFactor?: number | null;
}
export interface IngestCounts {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  suppressed: number;
}
export interface Timeseries {
  window: string;
  bucketMs: number;
  buckets: string[];
  events: { total: number[]; perSource: Record<string, number[]> };
  lanes: { lane: string; destinationId: string; byStatus: Record<DeliveryStatus, number[]> }[];
}
export interface FieldInfo {
  label: string;
  description: string;
  type: string;
  required: boolean;
  multiple: boolean;
  default?: Json;
}
export interface ActionInfo {
  title: string;
  description: string;
  defaultTrigger: string | null;
  fields: Record<string, FieldInfo>;
}
export interface MappingInfo {
  id: string;
  action: string;
  trigger: string;
  fields: Record<string, Json>;
  enabled: boolean;
  origin: string;
}
export interface DestinationInfo {
  id: string;
  type: string;
  typeTitle: string | null;
  enabled: boolean;
  running: boolean;
  startError: string | null;
  settings: Record<string, Json>;
  secretSettings: string[];
  endpoints: Record<string, string>;
  actions: Record<string, ActionInfo>;
  mappings: MappingInfo[];
  presets: { name: string; action: string; trigger: string; fields: Record<string, Json>; enabled: boolean }[];
  datafile: null | {
    url: string | null;
    ready: boolean;
    revision: string | null;
    projectId: string | null;
    lastSuccessAt: string | null;
    ageMs: number | null;
    consecutiveFailures: number;
    lastError: string | null;
  };
}
export interface PreviewResult {
  trigger: string;
  matches: boolean;
  mismatch?: string;
  fields: Record<string, Json>;
  payload?: Record<string, Json>;
  errors?: { field: string; message: string }[];
  request?: Exchange | null;
  response?: { status: number; headers: Record<string, Json>; body?: Json } | null;
  outcome?: { status: string; error?: string; flags?: Record<string, Json> };
  yaml: string;
  note?: string;
}
export interface Health {
  destinationId: string;
  enabled?: boolean;
  running?: boolean;
  startError?: string | null;
  byStatus: Record<string, number>;
  deadReasons: { reason: string; count: number }[];
  flags: Record<string, number>;
}
