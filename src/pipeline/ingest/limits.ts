/** Tracking API limits (Segment's, see docs/tracking-api.md). Sizes are UTF-8 bytes of the decompressed JSON. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
/** Segment: "messageId should be under 100 characters". */
export const MAX_MESSAGE_ID_LENGTH = 100;
