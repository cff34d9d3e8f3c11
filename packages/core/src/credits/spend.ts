/**
 * A person's spend per UTC day (`GET /v1/credits`), summed from the ledger entries on their own requests when asked:
 * no running total is stored anywhere, so no document takes a write per charge. The query `lastChargedDay >= since`
 * (one field of their own requests, indexed by default) finds every request with a charge in the span; one person's
 * requests per day are bounded by their daily quota, so the read stays small.
 */
import { chargesSince, creditSpanStart, docPaths, sumCreditDays, type CreditSpend, type VideoRequest } from '@d2v/schema';
import type { Ports } from '../ports';

export const MAX_SPEND_DAYS = 90;

/** The last `days` UTC days (today included) of `uid`'s spend, newest first; days without a charge are left out. */
export async function userSpend(ports: Pick<Ports, 'store' | 'clock'>, uid: string, days = 30): Promise<CreditSpend> {
  const since = creditSpanStart(ports.clock.now(), Math.min(MAX_SPEND_DAYS, days));
  const requests = await ports.store.query<VideoRequest>({ collection: docPaths.videoRequests(uid), where: [{ field: 'lastChargedDay', op: '>=', value: since }] });
  return sumCreditDays(uid, chargesSince(requests.map((s) => s.data), since));
}
