/**
 * Object-specific REST v2 calls used by warehouse syncs (reference §3.2–3.6): projects, attributes, audiences,
 * custom events and list attributes. Thin wrappers over RestV2Client.request / listAll: ids are JSON numbers on the
 * wire (int64); we keep them as numbers when they are safe integers, else as strings of digits.
 */
import type { RestV2Client, RestV2Response } from './rest-v2.js';

export type OptimizelyId = number;

export interface RestProject {
  id: OptimizelyId;
  name?: string;
  platform?: string;
  account_id?: OptimizelyId;
  status?: string;
}

export interface RestAttribute {
  id: OptimizelyId;
  key: string;
  name?: string;
  description?: string;
  archived?: boolean;
}

export interface RestAudience {
  id: OptimizelyId;
  name: string;
  conditions?: string;
  description?: string;
  archived?: boolean;
}

export interface RestCustomEvent {
  id: OptimizelyId;
  key: string;
  name?: string;
  description?: string;
  category?: string;
  archived?: boolean;
}

export interface RestListAttribute {
  id: OptimizelyId;
  name: string;
  key_field: string;
  list_type: string;
  description?: string;
  list_content?: string;
  archived?: boolean;
}

export type Body = Record<string, unknown>;

/** Project-scoped object calls. Each method is exactly one request (listings: one per page). */
export class RestObjects {
  constructor(
    readonly client: RestV2Client,
    readonly projectId: number,
  ) {}

  getProject(): Promise<RestV2Response<RestProject>> {
    return this.client.request<RestProject>('GET', `/projects/${this.projectId}`);
  }

  // attributes (§3.3)
  listAttributes(): Promise<RestAttribute[]> {
    return this.client.listAll<RestAttribute>('/attributes', { query: { project_id: this.projectId } });
  }
  createAttribute(body: Body): Promise<RestV2Response<RestAttribute>> {
    return this.client.request<RestAttribute>('POST', '/attributes', { ...body, project_id: this.projectId });
  }
  updateAttribute(id: OptimizelyId, body: Body): Promise<RestV2Response<RestAttribute>> {
    return this.client.request<RestAttribute>('PATCH', `/attributes/${id}`, body);
  }

  // audiences (§3.4)
  listAudiences(): Promise<RestAudience[]> {
    return this.client.listAll<RestAudience>('/audiences', { query: { project_id: this.projectId } });
  }
  createAudience(body: Body): Promise<RestV2Response<RestAudience>> {
    return this.client.request<RestAudience>('POST', '/audiences', { ...body, project_id: this.projectId });
  }
  updateAudience(id: OptimizelyId, body: Body): Promise<RestV2Response<RestAudience>> {
    return this.client.request<RestAudience>('PATCH', `/audiences/${id}`, body);
  }

  // custom events (§3.5): listed through /events, written under the project
  listEvents(): Promise<RestCustomEvent[]> {
    return this.client.listAll<RestCustomEvent>('/events', { query: { project_id: this.projectId, include_classic: false } });
  }
  createCustomEvent(body: Body): Promise<RestV2Response<RestCustomEvent>> {
    return this.client.request<RestCustomEvent>('POST', `/projects/${this.projectId}/custom_events`, body);
  }
  updateCustomEvent(id: OptimizelyId, body: Body): Promise<RestV2Response<RestCustomEvent>> {
    return this.client.request<RestCustomEvent>('PATCH', `/projects/${this.projectId}/custom_events/${id}`, body);
  }

  // list attributes (§3.6): list_content is a comma-separated string and PATCH overwrites it whole
  getListAttribute(id: OptimizelyId | string): Promise<RestV2Response<RestListAttribute>> {
    return this.client.request<RestListAttribute>('GET', `/list_attributes/${id}`);
  }
  /** PATCH takes the same required arguments as create (name, key_field, list_type, project_id). */
  writeListContent(list: RestListAttribute, members: string[]): Promise<RestV2Response<RestListAttribute>> {
    return this.client.request<RestListAttribute>('PATCH', `/list_attributes/${list.id}`, {
      name: list.name,
      key_field: list.key_field,
      list_type: list.list_type,
      project_id: this.projectId,
      list_content: members.join(','),
    });
  }
}

/** `"a,b, c,,"` → `["a","b","c"]`. */
export function parseListContent(content: string | undefined | null): string[] {
  if (!content) return [];
  return content
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
