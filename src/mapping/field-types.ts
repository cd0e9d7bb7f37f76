/**
 * Action field definitions, as Segment's destination-kit declares them (reference/segment-ecosystem.md §2.5).
 * `default` is a mapping-kit value (usually a directive such as `{ '@path': '$.userId' }`); unlike Segment,
 * optirelay USES defaults at run time: a config mapping that omits a field gets the field's default.
 */
export type FieldTypeName = 'string' | 'text' | 'number' | 'integer' | 'datetime' | 'boolean' | 'password' | 'object';

export interface FieldCondition {
  fieldKey: string;
  operator: 'is' | 'is_not';
  /** undefined means "is empty" / "is set". */
  value?: unknown;
}

export interface FieldDef {
  label: string;
  description: string;
  type: FieldTypeName;
  required?: boolean | { match?: 'any' | 'all'; conditions: FieldCondition[] };
  multiple?: boolean;
  allowNull?: boolean;
  choices?: (string | { label: string; value: string })[];
  /** Nested fields for `type: object`. */
  properties?: Record<string, FieldDef>;
  additionalProperties?: boolean;
  minimum?: number;
  maximum?: number;
  format?: 'date' | 'time' | 'date-time' | 'uri' | 'uri-reference' | 'uri-template' | 'email' | 'hostname' | 'ipv4' | 'ipv6' | 'regex' | 'uuid' | 'text' | 'password';
  default?: unknown;
  /** Choices come from the destination at run time (e.g. event keys from the datafile). */
  dynamic?: boolean;
}
