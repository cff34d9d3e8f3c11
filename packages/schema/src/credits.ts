/**
 * Quotas and the credits ledger (issue #9): the per-person quota document, one ledger entry per billed Luma
 * generation, the cost a request shows, and the spend the API answers with. Credits are Luma's unit: USD cents.
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

/** `users/{uid}/creditLedger/{generationId}`: one billed Luma create, written once, refunded at most once. */
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
