/**
 * What a request shows it cost (`cost` on the request document): its ledger entries' charges net of refunds,
 * folded into the transitions that already happen once per charge (Luma accepted the generation) and per refund
 * (Luma failed it), so showing the cost costs no write of its own.
 */
import type { CreditEntry, RequestCost } from '@d2v/schema';

const ZERO: RequestCost = { credits: 0, usd: 0, chargedCredits: 0, refundedCredits: 0 };

function shaped(charged: number, refunded: number): RequestCost {
  const credits = round(charged - refunded);
  return { credits, usd: round(credits / 100), chargedCredits: round(charged), refundedCredits: round(refunded) };
}

/** `cost` after a charge. */
export function withCharge(cost: RequestCost | undefined, entry: Pick<CreditEntry, 'costCents'>): RequestCost {
  const c = cost ?? ZERO;
  return shaped(c.chargedCredits + entry.costCents, c.refundedCredits);
}

/** `cost` after a refund (unchanged when there was no entry to refund). */
export function withRefund(cost: RequestCost | undefined, entry: Pick<CreditEntry, 'costCents'> | null): RequestCost | undefined {
  if (!entry) return cost;
  const c = cost ?? ZERO;
  return shaped(c.chargedCredits, Math.min(c.chargedCredits, c.refundedCredits + entry.costCents));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
