/**
 * Params and secrets wiring: what each exported function declares to the deploy (region, secrets, memory,
 * retry, rate limits — the manifest the CLI reads), and how the core's config is built from params at run time.
 */
import './helpers/env';
import { getApps } from 'firebase-admin/app';
import * as params from 'firebase-functions/params';
import * as functions from '../src/index';
import {
  DEFAULT_ANALYTICS_TOPIC,
  analyticsTopicName,
  defaultWebhookBaseUrl,
  paramValue,
  REQUEST_DEADLINE_MINUTES,
} from '../src/config';
import { buildCoreConfigFromParams, buildFirebasePorts } from '../src/ports';
import { FirestoreDocumentStore } from '../src/adapters/firestore-store';
import { playbackBaseUrl } from '../src/playback';
import { TEST_BUCKET, TEST_WEBHOOK_SECRET } from './helpers/env';

type Endpoint = Record<string, unknown> & {
  region?: unknown;
  secretEnvironmentVariables?: { key: string }[];
  eventTrigger?: Record<string, unknown>;
  taskQueueTrigger?: Record<string, unknown>;
};
const endpoint = (fn: unknown): Endpoint => JSON.parse(JSON.stringify((fn as { __endpoint: unknown }).__endpoint)) as Endpoint;
const secretsOf = (fn: unknown): string[] => (endpoint(fn).secretEnvironmentVariables ?? []).map((s) => s.key).sort();

const DEPLOYED = {
  onVideoRequestCreated: functions.onVideoRequestCreated,
  onVideoRequestUpdated: functions.onVideoRequestUpdated,
  onScriptRequestCreated: functions.onScriptRequestCreated,
  submitTask: functions.submitTask,
  pollTask: functions.pollTask,
  downloadTask: functions.downloadTask,
  processTask: functions.processTask,
  lumaWebhook: functions.lumaWebhook,
  videoPlayback: functions.videoPlayback,
  onRawVideoFinalized: functions.onRawVideoFinalized,
  sweeper: functions.sweeper,
  analyticsAggregator: functions.analyticsAggregator,
};

describe('exported functions', () => {
  it('are exactly the pipeline functions (the probe functions are absent outside the check)', () => {
    const exported = Object.entries(functions).filter(([, v]) => v !== undefined).map(([k]) => k).sort();
    expect(exported).toEqual(Object.keys(DEPLOYED).sort());
    expect(functions.probeEnqueue).toBeUndefined();
    expect(functions.probeTask).toBeUndefined();
  });

  it('all run in the region param, as gen-2 functions', () => {
    for (const [name, fn] of Object.entries(DEPLOYED)) {
      expect([name, endpoint(fn).region]).toEqual([name, 'params.D2V_REGION']);
      expect(endpoint(fn).platform).toBe('gcfv2');
    }
  });

  it('bind only the secrets they read: the KEK only where videos are encrypted', () => {
    const pipeline = ['LUMAAI_API_KEY', 'LUMA_WEBHOOK_SECRET'];
    for (const name of ['onVideoRequestCreated', 'onVideoRequestUpdated', 'submitTask', 'pollTask', 'downloadTask', 'lumaWebhook', 'sweeper'] as const) {
      expect([name, secretsOf(DEPLOYED[name])]).toEqual([name, pipeline]);
    }
    expect(secretsOf(functions.onRawVideoFinalized)).toEqual([...pipeline, 'VIDEO_KEK']);
    expect(secretsOf(functions.processTask)).toEqual([...pipeline, 'VIDEO_KEK']);
    expect(secretsOf(functions.analyticsAggregator)).toEqual([]);
    // Playback decrypts and signs links; it never talks to Luma.
    expect(secretsOf(functions.videoPlayback)).toEqual(['PLAYBACK_LINK_SECRET', 'VIDEO_KEK']);
  });

  it('Firestore triggers listen on the request documents with retry', () => {
    for (const fn of [functions.onVideoRequestCreated, functions.onVideoRequestUpdated]) {
      const t = endpoint(fn).eventTrigger!;
      expect(t.eventFilterPathPatterns).toEqual({ document: 'users/{uid}/videoRequests/{requestId}' });
      expect(t.retry).toBe(true);
    }
    expect(endpoint(functions.onVideoRequestCreated).eventTrigger!.eventType).toBe('google.cloud.firestore.document.v1.created');
    expect(endpoint(functions.onVideoRequestUpdated).eventTrigger!.eventType).toBe('google.cloud.firestore.document.v1.updated');
  });

  it('task queues take retry policy and Luma rate limits from params', () => {
    const submit = endpoint(functions.submitTask).taskQueueTrigger!;
    expect(submit.retryConfig).toMatchObject({
      maxAttempts: 'params.TASK_MAX_ATTEMPTS',
      minBackoffSeconds: 'params.TASK_MIN_BACKOFF_SECONDS',
      maxBackoffSeconds: 'params.TASK_MAX_BACKOFF_SECONDS',
    });
    expect(submit.rateLimits).toEqual({ maxConcurrentDispatches: 'params.SUBMIT_MAX_CONCURRENT_DISPATCHES', maxDispatchesPerSecond: 'params.LUMA_CREATES_PER_MINUTE' });
    expect(endpoint(functions.pollTask).taskQueueTrigger!.rateLimits).toEqual({
      maxConcurrentDispatches: 'params.POLL_MAX_CONCURRENT_DISPATCHES',
      maxDispatchesPerSecond: 'params.POLL_MAX_DISPATCHES_PER_SECOND',
    });
  });

  it('the video processor gets the big machine; the webhook a small fast one', () => {
    expect(endpoint(functions.onRawVideoFinalized)).toMatchObject({ availableMemoryMb: 2048, cpu: 2, concurrency: 1, timeoutSeconds: 540 });
    // Re-driven processing: the same machine, behind a task queue with the shared retry policy.
    expect(endpoint(functions.processTask)).toMatchObject({ availableMemoryMb: 2048, cpu: 2, concurrency: 1, timeoutSeconds: 540 });
    expect(endpoint(functions.processTask).taskQueueTrigger!.retryConfig).toMatchObject({ maxAttempts: 'params.TASK_MAX_ATTEMPTS' });
    expect(endpoint(functions.onRawVideoFinalized).eventTrigger).toMatchObject({
      eventType: 'google.cloud.storage.object.v1.finalized',
      eventFilters: { bucket: TEST_BUCKET },
      retry: true,
    });
    expect(endpoint(functions.lumaWebhook)).toMatchObject({ availableMemoryMb: 256, minInstances: 0, httpsTrigger: { invoker: ['public'] } });
  });

  it('playback is sized for streams: many concurrent on one vCPU, a long timeout, public (it checks tokens itself)', () => {
    expect(endpoint(functions.videoPlayback)).toMatchObject({ availableMemoryMb: 512, cpu: 1, concurrency: 80, timeoutSeconds: 900, httpsTrigger: { invoker: ['public'] } });
  });

  it('the sweeper runs every minute on one instance; the aggregator listens on the analytics topic', () => {
    expect(endpoint(functions.sweeper)).toMatchObject({ maxInstances: 1, scheduleTrigger: { schedule: 'every 1 minutes' } });
    expect(endpoint(functions.analyticsAggregator).eventTrigger).toMatchObject({ eventFilters: { topic: DEFAULT_ANALYTICS_TOPIC }, retry: true });
  });

  it('declares every param and secret to the CLI', () => {
    const declared = params.declaredParams.map((p) => p.name);
    for (const name of ['LUMAAI_API_KEY', 'LUMA_WEBHOOK_SECRET', 'VIDEO_KEK', 'VIDEO_KEK_ID', 'D2V_REGION', 'SUBMIT_MAX_CONCURRENT_DISPATCHES',
      'LUMA_CREATES_PER_MINUTE', 'POLL_INTERVAL_SECONDS', 'REQUEST_DEADLINE_MINUTES', 'ANALYTICS_TOPIC', 'WEBHOOK_BASE_URL', 'LUMAAI_BASE_URL',
      'PLAYBACK_LINK_SECRET', 'PLAYBACK_BASE_URL', 'PLAYBACK_MAX_RANGE_BYTES',
      'STEP_LEASE_SECONDS', 'PROCESS_MAX_CONCURRENT_DISPATCHES', 'QUOTA_IN_FLIGHT', 'QUOTA_PER_DAY']) {
      expect(declared).toContain(name);
    }
  });
});

describe('values computed at discovery time', () => {
  it('the analytics topic comes from ANALYTICS_TOPIC', () => {
    expect(analyticsTopicName({})).toBe('d2v-analytics');
    expect(analyticsTopicName({ ANALYTICS_TOPIC: 'ops-events' })).toBe('ops-events');
  });
});

describe('core config from params and secrets', () => {
  const base = { GCLOUD_PROJECT: 'my-proj', LUMA_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };

  it('uses the params defaults when the runtime has no values, and derives the webhook URL', () => {
    const c = buildCoreConfigFromParams(base);
    expect(c.webhookBaseUrl).toBe('https://us-central1-my-proj.cloudfunctions.net/lumaWebhook');
    expect(c.webhookSecret).toBe(TEST_WEBHOOK_SECRET);
    expect(c.requestDeadlineMs).toBe(30 * 60_000);
    expect(c.pollIntervalSeconds).toBe(10);
    expect(c.stepLeaseMs).toBe(60_000);
    expect(c.imageHostAllowList).toEqual([]);
    expect([c.maxInFlightPerUser, c.maxRequestsPerDay]).toEqual([10, 200]);
  });

  it('reads every param a deploy sets', () => {
    const env = { ...base, D2V_REGION: 'europe-west1', REQUEST_DEADLINE_MINUTES: '45', POLL_INTERVAL_SECONDS: '7', QUOTA_IN_FLIGHT: '2', QUOTA_PER_DAY: '30', IMAGE_HOST_ALLOW_LIST: '["cdn.example.com","img.example.org"]' };
    const saved = { ...process.env };
    Object.assign(process.env, env); // the SDK's param.value() reads process.env
    try {
      const c = buildCoreConfigFromParams(env);
      expect(c.webhookBaseUrl).toBe('https://europe-west1-my-proj.cloudfunctions.net/lumaWebhook');
      expect(c.requestDeadlineMs).toBe(45 * 60_000);
      expect(c.pollIntervalSeconds).toBe(7);
      expect(c.imageHostAllowList).toEqual(['cdn.example.com', 'img.example.org']);
      expect([c.maxInFlightPerUser, c.maxRequestsPerDay]).toEqual([2, 30]);
    } finally {
      process.env = saved;
    }
  });

  it('an explicit WEBHOOK_BASE_URL wins; the emulator gets its local URL', () => {
    const saved = { ...process.env };
    process.env.WEBHOOK_BASE_URL = 'https://hooks.example.com/luma';
    try {
      expect(buildCoreConfigFromParams({ ...base, WEBHOOK_BASE_URL: 'https://hooks.example.com/luma' }).webhookBaseUrl).toBe('https://hooks.example.com/luma');
    } finally {
      process.env = saved;
    }
    expect(defaultWebhookBaseUrl('us-central1', 'demo-x', { FUNCTIONS_EMULATOR: 'true' })).toBe('http://127.0.0.1:5001/demo-x/us-central1/lumaWebhook');
  });

  it('signed playback links are absolute: PLAYBACK_BASE_URL, else the function URL (emulator or cloudfunctions.net)', () => {
    expect(playbackBaseUrl({ GCLOUD_PROJECT: 'demo-x' })).toBe('https://us-central1-demo-x.cloudfunctions.net/videoPlayback');
    expect(playbackBaseUrl({ GCLOUD_PROJECT: 'demo-x', FUNCTIONS_EMULATOR: 'true' })).toBe('http://127.0.0.1:5001/demo-x/us-central1/videoPlayback');
    expect(playbackBaseUrl({ GCLOUD_PROJECT: 'demo-x', PLAYBACK_BASE_URL: 'https://play.example.com' })).toBe('https://play.example.com');
  });

  it('refuses to run without the webhook secret (a function that did not bind it)', () => {
    expect(() => buildCoreConfigFromParams({ GCLOUD_PROJECT: 'p' })).toThrow();
  });

  it('paramValue falls back only when the variable is absent', () => {
    expect(paramValue(REQUEST_DEADLINE_MINUTES, 30, {})).toBe(30);
  });
});

describe('Firebase ports', () => {
  it('are built lazily: nothing of firebase-admin is initialised until a port is used', () => {
    const appsBefore = getApps().length;
    const ports = buildFirebasePorts();
    expect(typeof ports.clock.now()).toBe('number');
    expect(getApps().length).toBe(appsBefore);
    expect(ports.store).toBeInstanceOf(FirestoreDocumentStore);
    expect(getApps().length).toBe(Math.max(1, appsBefore));
    expect(ports.store).toBe(ports.store); // memoised
  });
});
