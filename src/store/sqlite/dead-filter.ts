import type { DeadFilter } from '../types.js';

/**
 * WHERE clause for bulk DLQ operations (status is always `dead`; every given field must match). An empty `ids` list
 * matches nothing, never "all". The ids travel as one JSON parameter (json_each) so the statement text, and its
 * cached prepared statement, do not vary with the number of ids.
 */
export function deadWhere(f: DeadFilter): { where: string; params: (string | number)[] } {
  const clauses = ["status = 'dead'"];
  const params: (string | number)[] = [];
  if (f.ids !== undefined) {
    clauses.push('id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.ids));
  }
  const eq = (col: string, v: string | undefined): void => {
    if (v === undefined) return;
    clauses.push(`${col} = ?`);
    params.push(v);
  };
  eq('destination_id', f.destinationId);
  eq('lane', f.lane);
  eq('user_id', f.userId);
  eq('event_name', f.eventName);
  if (f.error !== undefined) {
    clauses.push("instr(lower(coalesce(last_error, '')), lower(?)) > 0");
    params.push(f.error);
  }
  return { where: clauses.join(' AND '), params };
}
