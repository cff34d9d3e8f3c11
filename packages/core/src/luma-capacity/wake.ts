/**
 * Waiting requests do not poll for a slot: the transition that releases one (a generation leaving its holding
 * states) wakes the waiters that now fit, oldest first, and a waiter that is admitted does the same for the room
 * that is left (the window may have freed several creates at once), so a burst drains in parallel as fast as Luma's
 * limits allow instead of one submit after another. A wake is a named submit task: wakes of one waiter within the
 * same second fold into one (ten releases at once wake ten waiters, not fifty-five), and a lost or folded one only
 * means the waiter's own recheck (turn.recheckDelayMs) finds the room instead.
 */
import type { VideoRequest } from '@d2v/schema';
import type { Ports } from '../ports';
import { retryStepLater } from '../steps/next-step';
import type { Stage } from '../steps/stages';
import type { AppliedTransition } from '../transition';
import { familyLimits, LEDGERS } from './limits';
import { roomIn } from './turn';
import { readLumaUsage } from './usage';

/** A bound on one fan-out's reads and tasks, whatever the configured limits: later waiters are woken by these. */
export const MAX_WAKES_AT_ONCE = 25;

/** How many waiters fit now: the free slots and the window's room, whichever is fewer. */
export async function roomNow(ports: Ports, stage: Stage): Promise<number> {
  const ledger = LEDGERS[stage];
  const limits = familyLimits(ports.config, ledger.family);
  return Math.max(0, roomIn(limits, await readLumaUsage(ports, ledger, ports.clock.now())));
}

/** Wakes the oldest waiters of the stage's family that fit in the room there is now; returns how many were woken. */
export async function wakeWaiters(ports: Ports, stage: Stage): Promise<number> {
  // Whether anyone waits at all first (one read, the usual answer being no): the room costs two counts more.
  const [oldest] = await oldestWaiters(ports, stage, 1);
  if (!oldest) return 0;
  const room = Math.min(MAX_WAKES_AT_ONCE, await roomNow(ports, stage));
  if (room <= 0) return 0;
  const woken = room === 1 ? [oldest] : await oldestWaiters(ports, stage, room);
  const second = Math.floor(ports.clock.now() / 1000);
  await Promise.all(
    woken.map((doc) => retryStepLater(ports, 'submit', { uid: doc.uid, requestId: doc.requestId, stage }, ['wake', doc.transitionCount, second], 0)),
  );
  return woken.length;
}

async function oldestWaiters(ports: Ports, stage: Stage, limit: number): Promise<VideoRequest[]> {
  const snaps = await ports.store.query<VideoRequest>({
    collection: 'videoRequests',
    group: true,
    where: [{ field: 'state', op: '==', value: LEDGERS[stage].waiting }],
    orderBy: { field: 'stateSince', direction: 'asc' },
    limit,
  });
  return snaps.map((s) => s.data);
}

/** Transition hook (wired in pipeline.ts): a generation left the states that hold a Luma slot. */
export async function wakeOnSlotRelease(ports: Ports, applied: AppliedTransition): Promise<void> {
  for (const stage of ['video', 'keyframe'] as const) {
    const { holding } = LEDGERS[stage];
    // A 429 sends the request itself back in line (it is the oldest waiter then): its retry keeps Luma's Retry-After.
    if (holding.includes(applied.from) && !holding.includes(applied.to) && applied.to !== LEDGERS[stage].waiting) {
      await wakeWaiters(ports, stage);
    }
  }
}
