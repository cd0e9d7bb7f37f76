/**
 * Row → object mapping of the PostgreSQL store. Column names and meanings are those of the SQLite schema, so the
 * pure mappers of src/store/sqlite/rows.ts apply as they are (int8 columns arrive as numbers, see db.ts).
 */
export { DELIVERY_COLUMNS, toDelivery, toStoredAttempt, toStoredEvent, toStoredRejected, pageLimit } from '../sqlite/rows.js';
export type { AttemptRow, DeliveryRow, EventRow, RejectedRow } from '../sqlite/rows.js';

/** JSON text for a column, null for undefined. */
export function jsonText(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
