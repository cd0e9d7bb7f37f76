/** User deletion and suppression (issue 8; docs/privacy.md). */
export { PrivacyService, PrivacyInputError, PrivacyNotFoundError, DEFAULT_RETRY, MAX_IDENTIFIER_LENGTH, backoffMs, checkIdentifier } from './service.js';
export type { DeletionInput, SuppressionInput, Requester, RetrySettings, ProcessResult, PrivacyServiceDeps } from './service.js';
export { SuppressionSet, DEFAULT_SUPPRESSION_REFRESH_MS } from './suppression.js';
export { PrivacyWorker } from './worker.js';
export { attachPrivacy, createPrivacyWorker, type PrivacyHost } from './attach.js';
export { planTargets, notSupportedNote, NOT_SUPPORTED_NOTES } from './destinations.js';
