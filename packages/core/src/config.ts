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
  /** How long one worker owns a step (submit, download, process) before another may take over (ms). */
  stepLeaseMs: z.number().int().positive().default(10 * 60_000),
  /** Lifetime of the signed URLs Luma gets for reference images (s). */
  signedUrlTtlSeconds: z.number().int().positive().default(15 * 60),
  /** Hosts whose image URLs a draft may reference directly (everything else must be the owner's Storage). */
  imageHostAllowList: z.array(z.string()).default([]),
  /** Luma create attempts (across crashes and retryable errors) before the request fails. */
  maxSubmitAttempts: z.number().int().positive().default(6),
  maxDownloadAttempts: z.number().int().positive().default(6),
  maxProcessAttempts: z.number().int().positive().default(3),
  /** Typical Luma dreaming time; only shapes the progress bar while Luma works (ms). */
  expectedDreamingMs: z.number().int().positive().default(40_000),
  /** Timeout for downloading Luma's asset (ms). */
  downloadTimeoutMs: z.number().int().positive().default(5 * 60_000),
  /** A working request untouched this long gets its next step enqueued again by the sweeper (ms). */
  rekickAfterMs: z.number().int().positive().default(5 * 60_000),
  /** Below this Luma credit balance (USD cents) the sweeper logs a warning. */
  lowCreditsCents: z.number().nonnegative().default(2000),
  /** Default caption when a post has none. */
  defaultCaption: z.string().default('Made with AI'),
});
export type CoreConfig = z.infer<typeof CoreConfigSchema>;
export type CoreConfigInput = z.input<typeof CoreConfigSchema>;

export function buildCoreConfig(input: CoreConfigInput): CoreConfig {
  return CoreConfigSchema.parse(input);
}
