/**
 * Every log message the Firebase runtime itself writes, in one place (ops search Cloud Logging by these exact
 * strings). The pipeline core's own messages live in @d2v/core's `logs`.
 */
export const logs = {
  portsBuilt: 'firebase ports built for this instance',
  triggerReceived: 'trigger received',
  eventWithoutData: 'event carried no document data; nothing to do',
  objectIgnored: 'storage object ignored by the loop guard',
  taskPayloadInvalid: 'task payload invalid; dropped (not retried)',
  taskFailed: 'task handler failed; Cloud Tasks will retry it',
  taskDuplicate: 'task with the same id already enqueued; duplicate dropped',
  handlerFailed: 'handler failed; the platform will deliver the event again',
  webhookBadRoute: 'Luma webhook called on an unknown route',
  webhookBadId: 'Luma webhook called with an invalid id in its URL; refused at the edge',
  leasesHandedBack: 'instance shutting down: step leases handed back',
  handBackFailed: 'instance shutting down: handing back step leases failed (they lapse on their own)',
  webhookBadMethod: 'Luma webhook called with a method other than POST',
  webhookFailed: 'Luma webhook handler failed; answering 500 so Luma retries',
  webhookAnswered: 'Luma webhook answered',
  playbackFailed: 'video playback failed on our side; answered 500',
  sweepFinished: 'sweep finished',
  analyticsInvalid: 'analytics message is not a valid event; dropped',
  analyticsCounted: 'analytics event counted',
  analyticsDuplicate: 'analytics event already counted; duplicate skipped',
  probeEnqueued: 'functions probe: task enqueued',
  probeReached: 'functions probe: task reached its function',
} as const;

export type LogMessage = (typeof logs)[keyof typeof logs];
