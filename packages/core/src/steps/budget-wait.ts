/**
 * A submission the budget guard holds back (issue #9, credits/budget-guard.ts): the request stays in its queued
 * state with `queue: {waitingFor: 'credits', status}` for the person to see, and its submit task looks again after
 * `budgetRecheckSeconds` — a named, delayed task of its own, so waiting spends none of the queue's attempts. Only a
 * request that has not started its create is held: one already `submitting` may have been billed, and goes on.
 */
import { estimateCostCents } from '@d2v/luma';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { isoNow, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { budgetPause } from '../credits/budget-guard';
import { buildCreateRequest } from './luma-create';
import { retryStepLater } from './next-step';
import { STAGES, type Stage } from './stages';

/** True when the create must wait (the retry is scheduled); false when the submit may go on. */
export async function holdForBudget(ports: Ports, ref: RequestRef, stage: Stage): Promise<boolean> {
  const spec = STAGES[stage];
  const doc = await readRequest(ports, ref);
  if (!doc || doc.state !== spec.queued || doc.cancelRequested) return false;
  let costCents: number;
  try {
    costCents = estimateCostCents(buildCreateRequest(ports, doc, stage));
  } catch {
    return false; // no plan to price: the submit step reports that itself
  }
  const pause = await budgetPause(ports, costCents);
  if (!pause) return false;
  // Written once per pause (the status is what the person sees), not on every look.
  await updateRequestIf(ports, ref, { states: [spec.queued] }, (d) =>
    d.queue?.waitingFor === 'credits' && d.queue.status === pause.status ? null : { queue: { waitingFor: 'credits', status: pause.status, message: pause.message, since: isoNow(ports) } },
  );
  ports.log.child({ ...ref, stage }).info({ reason: pause.reason, costCents }, logs.submitPausedForBudget);
  const delay = ports.config.budgetRecheckSeconds;
  await retryStepLater(ports, 'submit', { ...ref, stage }, [doc.transitionCount, 'budget', Math.floor(ports.clock.now() / (delay * 1000))], delay);
  return true;
}
