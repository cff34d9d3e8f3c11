/**
 * A submission the budget guard holds back (issue #9, credits/budget-guard.ts). The verdict is taken inside the
 * submit's own claim (`queued → submitting`, a keyframe's lease on `keyframe_queued`) as its `when`, so judging the
 * request costs no read of its own and cannot race the claim. A held request stays in its queued state with
 * `queue: {waitingFor: 'credits', status}` for the person to see, and its submit task looks again after
 * `budgetRecheckSeconds` — a named, delayed task of its own, so waiting spends none of the queue's attempts. Only a
 * request that has not started its create is held: one already `submitting` may have been billed, and goes on.
 */
import { estimateCostCents } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { isoNow, updateRequestIf, type RequestRef } from '../request-doc';
import { loadBudgetVerdict, type BudgetPause } from '../credits/budget-guard';
import { buildCreateRequest } from './luma-create';
import { retryStepLater } from './next-step';
import { STAGES, type Stage } from './stages';

export interface BudgetCheck {
  /** The claim's `when`: false when this request's create must wait (remembered for `waitIfHeld`). */
  allows(doc: VideoRequest): boolean;
  /** After a claim that found nothing to do: if the guard refused it, shows the pause and schedules the next look. */
  waitIfHeld(): Promise<void>;
}

export async function checkBudget(ports: Ports, ref: RequestRef, stage: Stage): Promise<BudgetCheck> {
  const spec = STAGES[stage];
  const verdict = await loadBudgetVerdict(ports);
  let held: { pause: BudgetPause; episode: number; costCents: number } | undefined;
  return {
    allows: (doc) => {
      held = undefined;
      if (doc.state !== spec.queued || doc.cancelRequested) return true;
      let costCents: number;
      try {
        costCents = estimateCostCents(buildCreateRequest(ports, doc, stage));
      } catch {
        return true; // no plan to price: the submit step reports that itself
      }
      const pause = verdict(costCents);
      if (pause) held = { pause, episode: doc.transitionCount, costCents };
      return !pause;
    },
    waitIfHeld: async () => {
      if (!held) return;
      const { pause, episode, costCents } = held;
      // Written once per pause (the status is what the person sees), not on every look.
      const doc = await updateRequestIf(ports, ref, { states: [spec.queued] }, (d) =>
        d.queue?.waitingFor === 'credits' && d.queue.status === pause.status ? null : { queue: { waitingFor: 'credits', status: pause.status, message: pause.message, since: isoNow(ports) } },
      );
      if (!doc) return; // moved on meanwhile (cancelled, deleted): nothing to wait for
      ports.log.child({ ...ref, stage }).info({ reason: pause.reason, costCents }, logs.submitPausedForBudget);
      const delay = ports.config.budgetRecheckSeconds;
      await retryStepLater(ports, 'submit', { ...ref, stage }, [episode, 'budget', Math.floor(ports.clock.now() / (delay * 1000))], delay);
    },
  };
}
