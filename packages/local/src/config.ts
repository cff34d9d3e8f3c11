import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';

/**
 * The local stack's configuration, built once from the environment. Every variable is listed in the
 * README ("Configuration"); media (MEDIA_*), simulator (LUMA_SIM_*) and key (VIDEO_KEK*) variables are read by
 * their own packages.
 */
const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const listOf = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const EnvSchema = z.object({
  D2V_DATA_DIR: z.string().default('.local/data'),
  D2V_HOST: z.string().default('127.0.0.1'),
  D2V_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** URL Luma uses to reach the webhook; default: this server's own address. */
  D2V_PUBLIC_URL: z.string().url().optional(),
  D2V_WEBHOOK_SECRET: z.string().min(16).optional(),
  D2V_BLOB_SIGNING_SECRET: z.string().min(16).optional(),
  D2V_PLAYBACK_LINK_SECRET: z.string().min(16).optional(),
  D2V_PLAYBACK_MAX_RANGE_BYTES: z.coerce.number().int().min(1).optional(),
  D2V_DUPLICATE_DELIVERY: boolish.default(false),
  D2V_POLL_INTERVAL_SECONDS: z.coerce.number().positive().default(5),
  D2V_REQUEST_DEADLINE_MS: z.coerce.number().int().positive().default(30 * 60_000),
  D2V_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  D2V_STATS_FLUSH_MS: z.coerce.number().int().positive().default(1000),
  D2V_LOW_CREDITS_CENTS: z.coerce.number().nonnegative().default(2000),
  D2V_CREDITS_FLOOR_CENTS: z.coerce.number().nonnegative().default(0),
  D2V_DAILY_BUDGET_CENTS: z.coerce.number().nonnegative().default(0),
  D2V_ALERT_CREDITS_DAYS_LEFT: z.coerce.number().nonnegative().default(3),
  D2V_LUMA_MAX_CONCURRENT: z.coerce.number().int().positive().default(10),
  D2V_LUMA_CREATES_PER_MINUTE: z.coerce.number().int().positive().default(20),
  D2V_LUMA_PHOTON_MAX_CONCURRENT: z.coerce.number().int().positive().default(40),
  D2V_LUMA_PHOTON_CREATES_PER_MINUTE: z.coerce.number().int().positive().default(80),
  D2V_ALERT_SLOT_USAGE: z.coerce.number().min(0).max(1).default(0.9),
  D2V_ALERT_RATE_LIMITED: z.coerce.number().min(0).max(1).default(0.2),
  D2V_IMAGE_HOST_ALLOWLIST: listOf.default([]),
  D2V_QUOTA_IN_FLIGHT: z.coerce.number().int().positive().default(10),
  D2V_QUOTA_PER_DAY: z.coerce.number().int().positive().default(200),
  D2V_SUBMIT_MAX_CONCURRENT: z.coerce.number().int().positive().default(10),
  // Admission control in the core keeps creates inside Luma's limits; the queue only bounds how fast submits (and
  // the waiters' rechecks) are dispatched, high enough to send a full window's burst at once (Luma's 20/min in 1 s).
  D2V_SUBMIT_PER_SECOND: z.coerce.number().positive().default(20),
  D2V_TASK_MAX_ATTEMPTS: z.coerce.number().int().positive().default(10),
  D2V_TASK_MIN_BACKOFF_SECONDS: z.coerce.number().nonnegative().default(1),
  D2V_TASK_MAX_BACKOFF_SECONDS: z.coerce.number().positive().default(60),
  LUMAAI_API_KEY: z.string().optional(),
  LUMAAI_BASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface LocalConfig {
  dataDir: string;
  dbFile: string;
  blobDir: string;
  tmpDir: string;
  logFile: string;
  host: string;
  port: number;
  publicUrl?: string;
  webhookSecret: string;
  blobSigningSecret: string;
  /** HMAC key of signed playback links (`…/video/link`). */
  playbackLinkSecret: string;
  /** Most bytes one ranged playback answer carries (unset: no cap; the Firebase function caps at 8 MiB). */
  playbackMaxRangeBytes?: number;
  duplicateDelivery: boolean;
  pollIntervalSeconds: number;
  requestDeadlineMs: number;
  sweepIntervalMs: number;
  /** How often the statistics aggregator folds new analytics events into the buckets. */
  statsFlushIntervalMs: number;
  /** Alert thresholds (docs/OPERATIONS.md), handed to the core config. */
  alerts: { lowCreditsCents: number; alertCreditsDaysLeft: number; lumaMaxConcurrent: number; alertSlotUsage: number; alertRateLimitedRate: number };
  /** The budget guard (issue #9): the credits floor and the daily budget, USD cents (0: no daily budget). */
  budget: { creditsFloorCents: number; dailyBudgetCents: number };
  /** Luma's limits for admission control (Ray; Photon for image keyframes). */
  lumaLimits: { lumaCreatesPerMinute: number; lumaPhotonMaxConcurrent: number; lumaPhotonCreatesPerMinute: number };
  imageHostAllowList: string[];
  /** Per-person quotas, handed to the core config. */
  quotas: { maxInFlightPerUser: number; maxRequestsPerDay: number };
  submitQueue: { maxConcurrentDispatches: number; maxDispatchesPerSecond: number };
  taskRetry: { maxAttempts: number; minBackoffSeconds: number; maxBackoffSeconds: number };
  /** Set only when both LUMAAI_* variables point at the real service; otherwise the simulator runs. */
  realLuma?: { apiKey: string; baseUrl: string };
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LocalConfig> = {}): LocalConfig {
  // An empty variable means "not set" (as in `LUMAAI_BASE_URL= npm start`).
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${why}`);
  }
  const e = parsed.data;
  const dataDir = resolve(overrides.dataDir ?? e.D2V_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const secrets = localSecrets(dataDir);
  const base: LocalConfig = {
    dataDir,
    dbFile: join(dataDir, 'd2v.sqlite'),
    blobDir: join(dataDir, 'blobs'),
    tmpDir: join(dataDir, 'tmp'),
    logFile: join(dataDir, 'd2v.log'),
    host: e.D2V_HOST,
    port: e.D2V_PORT,
    publicUrl: e.D2V_PUBLIC_URL,
    webhookSecret: e.D2V_WEBHOOK_SECRET ?? secrets.webhookSecret,
    blobSigningSecret: e.D2V_BLOB_SIGNING_SECRET ?? secrets.blobSigningSecret,
    playbackLinkSecret: e.D2V_PLAYBACK_LINK_SECRET ?? secrets.playbackLinkSecret,
    playbackMaxRangeBytes: e.D2V_PLAYBACK_MAX_RANGE_BYTES,
    duplicateDelivery: e.D2V_DUPLICATE_DELIVERY,
    pollIntervalSeconds: e.D2V_POLL_INTERVAL_SECONDS,
    requestDeadlineMs: e.D2V_REQUEST_DEADLINE_MS,
    sweepIntervalMs: e.D2V_SWEEP_INTERVAL_MS,
    statsFlushIntervalMs: e.D2V_STATS_FLUSH_MS,
    alerts: {
      lowCreditsCents: e.D2V_LOW_CREDITS_CENTS,
      alertCreditsDaysLeft: e.D2V_ALERT_CREDITS_DAYS_LEFT,
      lumaMaxConcurrent: e.D2V_LUMA_MAX_CONCURRENT,
      alertSlotUsage: e.D2V_ALERT_SLOT_USAGE,
      alertRateLimitedRate: e.D2V_ALERT_RATE_LIMITED,
    },
    budget: { creditsFloorCents: e.D2V_CREDITS_FLOOR_CENTS, dailyBudgetCents: e.D2V_DAILY_BUDGET_CENTS },
    lumaLimits: {
      lumaCreatesPerMinute: e.D2V_LUMA_CREATES_PER_MINUTE,
      lumaPhotonMaxConcurrent: e.D2V_LUMA_PHOTON_MAX_CONCURRENT,
      lumaPhotonCreatesPerMinute: e.D2V_LUMA_PHOTON_CREATES_PER_MINUTE,
    },
    imageHostAllowList: e.D2V_IMAGE_HOST_ALLOWLIST,
    quotas: { maxInFlightPerUser: e.D2V_QUOTA_IN_FLIGHT, maxRequestsPerDay: e.D2V_QUOTA_PER_DAY },
    submitQueue: { maxConcurrentDispatches: e.D2V_SUBMIT_MAX_CONCURRENT, maxDispatchesPerSecond: e.D2V_SUBMIT_PER_SECOND },
    taskRetry: {
      maxAttempts: e.D2V_TASK_MAX_ATTEMPTS,
      minBackoffSeconds: e.D2V_TASK_MIN_BACKOFF_SECONDS,
      maxBackoffSeconds: e.D2V_TASK_MAX_BACKOFF_SECONDS,
    },
    realLuma: e.LUMAAI_API_KEY && e.LUMAAI_BASE_URL ? { apiKey: e.LUMAAI_API_KEY, baseUrl: e.LUMAAI_BASE_URL } : undefined,
    logLevel: e.LOG_LEVEL,
  };
  return { ...base, ...overrides, dataDir };
}

/** Key-encryption key for the local stack: VIDEO_KEK if set, else a dev key generated once in the data dir. */
export function localKekEnv(env: NodeJS.ProcessEnv, dataDir: string): NodeJS.ProcessEnv {
  if (env.VIDEO_KEK) return env;
  const secrets = localSecrets(dataDir);
  return { ...env, VIDEO_KEK: secrets.videoKek, VIDEO_KEK_ID: env.VIDEO_KEK_ID ?? secrets.videoKekId };
}

interface LocalSecrets {
  webhookSecret: string;
  blobSigningSecret: string;
  playbackLinkSecret: string;
  /** Most bytes one ranged playback answer carries (unset: no cap; the Firebase function caps at 8 MiB). */
  playbackMaxRangeBytes?: number;
  videoKek: string;
  videoKekId: string;
}

/**
 * Development secrets, generated on first start and kept (mode 0600) in the git-ignored data dir so that
 * stored videos stay decryptable across restarts. Production secrets come from Secret Manager instead.
 */
function localSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const secrets: LocalSecrets = {
    webhookSecret: randomBytes(32).toString('base64url'),
    blobSigningSecret: randomBytes(32).toString('base64url'),
    playbackLinkSecret: randomBytes(32).toString('base64url'),
    videoKek: randomBytes(32).toString('base64'),
    videoKekId: `local-${randomBytes(4).toString('hex')}`,
    ...stored,
  };
  // A data dir from an older version keeps its keys (its videos stay decryptable) and gains the new ones.
  if (Object.keys(secrets).every((k) => k in stored)) return secrets;
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
