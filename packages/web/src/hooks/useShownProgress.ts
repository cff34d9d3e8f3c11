import { useEffect, useState } from 'react';
import { shownProgress, type RequestDoc } from '@d2v/client';

/** @d2v/client's shownProgress, re-evaluated every second while a plan moves the bar (nothing ticks otherwise). */
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
