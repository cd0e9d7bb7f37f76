/**
 * Upsert Contact → `POST /v3/profiles` with `[{ attributes: {…} }]` (reference/optimizely-apis.md §4.3). Segment's
 * field keys (firstname, lastname, DOB, avatar) are kept so Segment mappings import as they are.
 */
import { PayloadValidationError } from '../../core/errors.js';
import type { JsonObject } from '../../core/event.js';
import type { OdpProfile } from '../../optimizely/odp-client.js';
import type { ActionDefinition, FieldDef } from '../kit.js';
import { user_identifiers } from './fields.js';
import { odpIdentifiers } from './identifiers.js';
import { sendBatch, validateWith, type OdpSettings, type Payload } from './perform.js';
import { compact, flattenScalars, isPlainObject, num, str } from './values.js';

const traitString = (label: string, description: string, path: string): FieldDef => ({
  label,
  description,
  type: 'string',
  default: { '@path': path },
});

export const upsertContactFields: Record<string, FieldDef> = {
  user_identifiers,
  company: traitString('Company Name', 'The name of the company associated with the Contact', '$.traits.company'),
  title: traitString('Title', "The Contact's Title", '$.traits.title'),
  name: traitString('Name', "Contact's full name", '$.traits.name'),
  firstname: traitString('First Name', "Contact's first name", '$.traits.first_name'),
  lastname: traitString('Last Name', "Contact's last name", '$.traits.last_name'),
  gender: traitString('Gender', "Contact's gender", '$.traits.gender'),
  DOB: { label: 'Birthday', description: "Contact's birthday. The format should be datetime", type: 'datetime', default: { '@path': '$.traits.birthday' } },
  phone: traitString('Phone', "Contact's phone number.", '$.traits.phone'),
  age: { label: 'Age', description: "Contact's age.", type: 'number', default: { '@path': '$.traits.age' } },
  address: {
    label: 'Address',
    description: 'Address details object',
    type: 'object',
    properties: {
      street: { label: 'Street', description: "The user's street.", type: 'string' },
      city: { label: 'City', description: "The user's city.", type: 'string' },
      state: { label: 'State', description: "The user's state or region.", type: 'string' },
      zip: { label: 'Zip code', description: 'Zip or postal code', type: 'string' },
      country: { label: 'Country', description: "The user's country.", type: 'string' },
    },
    default: {
      street: { '@path': '$.traits.address.street' },
      city: { '@path': '$.traits.address.city' },
      state: { '@path': '$.traits.address.state' },
      zip: { '@path': '$.traits.address.postalCode' },
      country: { '@path': '$.traits.address.country' },
    },
  },
  avatar: traitString('avatar', "The user's avatar image URL.", '$.traits.avatar'),
  additional_traits: {
    label: 'Addition User Traits',
    description: 'Additional user profile details (sent as profile attributes of the same name)',
    type: 'object',
  },
};

/** Birthday → ODP's dob_year / dob_month / dob_day, read in UTC so a date-only value keeps its day. */
export function dobParts(v: unknown): JsonObject {
  if (v === undefined || v === null || v === '') return {};
  const d = new Date(typeof v === 'number' ? v : String(v));
  if (Number.isNaN(d.getTime())) {
    throw new PayloadValidationError(`DOB ${JSON.stringify(v)} is not a date: use ISO-8601 such as 1990-05-17`, 'DOB');
  }
  return { dob_year: d.getUTCFullYear(), dob_month: d.getUTCMonth() + 1, dob_day: d.getUTCDate() };
}

export function buildProfile(payload: Payload): OdpProfile {
  const identifiers = odpIdentifiers(payload.user_identifiers);
  const address = isPlainObject(payload.address) ? payload.address : {};
  const extra = flattenScalars(payload.additional_traits);
  // Additional traits first so the named fields (and identifiers) win, as in Segment's implementation.
  const attributes = compact({
    ...extra,
    ...identifiers,
    title: str(payload.title),
    name: str(payload.name),
    first_name: str(payload.firstname),
    last_name: str(payload.lastname),
    age: num(payload.age),
    ...dobParts(payload.DOB),
    gender: str(payload.gender),
    phone: str(payload.phone),
    street1: str(address.street),
    city: str(address.city),
    state: str(address.state),
    zip: str(address.zip),
    country: str(address.country),
    company: str(payload.company),
    image_url: str(payload.avatar),
  }) as JsonObject;
  return { attributes };
}

export const upsertContact: ActionDefinition<Payload, OdpSettings> = {
  title: 'Upsert Contact',
  description: 'Send user profile data from Segment to Optimizely Data Platform. Creates or updates a user profile in Optimizely Data Platform',
  defaultTrigger: 'type = "identify"',
  fields: upsertContactFields,
  batching: { maxItems: 500, lingerMs: 1000 },
  // ODP documents 10 requests/s for profiles (reference §4.1).
  rateLimit: { perSecond: 10, burst: 10 },
  prepare: validateWith((payload) => buildProfile(payload)),
  performBatch: (ctx, items) =>
    sendBatch(ctx, items, (payload) => buildProfile(payload), (client, profiles) => client.upsertProfiles(profiles)),
};
