import { useEffect, useState } from 'react';
import type { RequestDoc } from '@d2v/client';

/**
 * The bar a person sees. While Luma works the pipeline writes no progress (Luma reports none; an estimate written
 * every few seconds would cost a document write each): it writes a plan instead — from `progress` when the state was
 * entered (`stateSince`) towards `progressPlan.to` at `progressPlan.at` — and the bar moves here, never more than
 * 95 % of the way (a generation slower than the typical one must not look finished), never below the stored value.
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

/** shownProgress, re-evaluated every second while a plan moves the bar (nothing ticks otherwise). */
export function useShownProgress(doc: Pick<RequestDoc, 'progress' | 'progressPlan' | 'stateSince'> | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  const planned = Boolean(doc?.progressPlan);
  useEffect(() => {
    if (!planned) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [planned, doc?.progressPlan?.at]);
  return doc ? shownProgress(doc, now) : 0;
}
