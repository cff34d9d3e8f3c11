/**
 * draft2video — the Firebase runtime. Only wiring: each trigger parses its event, gets this instance's ports
 * and calls the pipeline core (@d2v/core). See triggers/* for each function's sizing and retry policy.
 */
export { onVideoRequestCreated, onVideoRequestUpdated, onScriptRequestCreated } from './triggers/requests';
export { submitTask, pollTask, downloadTask, processTask } from './triggers/tasks';
export { lumaWebhook } from './triggers/webhook';
export { videoPlayback } from './triggers/playback';
export { onRawVideoFinalized } from './triggers/storage';
export { sweeper } from './triggers/scheduled';
export { analyticsAggregator } from './triggers/analytics';
// Test-only (exported as undefined unless D2V_FUNCTIONS_PROBE=1; never deployed).
export { probeEnqueue, probeTask } from './triggers/probe';
