export * from './ports';
export * from './config';
export * from './handlers';
export * from './errors';
export * from './logs';
export { createHandlers } from './pipeline';
export { transition, onTransitionApplied, type TransitionHook, type AppliedTransition } from './transition';
export { ensureNextStep } from './steps/next-step';
export {
  Incarnation,
  newIncarnationId,
  incarnationOf,
  leaseIsLive,
  acquireLease,
  renewLease,
  releaseLease,
  withLease,
  handBackLeases,
  LeaseLostError,
  type LeaseClaim,
} from './lease';
export { shotRequestId } from './multi-shot/plan-shots';
export { shouldProcessObject } from './steps/process';
export { newClientAction } from './steps/actions';
export { postIdFor, profileVideoIdFor } from './steps/posting';
export { STAGES } from './steps/stages';
export { webhookToken, verifyWebhookToken, callbackUrl, stableId } from './ids';
export type { RequestRef } from './request-doc';
export { createLogger, createPinoLogger, silentLogger, severityFor, scrubUrl, formatLogFields, REDACT_PATHS, REDACTED, type CreateLoggerOptions } from './logging';
export { applyAnalyticsEvent, countersForEvent, addCounters, eventDay, markerId, statsMarkerPath, type Counters, type ApplyResult } from './stats';
