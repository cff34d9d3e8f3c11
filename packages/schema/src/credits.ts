/**
 * Quotas and the credits ledger (issue #9): the per-person quota document, one ledger entry per billed Luma
 * generation (kept on its request), the cost a request shows, and the spend the API answers with. Credits are Luma's unit: USD cents.
 */
import * as z from 'zod';

/** `users/{uid}/quota/usage`: what admission decides from, updated in one transaction per admitted request. */
export const QuotaUsageSchema = z.object({
  uid: z.string(),
  /** Requests admitted and perhaps still working; one whose request is no longer working holds no slot. */
  inFlight: z.array(z.string()),
  /** Admissions of the last 24 h, oldest first (epoch ms): the rolling day's count. */
  admissions: z.array(z.object({ requestId: z.string(), at: z.number() })),
  updatedAt: z.string(),
});
export type QuotaUsage = z.infer<typeof QuotaUsageSchema>;

/** `charges.{generationId}` of the billed request: one billed Luma create, written once, refunded at most once. */
export const CreditEntrySchema = z.object({
  generationId: z.string(),
  uid: z.string(),
  requestId: z.string(),
  /** Which Luma stage billed it: the keyframe image or the video. */
  stage: z.enum(['keyframe', 'video']),
  model: z.string(),
  resolution: z.string().optional(),
  duration: z.string().optional(),
  /** From Luma's price table (@d2v/luma estimateCostCents), USD cents. */
  costCents: z.number().nonnegative(),
  /** UTC day of the charge (`2026-12-02`): per-day spend is summed by it. */
  day: z.string(),
  chargedAt: z.string(),
  /** Luma failed the generation and refunded it in full. */
  refunded: z.boolean(),
  refundedAt: z.string().optional(),
});
export type CreditEntry = z.infer<typeof CreditEntrySchema>;

/** What a request cost so far, net of refunds: `credits` are USD cents, `usd` the same in dollars. */
export const RequestCostSchema = z.object({
  credits: z.number(),
  usd: z.number(),
  /** Charged before refunds (cents) and refunded (cents). */
  chargedCredits: z.number().nonnegative(),
  refundedCredits: z.number().nonnegative(),
});
export type RequestCost = z.infer<typeof RequestCostSchema>;

/** One day of a person's spend (`GET /v1/credits`). */
export interface CreditDay {
  day: string;
  generations: number;
  chargedCents: number;
  refundedCents: number;
  netCents: number;
}

export interface CreditSpend {
  uid: string;
  days: CreditDay[];
  total: Omit<CreditDay, 'day'> & { netUsd: number };
}

/** A person's ledger entries summed per day, newest first (the local API and the Firebase client both use it). */
export function sumCreditDays(uid: string, entries: Iterable<CreditEntry>): CreditSpend {
  const byDay = new Map<string, CreditDay>();
  for (const e of entries) {
    const day = byDay.get(e.day) ?? { day: e.day, generations: 0, chargedCents: 0, refundedCents: 0, netCents: 0 };
    day.generations++;
    day.chargedCents = roundCents(day.chargedCents + e.costCents);
    if (e.refunded) day.refundedCents = roundCents(day.refundedCents + e.costCents);
    day.netCents = roundCents(day.chargedCents - day.refundedCents);
    byDay.set(e.day, day);
  }
  const days = [...byDay.values()].sort((a, b) => b.day.localeCompare(a.day));
  const sum = (k: 'generations' | 'chargedCents' | 'refundedCents' | 'netCents') => roundCents(days.reduce((n, d) => n + d[k], 0));
  const netCents = sum('netCents');
  return { uid, days, total: { generations: sum('generations'), chargedCents: sum('chargedCents'), refundedCents: sum('refundedCents'), netCents, netUsd: roundCents(netCents / 100) } };
}

/** A person's ledger entries of `day >= since`, from their requests that the query `lastChargedDay >= since` found. */
export function chargesSince(requests: Iterable<{ charges?: Record<string, CreditEntry> }>, since: string): CreditEntry[] {
  const entries: CreditEntry[] = [];
  for (const r of requests) for (const e of Object.values(r.charges ?? {})) if (e.day >= since) entries.push(e);
  return entries;
}

/** The first UTC day of a span of `days` days ending today (`now`). */
export function creditSpanStart(now: number, days: number): string {
  return new Date(now - (Math.max(1, Math.floor(days)) - 1) * 86_400_000).toISOString().slice(0, 10);
}

/** Estimates are fractional cents; hundredths keep sums free of binary-float dust. */
function roundCents(n: number): number {
  return Math.round(n * 100) / 100;
}
