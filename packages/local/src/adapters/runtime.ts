/**
 * Small things every adapter needs: an injectable clock, a pino-compatible log, sleeping and backoff.
 *
 * Time is injected (never `Date.now()` directly) so tests can move a fake clock past a delay, a backoff or a
 * lease instead of waiting for it. Poll loops still tick on real timers; only "is this due yet?" reads the clock.
 */
import type { Clock, Logger } from '@d2v/core';

/** The part of a pino logger the adapters use: `log.info({ fields }, 'message')`. */
export type AdapterLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export const systemClock: Clock = { now: () => Date.now() };

const noop = (): void => undefined;
export const silentLog: AdapterLog = { debug: noop, info: noop, warn: noop, error: noop };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** `min · 2^(attempt−1)`, capped: the shape Cloud Tasks and Eventarc retries follow. `attempt` is 1-based. */
export function exponentialBackoffMs(attempt: number, minMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(maxMs, minMs * 2 ** exponent);
}

/** A plain-language description of whatever a handler threw, for logs and the `last_error` column. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** SQLite cannot compare with ±Infinity reliably through bindings; clamp to the largest safe integer. */
export function finiteMs(ms: number): number {
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}
