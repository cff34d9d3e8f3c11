/**
 * Luma's build-tier limits: concurrent non-terminal generations and creates per sliding minute, each per model
 * family. Only accepted creates count toward the minute (a rejected body never reaches Luma's queue).
 */
import { FamilyLimits, LimitOptions, ModelFamily } from './config';

export const RATE_WINDOW_MS = 60_000;

export type LimitDecision =
  | { allowed: true }
  | { allowed: false; reason: 'concurrency' | 'rate'; retryAfterSeconds: number };

export interface InFlightSummary {
  /** Non-terminal, non-deleted generations of the family. */
  count: number;
  /** When the earliest of them is expected to finish (epoch ms), to suggest a Retry-After. */
  earliestExpectedEndMs?: number;
}

export class CreateLimiter {
  private limits: LimitOptions;
  private readonly acceptedAt: Record<ModelFamily, number[]> = { ray: [], photon: [] };

  constructor(limits: LimitOptions, private readonly now: () => number = Date.now) {
    this.limits = cloneLimits(limits);
  }

  get options(): Readonly<LimitOptions> {
    return this.limits;
  }

  update(partial: { maxConcurrent?: Partial<FamilyLimits>; createsPerMinute?: Partial<FamilyLimits> }): void {
    const next = cloneLimits(this.limits);
    Object.assign(next.maxConcurrent, stripUndefined(partial.maxConcurrent));
    Object.assign(next.createsPerMinute, stripUndefined(partial.createsPerMinute));
    for (const group of [next.maxConcurrent, next.createsPerMinute]) {
      for (const v of Object.values(group)) {
        if (!(Number.isInteger(v) && v >= 1)) throw new Error('Luma simulator limits must be integers >= 1');
      }
    }
    this.limits = next;
  }

  check(family: ModelFamily, inFlight: InFlightSummary): LimitDecision {
    const now = this.now();
    if (inFlight.count >= this.limits.maxConcurrent[family]) {
      const waitMs = (inFlight.earliestExpectedEndMs ?? now + 1000) - now;
      return { allowed: false, reason: 'concurrency', retryAfterSeconds: toRetryAfterSeconds(waitMs) };
    }
    const recent = this.prune(family, now);
    if (recent.length >= this.limits.createsPerMinute[family]) {
      // The window frees up when the oldest counted create leaves it.
      const waitMs = recent[recent.length - this.limits.createsPerMinute[family]] + RATE_WINDOW_MS - now;
      return { allowed: false, reason: 'rate', retryAfterSeconds: toRetryAfterSeconds(waitMs) };
    }
    return { allowed: true };
  }

  recordAccepted(family: ModelFamily): void {
    this.acceptedAt[family].push(this.now());
  }

  private prune(family: ModelFamily, now: number): number[] {
    const list = this.acceptedAt[family];
    while (list.length > 0 && list[0] <= now - RATE_WINDOW_MS) list.shift();
    return list;
  }
}

/** Retry-After is whole seconds; never 0, which clients would read as "hammer me now". */
function toRetryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function cloneLimits(l: LimitOptions): LimitOptions {
  return { maxConcurrent: { ...l.maxConcurrent }, createsPerMinute: { ...l.createsPerMinute } };
}

function stripUndefined(p: Partial<FamilyLimits> | undefined): Partial<FamilyLimits> {
  const out: Partial<FamilyLimits> = {};
  for (const k of ['ray', 'photon'] as const) if (p?.[k] !== undefined) out[k] = p[k];
  return out;
}
