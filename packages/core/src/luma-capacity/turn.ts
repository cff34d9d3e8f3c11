/**
 * Pure rules of admission (issue #10), tested on their own: whether a waiting request may be sent now, what it waits
 * for, when it may expect its turn, when to look again, and when the place in line shown on the request changed
 * enough to be written again.
 */
import { CREATE_WINDOW_MS, type FamilyLimits } from './limits';
import type { LumaUsage } from './usage';

export type CapacityWait = 'slot' | 'rate';

export type Turn =
  | { admitted: true }
  | {
      admitted: false;
      waitingFor: CapacityWait;
      /** 1 = next in line. */
      position: number;
      /** Epoch ms; an estimate (generations end when Luma finishes them). */
      etaAt: number;
    };

export interface TurnInput {
  usage: LumaUsage;
  /** Requests waiting ahead of this one. */
  ahead: number;
  limits: FamilyLimits;
  now: number;
  /** A typical generation's time at Luma: how long a held slot is expected to stay held. */
  expectedDreamingMs: number;
  /** When the window has room for this request's create, if known (see usage.windowFreesAt). */
  windowFreesAt?: number;
}

/** How many more creates fit now: the free slots and the window's room, whichever is fewer (below 0 when over). */
export function roomIn(limits: FamilyLimits, usage: LumaUsage): number {
  return Math.min(limits.maxConcurrent - usage.inFlight, limits.createsPerMinute - usage.inWindow);
}

/**
 * Which of the window's creates the request at `position` waits for (k: the k-th oldest must age out first), or
 * undefined when it waits for none of them — the window has room for it, or it waits beyond them for creates not
 * made yet. The one lookup a rate wait needs (usage.windowFreesAt) is for this k.
 */
export function windowCreateAwaited(limits: FamilyLimits, usage: LumaUsage, position: number): number | undefined {
  const k = position - Math.max(0, limits.createsPerMinute - usage.inWindow);
  return k >= 1 && k <= usage.inWindow ? k : undefined;
}

/**
 * First come, first served: the request goes when the free slots and the window's room both exceed the number of
 * requests ahead of it (a newcomer never takes the slot an older waiter is about to take).
 */
export function decideTurn(input: TurnInput): Turn {
  const { usage, ahead, limits, now, expectedDreamingMs } = input;
  const freeSlots = Math.max(0, limits.maxConcurrent - usage.inFlight);
  const windowRoom = Math.max(0, limits.createsPerMinute - usage.inWindow);
  const position = ahead + 1;
  if (position <= freeSlots && position <= windowRoom) return { admitted: true };
  // Held slots free about one generation from now, a full set of them per generation time after that.
  const slotEta = position <= freeSlots ? now : now + Math.ceil((position - freeSlots) / limits.maxConcurrent) * expectedDreamingMs;
  const beyondRoom = position - windowRoom;
  // Within the window's creates: when the one it waits for ages out (read, or a whole window if unknown). Beyond
  // them it waits for creates not made yet, which age out a window after they are made, at the earliest now: one
  // window per R of them is the earliest its turn can come, so it looks again then rather than too late.
  const rateEta =
    beyondRoom <= 0
      ? now
      : windowCreateAwaited(limits, usage, position) !== undefined
        ? input.windowFreesAt ?? now + CREATE_WINDOW_MS
        : now + Math.ceil((beyondRoom - usage.inWindow) / limits.createsPerMinute) * CREATE_WINDOW_MS;
  const waitingFor: CapacityWait = slotEta >= rateEta ? 'slot' : 'rate';
  return { admitted: false, waitingFor, position, etaAt: Math.max(now, slotEta, rateEta) };
}

/**
 * When a waiting submit looks again: at its ETA, but within bounds — a released slot wakes the oldest waiter at once
 * (wake.ts), so this is the fallback that keeps a lost wake from stranding anyone.
 */
export function recheckDelayMs(etaAt: number, now: number, bounds = { minMs: 1000, maxMs: 60_000 }): number {
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, etaAt - now + 250));
}

/**
 * The place in line is rewritten when it moved by a quarter (at least one place) or the ETA by more than 20 s or a
 * quarter of the wait still ahead, whichever is more: a person sees the countdown tick in the console between
 * writes, a long line does not cost a write per advance, and a wait of minutes is not rewritten for every half
 * minute its estimate drifts (the estimate beyond the next slot or window is coarse; nearer the start it is exact).
 */
export function queueShownChanged(shown: { waitingFor: string; position?: number; etaAt?: string } | undefined, next: { waitingFor: CapacityWait; position: number; etaAt: number }, now: number): boolean {
  if (!shown || shown.waitingFor !== next.waitingFor || shown.position === undefined || shown.etaAt === undefined) return true;
  if (Math.abs(shown.position - next.position) >= Math.max(1, Math.ceil(next.position / 4))) return true;
  return Math.abs(Date.parse(shown.etaAt) - next.etaAt) > Math.max(20_000, (next.etaAt - now) / 4);
}
