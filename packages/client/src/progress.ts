import type { RequestDoc } from './types';

/**
 * The bar a person sees, for any client of the pipeline. While Luma works the pipeline writes no progress (Luma
 * reports none; an estimate written every few seconds would cost a document write each): it writes a plan instead —
 * from `progress` when the state was entered (`stateSince`) towards `progressPlan.to` at `progressPlan.at` — and the
 * client moves the bar, never more than 95 % of the way (a generation slower than the typical one must not look
 * finished), never below the stored value.
 */
export function shownProgress(doc: Pick<RequestDoc, 'progress' | 'progressPlan' | 'stateSince'>, now: number): number {
  const stored = doc.progress ?? 0;
  const plan = doc.progressPlan;
  const from = doc.stateSince ? Date.parse(doc.stateSince) : NaN;
  const until = plan ? Date.parse(plan.at) : NaN;
  if (!plan || !Number.isFinite(from) || !Number.isFinite(until) || until <= from || plan.to <= stored) return stored;
  const fraction = Math.min(0.95, Math.max(0, (now - from) / (until - from)));
  return stored + (plan.to - stored) * fraction;
}
