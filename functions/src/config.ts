/**
 * Everything the Firebase runtime is configured with: secrets (Secret Manager, `firebase functions:secrets:set`)
 * and params (`.env.<project>` files or the deploy prompt). Params are read twice: by the CLI at deploy time
 * (function options such as region, rate limits, retry policy) and at run time through `.value()` (the
 * core's config). Nothing here imports firebase-admin: this module is loaded on every cold start.
 */
import { defineInt, defineList, defineSecret, defineString } from 'firebase-functions/params';

// ---------------------------------------------------------------------------------------------------------------
// Secrets. Each function binds only the secrets it reads (see SECRETS_FOR below).

/** Luma Dream Machine API key (bearer). */
export const LUMAAI_API_KEY = defineSecret('LUMAAI_API_KEY');
/** HMAC key of the per-request webhook token in Luma's callback URL. */
export const LUMA_WEBHOOK_SECRET = defineSecret('LUMA_WEBHOOK_SECRET');
/** Key-encryption key (32 bytes, base64 or hex) that wraps each video's data key. */
export const VIDEO_KEK = defineSecret('VIDEO_KEK');
/** HMAC key of signed playback links (`…/video/link`, what a `<video src>` plays); any 32 random bytes. */
export const PLAYBACK_LINK_SECRET = defineSecret('PLAYBACK_LINK_SECRET');

// ---------------------------------------------------------------------------------------------------------------
// Params. Names avoid the reserved FIREBASE_/X_GOOGLE_/EXT_ prefixes and FUNCTION_REGION.

/** Key id stored next to each wrapped data key; bump it (and VIDEO_KEK) to rotate. */
export const VIDEO_KEK_ID = defineString('VIDEO_KEK_ID', {
  default: 'kek-1',
  description: 'Id of the current video key-encryption key (rotation).',
});

export const DEFAULT_REGION = 'us-central1';
export const REGION = defineString('D2V_REGION', {
  default: DEFAULT_REGION,
  description: 'Region of every draft2video function and task queue (keep it next to the Storage bucket).',
});

/** Luma Ray allows 10 generations in flight per account: the submit queue never dispatches more at once. */
export const SUBMIT_MAX_CONCURRENT_DISPATCHES = defineInt('SUBMIT_MAX_CONCURRENT_DISPATCHES', {
  default: 10,
  description: 'Submit-queue concurrency (Luma Ray: 10 concurrent generations).',
});

/**
 * Luma allows 20 creates per minute; admission control in the core (luma-capacity/) keeps creates inside that rolling
 * window and inside LUMA_MAX_CONCURRENT, so the submit queue's rate only has to let a full window's burst (and the
 * waiters' rechecks and wakes) through at once: the submit queue dispatches the per-minute number each second (20/s
 * at 20/min; Cloud Tasks allows up to 500/s). A slower queue spaced the burst out and every create it delayed
 * delayed the one a window later too (measured: 5/s put the 100th create 25 s behind Luma's schedule;
 * docs/BENCHMARKS.md).
 */
export const LUMA_CREATES_PER_MINUTE = defineInt('LUMA_CREATES_PER_MINUTE', {
  default: 20,
  description: 'Luma Ray create calls per rolling minute (admission control keeps creates within it; the submit queue dispatches up to as many per second).',
});

/** Poll/download queues: Luma GETs are cheap; bound them so a burst does not starve everything else. */
export const POLL_MAX_CONCURRENT_DISPATCHES = defineInt('POLL_MAX_CONCURRENT_DISPATCHES', { default: 50 });
export const POLL_MAX_DISPATCHES_PER_SECOND = defineInt('POLL_MAX_DISPATCHES_PER_SECOND', { default: 10 });
export const DOWNLOAD_MAX_CONCURRENT_DISPATCHES = defineInt('DOWNLOAD_MAX_CONCURRENT_DISPATCHES', { default: 10 });
/** Re-driven processing (ffmpeg, 2 vCPU each): as many at once as the Storage trigger's maxInstances. */
export const PROCESS_MAX_CONCURRENT_DISPATCHES = defineInt('PROCESS_MAX_CONCURRENT_DISPATCHES', { default: 10 });

/**
 * Retry policy shared by the task queues (throw → retry with exponential backoff in [min, max]). Chosen with the
 * step lease (STEP_LEASE_SECONDS) and the function timeouts; docs/DECISIONS.md "Crash recovery" explains the sums.
 * Waiting for another worker's lease and a download's next try never throw (they are follow-up tasks), so these
 * attempts are spent only by unexpected failures.
 */
export const TASK_MAX_ATTEMPTS = defineInt('TASK_MAX_ATTEMPTS', { default: 8 });
export const TASK_MIN_BACKOFF_SECONDS = defineInt('TASK_MIN_BACKOFF_SECONDS', { default: 10 });
export const TASK_MAX_BACKOFF_SECONDS = defineInt('TASK_MAX_BACKOFF_SECONDS', { default: 300 });

export const POLL_INTERVAL_SECONDS = defineInt('POLL_INTERVAL_SECONDS', {
  default: 10,
  description: 'Seconds between polls of a Luma generation (the webhook usually answers first).',
});
/**
 * How long a step lease lasts without renewal. The worker renews it every third of this while the step runs, so an
 * instance that dies (out of memory, a deploy, recycling) blocks its request for at most this long.
 */
export const STEP_LEASE_SECONDS = defineInt('STEP_LEASE_SECONDS', {
  default: 60,
  description: 'Step lease length in seconds (renewed every third of it while a step runs).',
});
export const REQUEST_DEADLINE_MINUTES = defineInt('REQUEST_DEADLINE_MINUTES', {
  default: 30,
  description: 'A request still working after this long is failed by the sweeper.',
});

export const DEFAULT_ANALYTICS_TOPIC = 'd2v-analytics';
/** Pub/Sub topic for analytics events (publisher and aggregator). */
export const ANALYTICS_TOPIC = defineString('ANALYTICS_TOPIC', { default: DEFAULT_ANALYTICS_TOPIC });

/**
 * The topic name for `onMessagePublished`, which takes a literal (no params): the same environment variable as
 * the param above, read when the CLI discovers the functions.
 */
export function analyticsTopicName(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.ANALYTICS_TOPIC?.trim();
  return v ? v : DEFAULT_ANALYTICS_TOPIC;
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and operations alerts (docs/OPERATIONS.md explains each alert). Fractions are whole percents: the
// Firebase CLI resolves only int/string/boolean/list params.

/** Statistics buckets per hour (`stats/{day}/buckets/{HH}-{shard}`). */
export const STATS_SHARDS = defineInt('STATS_SHARDS', { default: 4, description: 'Statistics buckets per hour (more: smaller documents).' });
/**
 * How long the aggregator gathers events before one batch write per bucket. With at most
 * ANALYTICS_MAX_INSTANCES instances, a bucket document takes at most that many writes per this many seconds.
 */
export const STATS_FLUSH_SECONDS = defineInt('STATS_FLUSH_SECONDS', { default: 10, description: 'Seconds the analytics aggregator batches events.' });
export const DEFAULT_ANALYTICS_MAX_INSTANCES = 2;
/** Read when the CLI discovers the functions (an option, not a run-time value). */
export function analyticsMaxInstances(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ANALYTICS_MAX_INSTANCES ?? DEFAULT_ANALYTICS_MAX_INSTANCES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_ANALYTICS_MAX_INSTANCES;
}
/** Quotas (issue #9), per person. */
export const QUOTA_IN_FLIGHT = defineInt('QUOTA_IN_FLIGHT', { default: 10, description: 'Requests one person may have in the making at once (more: TOO_MANY_IN_FLIGHT).' });
export const QUOTA_PER_DAY = defineInt('QUOTA_PER_DAY', { default: 200, description: 'Requests one person may start in any rolling 24 hours (more: QUOTA_EXCEEDED).' });
export const LOW_CREDITS_CENTS = defineInt('LOW_CREDITS_CENTS', { default: 2000, description: 'Alert low_credits below this Luma balance (USD cents).' });
/** The budget guard (issue #9): new Luma creates wait in `queued` instead of crossing these. */
export const CREDITS_FLOOR_CENTS = defineInt('CREDITS_FLOOR_CENTS', { default: 0, description: 'New Luma creates wait ("paused: credits low") while the balance less their cost would fall below this (USD cents).' });
export const DAILY_BUDGET_CENTS = defineInt('DAILY_BUDGET_CENTS', { default: 0, description: "New Luma creates wait while the UTC day's net spend plus their cost would pass this (USD cents; 0: no daily budget)." });
export const ALERT_CREDITS_DAYS_LEFT = defineInt('ALERT_CREDITS_DAYS_LEFT', { default: 3, description: 'Alert credits_running_out below this many days at the current burn rate.' });
export const LUMA_MAX_CONCURRENT = defineInt('LUMA_MAX_CONCURRENT', { default: 10, description: 'Luma Ray generations in flight per account: admission control sends no more; slot usage is measured against it.' });
export const LUMA_PHOTON_MAX_CONCURRENT = defineInt('LUMA_PHOTON_MAX_CONCURRENT', { default: 40, description: 'Luma Photon (image keyframe) generations in flight per account.' });
export const LUMA_PHOTON_CREATES_PER_MINUTE = defineInt('LUMA_PHOTON_CREATES_PER_MINUTE', { default: 80, description: 'Luma Photon create calls per rolling minute.' });
export const ALERT_SLOT_USAGE_PERCENT = defineInt('ALERT_SLOT_USAGE_PERCENT', { default: 90, description: 'Alert luma_slots_full at this share of LUMA_MAX_CONCURRENT in use.' });
export const ALERT_RATE_LIMITED_PERCENT = defineInt('ALERT_RATE_LIMITED_PERCENT', { default: 20, description: 'Alert luma_rate_limited when this share of recent Luma calls got 429.' });
export const ALERT_RATE_LIMITED_MIN_CALLS = defineInt('ALERT_RATE_LIMITED_MIN_CALLS', { default: 20, description: 'Luma calls an hour needs before its 429 share can alert.' });

/** Public base URL of the `lumaWebhook` function; empty: derived from the project and region. */
export const WEBHOOK_BASE_URL = defineString('WEBHOOK_BASE_URL', { default: '' });
/** Public base URL of the `videoPlayback` function (signed links are absolute); empty: derived like the webhook's. */
export const PLAYBACK_BASE_URL = defineString('PLAYBACK_BASE_URL', { default: '' });
/**
 * Most bytes one playback response carries: a longer range is answered with its first this-many bytes (206 with
 * the shortened Content-Range; players and downloaders ask again for the rest). Cloud Run functions cap one HTTP
 * response (32 MB, less when streamed), so an uncapped `bytes=0-` of a long video would be cut by the platform.
 */
export const PLAYBACK_MAX_RANGE_BYTES = defineInt('PLAYBACK_MAX_RANGE_BYTES', { default: 8 * 1024 * 1024 });
export const DEFAULT_PLAYBACK_MAX_RANGE_BYTES = 8 * 1024 * 1024;

/** Luma API base URL; empty: Luma's production API. Point it at the simulator in staging. */
export const LUMAAI_BASE_URL = defineString('LUMAAI_BASE_URL', { default: '' });
/** Hosts whose image URLs a draft may reference directly (anything else must be the owner's Storage). */
export const IMAGE_HOST_ALLOW_LIST = defineList('IMAGE_HOST_ALLOW_LIST', { default: [] });

// ---------------------------------------------------------------------------------------------------------------
// Derived values

export const WEBHOOK_FUNCTION_NAME = 'lumaWebhook';
export const PLAYBACK_FUNCTION_NAME = 'videoPlayback';

/** The task-queue function behind each core queue name. */
export const TASK_FUNCTION_NAMES = {
  submit: 'submitTask',
  poll: 'pollTask',
  download: 'downloadTask',
  process: 'processTask',
} as const;

export function projectId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GCLOUD_PROJECT) return env.GCLOUD_PROJECT;
  if (env.GOOGLE_CLOUD_PROJECT) return env.GOOGLE_CLOUD_PROJECT;
  if (env.FIREBASE_CONFIG) {
    try {
      const parsed = JSON.parse(env.FIREBASE_CONFIG) as { projectId?: string };
      if (parsed.projectId) return parsed.projectId;
    } catch {
      // not JSON: a path to a file; fall through
    }
  }
  return 'demo-draft2video';
}

/**
 * Where Luma calls back: an explicit WEBHOOK_BASE_URL wins; in the Functions emulator the local URL; in
 * production the function's cloudfunctions.net URL (which Cloud Functions v2 keeps for HTTP functions).
 */
export function defaultWebhookBaseUrl(region: string, project: string, env: NodeJS.ProcessEnv = process.env): string {
  return defaultFunctionUrl(WEBHOOK_FUNCTION_NAME, region, project, env);
}

/** An HTTP function's URL: the emulator's locally, the cloudfunctions.net one (which v2 keeps) in production. */
export function defaultFunctionUrl(name: string, region: string, project: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.FUNCTIONS_EMULATOR === 'true') {
    const host = env.FUNCTIONS_EMULATOR_HOST ?? '127.0.0.1:5001';
    return `http://${host}/${project}/${region}/${name}`;
  }
  return `https://${region}-${project}.cloudfunctions.net/${name}`;
}

/**
 * Reads a param at run time. A deployed function has every param in its environment (the CLI resolves
 * defaults at deploy time); tests and scripts may not, and the SDK would then answer "" or 0 instead of the
 * default — so an absent variable yields `fallback` (pass the param's default).
 */
export function paramValue<T>(param: { name: string; value(): T }, fallback: T, env: NodeJS.ProcessEnv = process.env): T {
  if (env[param.name] === undefined || env[param.name] === '') return fallback;
  return param.value();
}

/**
 * A secret's value at run time. Cloud Functions exposes a bound secret as an environment variable of the same
 * name (exactly what `SecretParam.value()` reads); reading it directly skips the SDK's "not bound" warning in
 * tests and scripts. Empty when the function did not bind the secret.
 */
export function secretValue(secret: { name: string }, env: NodeJS.ProcessEnv = process.env): string {
  return env[secret.name] ?? '';
}

/** Region at run time (the deploy-time value is the same environment variable). */
export function runtimeRegion(): string {
  return paramValue(REGION, DEFAULT_REGION) || DEFAULT_REGION;
}

// ---------------------------------------------------------------------------------------------------------------
// Which secret each function may read (least privilege: a function reads only what it binds).

export const PIPELINE_SECRETS = [LUMAAI_API_KEY, LUMA_WEBHOOK_SECRET];
export const PROCESSING_SECRETS = [LUMAAI_API_KEY, LUMA_WEBHOOK_SECRET, VIDEO_KEK];
/** Playback decrypts (the KEK) and signs links; it never talks to Luma. */
export const PLAYBACK_SECRETS = [VIDEO_KEK, PLAYBACK_LINK_SECRET];
