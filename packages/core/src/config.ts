import * as z from 'zod';

/**
 * Knobs of the pipeline core. Each runtime builds this once per process: the local stack from environment
 * variables (see README "Configuration"), the Firebase runtime from params and secrets.
 */
export const CoreConfigSchema = z.object({
  /** Public base URL that Luma calls back (`…/luma/webhook/{uid}/{requestId}?token=…`). Empty: poll only. */
  webhookBaseUrl: z.string().default(''),
  /** HMAC key for the per-request webhook token. */
  webhookSecret: z.string().min(16),
  /** A request still working after this long is failed by the sweeper (ms). */
  requestDeadlineMs: z.number().int().positive().default(30 * 60_000),
  /** Delay before the first poll and between polls of a Luma generation (s). */
  pollIntervalSeconds: z.number().positive().default(10),
  /** Polls before giving up on a generation (the deadline usually comes first). */
  maxPolls: z.number().int().positive().default(360),
  /**
   * How long a step lease (submit, download, process, joining shots) lasts without renewal (ms). The worker renews it
   * every third of this while the step runs, so a dead worker's lease lapses within this and a live one's never does.
   * Keep it above the Luma client's timeout (30 s): the billed create must finish inside the lease taken before it.
   */
  stepLeaseMs: z.number().int().min(3000).default(60_000),
  /** Lifetime of the signed URLs Luma gets for reference images (s). */
  signedUrlTtlSeconds: z.number().int().positive().default(15 * 60),
  /** Hosts whose image URLs a draft may reference directly (everything else must be the owner's Storage). */
  imageHostAllowList: z.array(z.string()).default([]),
  /** Luma create attempts (across crashes and retryable errors) before the request fails. */
  maxSubmitAttempts: z.number().int().positive().default(6),
  /**
   * Processing attempts before the request fails (a video that breaks ffmpeg every time). An attempt cut short by
   * the death of a process the runtime knows was killed (another local incarnation) does not count.
   */
  maxProcessAttempts: z.number().int().positive().default(3),
  /**
   * A paid video is fetched until it is stored: failed fetches are tried again with a fresh URL after a backoff
   * doubling from `downloadRetryMinSeconds` up to this, until Luma says the video is gone or the deadline passes.
   */
  downloadRetryMinSeconds: z.number().positive().default(2),
  downloadRetryMaxSeconds: z.number().positive().default(300),
  /**
   * Times a keyframe is planned again (images re-checked, links signed again) after Luma could not fetch the
   * draft's images; each failed try is refunded by Luma. A draft whose images Luma truly cannot read fails after.
   */
  maxKeyframeInputRetries: z.number().int().nonnegative().default(3),
  /** Luma's limit on an extension chain (s): an extend that would pass it is refused before any credit is spent. */
  maxExtendedSeconds: z.number().positive().default(30),
  /** Longest video Luma restyles or reframes (s). */
  maxFollowUpInputSeconds: z.number().positive().default(10),
  /** Typical Luma dreaming time; only shapes the progress bar while Luma works (ms). */
  expectedDreamingMs: z.number().int().positive().default(40_000),
  /** Timeout for downloading Luma's asset (ms). */
  downloadTimeoutMs: z.number().int().positive().default(5 * 60_000),
  /**
   * A working request untouched this long and with no live lease gets its next step enqueued again by the sweeper
   * (ms): a lost task or an exhausted retry budget. A running step renews its lease (a write) every stepLeaseMs/3.
   */
  rekickAfterMs: z.number().int().positive().default(2 * 60_000),
  /**
   * A request waiting for a Luma slot (`queued`) is re-kicked only after this long: its submit task waits in the
   * rate-limited queue (a 429 schedules its own next try), and a re-kick would take a slot from a real submit.
   */
  rekickQueuedAfterMs: z.number().int().positive().default(15 * 60_000),
  /** Alert `low_credits`: the Luma credit balance (USD cents) fell below this. */
  lowCreditsCents: z.number().nonnegative().default(2000),
  /** Alert `credits_running_out`: at the recent burn rate the balance lasts fewer days than this. */
  alertCreditsDaysLeft: z.number().nonnegative().default(3),
  /**
   * The budget guard (issue #9): a new Luma create waits in `queued` ("paused: credits low") while Luma's balance
   * less its cost would fall below this (USD cents; 0 keeps the balance from going negative)…
   */
  creditsFloorCents: z.number().nonnegative().default(0),
  /** …or while the UTC day's net spend plus its cost would pass this (USD cents; 0: no daily budget). */
  dailyBudgetCents: z.number().nonnegative().default(0),
  /** How often a paused submission looks again (seconds); the reading it decides from is refreshed every sweep. */
  budgetRecheckSeconds: z.number().int().positive().default(60),
  /** Alert `submissions_paused`: less than this (USD cents, about one 720p video) is left before the guard pauses. */
  pauseAlertHeadroomCents: z.number().nonnegative().default(71),
  /** How much balance history the quota monitor keeps for the burn rate (hours). */
  creditHistoryHours: z.number().positive().default(24),
  /**
   * Luma's limits per account (issue #10; tiers differ): Ray generations in flight at once and Ray creates per rolling
   * minute. Admission control (luma-capacity/) keeps a submit waiting in `queued` until both allow it, so creates are
   * not sent into a 429; slot usage alerts are measured against the same number.
   */
  lumaMaxConcurrent: z.number().int().positive().default(10),
  lumaCreatesPerMinute: z.number().int().positive().default(20),
  /** Photon (the image keyframes) is budgeted separately at Luma. */
  lumaPhotonMaxConcurrent: z.number().int().positive().default(40),
  lumaPhotonCreatesPerMinute: z.number().int().positive().default(80),
  /** Alert `luma_slots_full`: this share of `lumaMaxConcurrent` or more is in use. */
  alertSlotUsage: z.number().min(0).max(1).default(0.9),
  /** Alert `luma_rate_limited`: this share of the last hour's Luma calls (or more) was answered 429… */
  alertRateLimitedRate: z.number().min(0).max(1).default(0.2),
  /** …once the hour has at least this many calls (a handful of calls proves nothing). */
  alertRateLimitedMinCalls: z.number().int().positive().default(20),
  /**
   * Quotas (issue #9), per person: requests admitted and still working at once, and requests admitted in any
   * rolling 24 h. Over either, a new request ends `failed` (TOO_MANY_IN_FLIGHT / QUOTA_EXCEEDED) before any Luma call.
   */
  maxInFlightPerUser: z.number().int().positive().default(10),
  maxRequestsPerDay: z.number().int().positive().default(200),
  /** Statistics buckets per hour (`stats/{day}/buckets/{HH}-{shard}`): more shards, smaller documents. */
  statsShards: z.number().int().min(1).max(64).default(4),
  /**
   * Progress writes while ffmpeg works (the one step whose progress is measured, not planned): at most one per this
   * many ms since the request's last write… (5 s: a typical clip's processing, 2–4 s, then costs no write at all,
   * and a long one moves the bar every 5 s — far below Firestore's sustained rate for one document.)
   */
  progressMinIntervalMs: z.number().int().nonnegative().default(5000),
  /** …and only when the bar moved by at least this much (0.05 = 5 percentage points). */
  progressMinStep: z.number().min(0).max(1).default(0.05),
  /** Error Reporting's `serviceContext`. */
  serviceName: z.string().min(1).default('draft2video'),
  serviceVersion: z.string().default(''),
  /** Default caption when a post has none. */
  defaultCaption: z.string().default('Made with AI'),
});
export type CoreConfig = z.infer<typeof CoreConfigSchema>;
export type CoreConfigInput = z.input<typeof CoreConfigSchema>;

export function buildCoreConfig(input: CoreConfigInput): CoreConfig {
  return CoreConfigSchema.parse(input);
}
