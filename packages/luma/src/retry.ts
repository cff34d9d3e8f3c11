/**
 * Retry policy for idempotent Luma calls (GET/DELETE). Creates never come through here: see client.ts.
 */
import type { LumaError } from './errors';

export interface RetryDelays {
  /** First backoff step; doubles on every retry. */
  initialMs: number;
  /** Ceiling for the exponential backoff. */
  maxMs: number;
  /** Ceiling for a server-requested wait (Retry-After can say "an hour"; a request handler cannot wait that long). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelays = { initialMs: 500, maxMs: 8_000, maxRetryAfterMs: 30_000 };

/**
 * How long to wait before retry number `retryIndex` (0 for the first retry). A Retry-After from Luma wins
 * (capped); otherwise exponential backoff with jitter in [50 %, 100 %] of the step, so a fleet of functions that
 * failed together does not come back together.
 */
export function retryDelayMs(
  retryIndex: number,
  error: LumaError,
  delays: RetryDelays,
  random: () => number = Math.random,
): number {
  if (error.retryAfterMs !== undefined) return Math.min(Math.max(0, error.retryAfterMs), delays.maxRetryAfterMs);
  const step = Math.min(delays.initialMs * 2 ** retryIndex, delays.maxMs);
  return Math.round(step * (0.5 + random() * 0.5));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
