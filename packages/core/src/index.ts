export * from './ports';
export * from './config';
export * from './handlers';
export * from './errors';
export * from './logs';
export { createHandlers } from './pipeline';
export { transition, readTransitionLog, onTransitionApplied, type TransitionHook, type AppliedTransition } from './transition';
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
export { notifyOutcome, notificationFor } from './notifications/notify-hook';
export { listNotifications, markNotificationsRead, registerDevice, isValidDeviceToken, NOTIFICATIONS_PAGE } from './notifications/inbox';
export { followUpRequestId } from './follow-ups/start';
export { checkFollowUp, FOLLOW_UP_GENERATION_TYPES } from './follow-ups/check';
export { postIdFor, profileVideoIdFor } from './steps/posting';
export { STAGES } from './steps/stages';
export { webhookToken, verifyWebhookToken, callbackUrl, stableId } from './ids';
export type { RequestRef } from './request-doc';
export { createLogger, createPinoLogger, silentLogger, severityFor, scrubUrl, formatLogFields, REDACT_PATHS, REDACTED, type CreateLoggerOptions } from './logging';
export * from './playback';
export { publishEvent, publishPlaybackStart, publishDownload, publishCacheHit, publishQuotaRefused, publishCancel, type RequestMoment } from './analytics';
export { runInContext, currentContext, logContextFields, outsideRequestContext, type RequestContext } from './context';
export { errorReportEntry, reportUnexpectedError, reportLocationOf, isUnexpectedError, type ErrorReportInput, type ServiceContext } from './error-report';
export { instrumentLuma, withInstrumentedLuma } from './luma-instrumented';
export { CountingDocumentStore, formatBreakdown, pathPattern, SHARED, type OpCounts, type CountBreakdown, type StoreCountReport, type CommittedWrite, type CountingStoreOptions } from './store-counter';
export { countersForEvent, countersForEvents, addCounters, flattenCounters, counterKey, type Counters } from './aggregation/counters';
export { LATENCY_BOUNDS_MS, bucketIndex, bucketRange, quantile, summarizeHistogram, type HistogramSummary } from './aggregation/histogram';
export {
  applyAnalyticsBatch,
  bucketPath,
  bucketsCollection,
  eventDay,
  seenId,
  MAX_BATCH_EVENTS,
  type BatchResult,
  type StatsBucket,
} from './aggregation/buckets';
export { AnalyticsBatcher, type AnalyticsBatcherOptions } from './aggregation/batcher';
export { summarizeCounters, type StatsSummary, type ModelSummary } from './aggregation/summary';
export { readStats, readDayCounters, rollUpDay, daysBetween, parseSince, dayOf, MAX_STATS_DAYS, type StatsReport, type DayRollUp } from './aggregation/read';
export { monitorLumaQuota, burnRate } from './monitoring/quota-monitor';
export { QUOTA_MONITOR_DOC, type QuotaReading, type QuotaMonitorDoc, type BalanceSample } from './monitoring/quota-doc';
export { evaluateAlerts, runbookFor, ALERT_NAMES, type AlertName, type AlertState, type AlertCheck, type AlertChange } from './monitoring/alerts';
export { userSpend, MAX_SPEND_DAYS } from './credits/spend';
export { newCharge, charging, refunding, commitLedgerChange, type LedgerChange } from './credits/ledger';
export { decideTurn, recheckDelayMs, queueShownChanged, familyLimits, LEDGERS, CREATE_WINDOW_MS, CREATE_COUNTED_MS, readLumaUsage, windowFreesAt, WINDOW_LOOKUP_MAX, wakeWaiters, roomNow, MAX_WAKES_AT_ONCE, type Turn, type LumaUsage, type ModelFamily } from './luma-capacity';
export { admitRequest, type Admission } from './quotas/admission';
