/** The optirelay library API (`import { transform, parseTrigger, matches } from 'optirelay'`). */
export * from './mapping/index.js';
export type { SegmentEvent, SegmentMessage } from './core/event.js';
