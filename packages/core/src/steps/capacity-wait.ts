/**
 * Admission control before the billed create (issue #10, luma-capacity/): a submit goes only when its model family
 * has a free slot and room in Luma's rolling create window, first come, first served. The verdict is read before
 * the claim (counts: one read each) and applied as the claim's `when`, like the budget guard (budget-wait.ts). A
 * refused request stays in its queued state showing `queue: {waitingFor: 'slot' | 'rate', position, etaAt}` (written
 * only when that moved noticeably) and looks again at its ETA; a released slot wakes it sooner (wake.ts).
 *
 * Two submits counting at the same moment can both see the last slot free (the counts are not locked): Luma then
 * answers one of them 429, which sends it back to `queued` with nothing billed — rare, and safe.
 */
import { docPaths, type VideoRequest } from '@d2v/schema';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { isoNow, updateRequestIf, type RequestRef } from '../request-doc';
import { decideTurn, queueShownChanged, recheckDelayMs, roomIn, windowCreateAwaited, type Turn } from '../luma-capacity/turn';
import { familyLimits, LEDGERS } from '../luma-capacity/limits';
import { readLumaUsage, waitingAhead, waitingCount, windowFreesAt } from '../luma-capacity/usage';
import { wakeWaiters } from '../luma-capacity/wake';
import { retryStepLater } from './next-step';
import { STAGES, type Stage } from './stages';

export interface CapacityCheck {
  /**
   * Already known to wait (the request was read for its place in line and is still plainly queued): the submit
   * skips its claim — a recheck costs the counts and nothing else — and calls `waitIfHeld`.
   */
  readonly mustWait: boolean;
  /** The claim's `when`: false when this request must wait for Luma capacity. */
  allows(doc: VideoRequest): boolean;
  /** After a claim that found nothing to do: if capacity refused it, shows the place in line and schedules a recheck. */
  waitIfHeld(): Promise<void>;
  /** After a claim that was granted: a request that had waited wakes the waiters that fit in the room left. */
  passTheLineOn(): Promise<void>;
}

type Waiting = Extract<Turn, { admitted: false }>;

export async function checkCapacity(ports: Ports, ref: RequestRef, stage: Stage): Promise<CapacityCheck> {
  const spec = STAGES[stage];
  const ledger = LEDGERS[stage];
  const limits = familyLimits(ports.config, ledger.family);
  // The line is counted before the usage, never after: a waiter admitted in between then shows in the usage (its
  // claim holds a slot) while still counted in the line, so the verdict errs towards waiting. Counted the other way
  // round, it would vanish from both and two requests could take one slot (a 429 for one of them).
  const waitingNow = await waitingCount(ports, ledger);
  let now = ports.clock.now();
  let usage = await readLumaUsage(ports, ledger, now);
  // Nobody needs a place in line while everyone waiting fits, and this request's own document need not be read.
  let verdict: Turn | undefined = waitingNow <= roomIn(limits, usage) ? { admitted: true } : undefined;
  let doc: VideoRequest | undefined;
  if (!verdict) {
    doc = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
    if (!doc || doc.state !== spec.queued) verdict = { admitted: true }; // not waiting: the claim decides what it is
    else {
      const ahead = await waitingAhead(ports, ledger, doc);
      // The place in line was read after the usage: before admitting on it, the usage is read again (see above).
      const judge = async (): Promise<Turn> => {
        const input = { usage, ahead, limits, now, expectedDreamingMs: ports.config.expectedDreamingMs };
        const turn = decideTurn(input);
        const k = turn.admitted || turn.waitingFor !== 'rate' ? undefined : windowCreateAwaited(limits, usage, turn.position);
        return k === undefined ? turn : decideTurn({ ...input, windowFreesAt: await windowFreesAt(ports, ledger, now, k) });
      };
      verdict = await judge();
      if (verdict.admitted) {
        now = ports.clock.now();
        usage = await readLumaUsage(ports, ledger, now);
        verdict = await judge();
      }
    }
  }
  let held: { turn: Waiting; doc: VideoRequest } | undefined;
  let waited = false;
  const allows = (d: VideoRequest): boolean => {
    held = undefined;
    // Only a create not yet begun waits: a retry after its intent may already hold the slot; a cancel goes on.
    if (d.state !== spec.queued || d.cancelRequested || spec.intentAt(d) !== undefined) return true;
    waited = d.queue?.waitingFor === 'slot' || d.queue?.waitingFor === 'rate';
    if (verdict!.admitted) return true;
    held = { turn: verdict!, doc: d };
    return false;
  };
  const mustWait = doc !== undefined && !allows(doc);
  return {
    mustWait,
    allows,
    waitIfHeld: async () => {
      if (!held) return;
      const { turn, doc: known } = held;
      const episode = known.transitionCount;
      const status = turn.waitingFor === 'slot' ? 'waiting for a Luma slot' : "waiting for Luma's per-minute limit";
      const seconds = Math.max(1, Math.round((turn.etaAt - ports.clock.now()) / 1000));
      const shown = { waitingFor: turn.waitingFor, status, message: `Number ${turn.position} in line; expected to start in about ${seconds} s.`, position: turn.position, etaAt: new Date(turn.etaAt).toISOString() };
      // Written only when the place in line moved noticeably (checked on the request as last read, then in the write).
      if (queueShownChanged(known.queue, turn, ports.clock.now())) {
        await updateRequestIf(ports, ref, { states: [spec.queued] }, (d) => (queueShownChanged(d.queue, turn, ports.clock.now()) ? { queue: { ...shown, since: d.queue?.waitingFor === turn.waitingFor ? d.queue.since : isoNow(ports) } } : null));
      }
      ports.log.child({ ...ref, stage }).info({ waitingFor: turn.waitingFor, position: turn.position, etaAt: shown.etaAt }, logs.submitWaitingForCapacity);
      const delayMs = recheckDelayMs(turn.etaAt, ports.clock.now());
      await retryStepLater(ports, 'submit', { ...ref, stage }, [episode, 'capacity', Math.floor(ports.clock.now() / 1000)], delayMs / 1000);
    },
    passTheLineOn: async () => {
      if (waited) await wakeWaiters(ports, stage);
    },
  };
}
