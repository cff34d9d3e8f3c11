/**
 * Waiting requests do not poll for a slot: the transition that releases one (a generation leaving its holding
 * states) wakes the oldest waiter of the family, and a waiter that is admitted wakes the next in line, so a
 * burst drains as fast as Luma's limits allow. A wake is a named submit task (duplicates fold); a lost one only
 * means the waiter's own recheck (turn.recheckDelayMs) finds the slot instead.
 */
import type { VideoRequest } from '@d2v/schema';
import type { Ports } from '../ports';
import { retryStepLater } from '../steps/next-step';
import type { Stage } from '../steps/stages';
import type { AppliedTransition } from '../transition';
import { LEDGERS } from './limits';

export async function wakeNextWaiter(ports: Ports, stage: Stage, because: string): Promise<void> {
  const ledger = LEDGERS[stage];
  const [next] = await ports.store.query<VideoRequest>({
    collection: 'videoRequests',
    group: true,
    where: [{ field: 'state', op: '==', value: ledger.waiting }],
    orderBy: { field: 'stateSince', direction: 'asc' },
    limit: 1,
  });
  if (!next) return;
  const doc = next.data;
  await retryStepLater(ports, 'submit', { uid: doc.uid, requestId: doc.requestId, stage }, ['wake', doc.transitionCount, because], 0);
}

/** Transition hook (wired in pipeline.ts): a generation left the states that hold a Luma slot. */
export async function wakeOnSlotRelease(ports: Ports, applied: AppliedTransition): Promise<void> {
  for (const stage of ['video', 'keyframe'] as const) {
    const { holding } = LEDGERS[stage];
    // A 429 sends the request itself back in line (it is the oldest waiter then): its retry keeps Luma's Retry-After.
    if (holding.includes(applied.from) && !holding.includes(applied.to) && applied.to !== LEDGERS[stage].waiting) {
      await wakeNextWaiter(ports, stage, `${applied.ref.requestId}-${applied.doc.transitionCount}`);
    }
  }
}
