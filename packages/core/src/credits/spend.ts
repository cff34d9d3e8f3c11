/**
 * A person's spend per UTC day (`GET /v1/credits`), summed from their own ledger entries when asked: no running
 * total is stored anywhere, so no document takes a write per charge but the entry itself. One person's entries per
 * day are bounded by their daily quota, so the read stays small.
 */
import { creditSpanStart, docPaths, sumCreditDays, type CreditEntry, type CreditSpend } from '@d2v/schema';
import type { Ports } from '../ports';

export const MAX_SPEND_DAYS = 90;

/** The last `days` UTC days (today included) of `uid`'s spend, newest first; days without a charge are left out. */
export async function userSpend(ports: Pick<Ports, 'store' | 'clock'>, uid: string, days = 30): Promise<CreditSpend> {
  const since = creditSpanStart(ports.clock.now(), Math.min(MAX_SPEND_DAYS, days));
  const entries = await ports.store.query<CreditEntry>({ collection: docPaths.creditLedger(uid), where: [{ field: 'day', op: '>=', value: since }] });
  return sumCreditDays(uid, entries.map((s) => s.data));
}
