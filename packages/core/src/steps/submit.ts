import type { Generation } from '@d2v/luma';
import { isLumaError } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { charging, commitLedgerChange, newCharge } from '../credits/ledger';
import { errorInfo, errorInfoFromLuma } from '../errors';
import { acquireLease, heldLease, newLease, newLeaseOwner, withLease, type LeaseClaim } from '../lease';
import { logs } from '../logs';
import { RetryLaterError, type Ports, type TaskPayload } from '../ports';
import { updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { cancelNow, disownGeneration, notCancelling, settleCancel } from './cancel';
import { checkBudget } from './budget-wait';
import { checkCapacity } from './capacity-wait';
import { buildCreateRequest, findEarlierGeneration, sendCreate } from './luma-create';
import { ensureNextStep, followUpWhenLeaseEnds, retryStepLater } from './next-step';
import { dreamingPlan, STAGES, stageOf, type Stage } from './stages';

/** When Luma's 429 names no Retry-After: its limits are per minute, so a few seconds is the right scale. */
const RATE_LIMITED_RETRY_MS = 10_000;

/**
 * The one billed, non-idempotent call: Luma's create. Guarded three ways:
 * 1. a lease, renewed while the step runs, so two deliveries of the task never create concurrently;
 * 2. an intent timestamp written before the call, so a later attempt knows a create may have happened;
 * 3. lookup-before-create: an attempt that finds an intent first searches Luma for a generation whose
 *    callback URL names this request, and adopts it instead of creating again.
 */
export async function onSubmitTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const stage = stageOf(payload.stage);
  const log = ports.log.child({ ...ref, stage });

  // The budget guard (issue #9): a create that would cross the credits floor or the day's budget waits, unbilled.
  // Admission control (issue #10): a create waits for a free Luma slot and room in Luma's per-minute window. A recheck
  // already known to wait goes no further (not even the budget's read).
  const capacity = await checkCapacity(ports, ref, stage);
  if (capacity.mustWait) return capacity.waitIfHeld();
  const budget = await checkBudget(ports, ref, stage);
  const claim = await claimSubmit(ports, ref, stage, (d) => budget.allows(d) && capacity.allows(d));
  if (claim.kind === 'done') {
    await budget.waitIfHeld();
    await capacity.waitIfHeld();
    return;
  }
  if (claim.kind === 'busy') {
    log.info({ leaseUntil: claim.lease.until }, logs.submitBusy);
    await followUpWhenLeaseEnds(ports, 'submit', { ...ref, stage }, claim.lease);
    return;
  }
  await capacity.passTheLineOn();
  await withLease(ports, claim.held, () => submitHoldingLease(ports, ref, stage, claim.doc, claim.held.owner, claim.intentRecorded));
}

async function submitHoldingLease(ports: Ports, ref: RequestRef, stage: Stage, claimed: VideoRequest, owner: string, intentRecorded: boolean): Promise<void> {
  const spec = STAGES[stage];
  const log = ports.log.child({ ...ref, stage });
  let doc = claimed;

  let generation: Generation | null = null;
  // Cancel (issue #9): a cancel that came while a create may have been in flight is finished by the lease holder,
  // the one step that can know what was created: found → recorded below, then deleted; none → cancelled now.
  if (doc.cancelRequested) {
    generation = !intentRecorded && spec.intentAt(doc) !== undefined ? await findEarlierGeneration(ports, ref, doc, stage) : null;
    if (!generation) {
      await cancelNow(ports, ref, { from: [spec.submitting], leaseOwner: owner, reason: 'cancelled by the owner before Luma accepted a generation' });
      return;
    }
    log.info({ generationId: generation.id }, logs.submitAdopted);
  }

  if (!generation && !intentRecorded && doc.luma.submitAttempts >= ports.config.maxSubmitAttempts) {
    await failSubmit(ports, ref, stage, owner, errorInfo('LUMA_UNAVAILABLE', undefined, `gave up after ${doc.luma.submitAttempts} attempts`));
    return;
  }

  if (!generation && !intentRecorded && spec.intentAt(doc) !== undefined) {
    generation = await findEarlierGeneration(ports, ref, doc, stage);
    if (generation) log.info({ generationId: generation.id }, logs.submitAdopted);
  }

  if (!generation) {
    // The intent and a full-length lease in one write (a first attempt wrote both with its claim): the create (its
    // HTTP timeout is shorter than the lease) finishes before any other worker could take over and look for it.
    const recorded = intentRecorded ? doc : await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner, when: notCancelling }, (d) => ({
      lease: { ...d.lease!, until: ports.clock.now() + ports.config.stepLeaseMs },
      luma: {
        ...d.luma,
        submitAttempts: d.luma.submitAttempts + 1,
        ...(stage === 'keyframe' ? { keyframeIntentAt: ports.clock.now() } : { submitIntentAt: ports.clock.now() }),
      },
    }));
    if (!recorded) {
      // Lost the lease (e.g. deleted meanwhile): do not bill. Cancel (issue #9): marked since the claim, nothing sent.
      await cancelNow(ports, ref, { from: [spec.submitting], leaseOwner: owner, when: (d) => !notCancelling(d), reason: 'cancelled by the owner before the create was sent' });
      return;
    }
    doc = recorded;
    const request = buildCreateRequest(ports, doc, stage);
    log.info({ model: request.model }, logs.submitCreating);
    try {
      generation = await sendCreate(ports, stage, request, doc);
    } catch (e) {
      await handleCreateError(ports, ref, stage, owner, e);
      return;
    }
    log.info({ generationId: generation.id, lumaState: generation.state }, logs.submitCreated);
  }

  const created = generation;
  // The credits ledger (issue #9): the charge rides on the transition that records the generation; a crash before it
  // is found again by the next attempt's lookup, whose transition records it then. Its generation id makes any
  // repeat add nothing.
  const charge = charging(ports, ref, newCharge(ports, ref, stage, created, buildCreateRequest(ports, doc, stage)));
  const moved = await transition(ports, ref, {
    from: [spec.submitting],
    to: spec.waiting,
    by: 'luma',
    reason: `Luma ${spec.generationType} generation ${created.id} accepted`,
    leaseOwner: owner,
    lease: null,
    patch: (d) => {
      const generationField = stage === 'keyframe' ? { keyframeGenerationId: created.id } : { generationId: created.id };
      const progressPlan = dreamingPlan(spec, ports.clock.now(), ports.config.expectedDreamingMs);
      return { ...charge.patch(d), queue: undefined, progressPlan, luma: { ...d.luma, ...generationField, lumaState: created.state, polls: 0 } };
    },
  });
  if (moved.applied) {
    await charge.announce();
    await ensureNextStep(ports, moved.doc);
    // Cancel (issue #9): asked while Luma was being called; the generation is recorded, now it is deleted.
    if (moved.doc.cancelRequested) await settleCancel(ports, ref);
  } else {
    // Cancelled or deleted while Luma was being called: billed all the same (the ledger says so), and what Luma
    // just made belongs to nobody.
    await commitLedgerChange(ports, ref, charge);
    await disownGeneration(ports, ref, stage, created);
  }
}

/**
 * Takes the submit lease: the video stage's `queued → submitting` carries it; a request already `submitting` (a
 * retry, a crash) or a keyframe stage takes it unless another worker's live lease is there. `allows` is the budget
 * guard's verdict on the request, checked inside the claim (false: nothing claimed, nothing written).
 */
async function claimSubmit(ports: Ports, ref: RequestRef, stage: Stage, allows: (doc: VideoRequest) => boolean): Promise<SubmitClaim> {
  const spec = STAGES[stage];
  const step = `submit-${stage}`;
  if (stage === 'video') {
    const owner = newLeaseOwner(ports);
    // A first attempt records its create intent with the claim (and its full-length lease): one write, not two.
    let intentAt: number | undefined;
    const moved = await transition(ports, ref, {
      from: ['queued'], to: 'submitting', by: 'system', reason: 'submit slot taken', lease: newLease(ports, step, owner), when: allows,
      patch: (d) => {
        intentAt = spec.intentAt(d) === undefined && d.luma.submitAttempts < ports.config.maxSubmitAttempts && !d.cancelRequested ? ports.clock.now() : undefined;
        // No longer waiting: whatever `queue` said (a budget pause) is over.
        const waited = d.queue ? { queue: undefined } : {};
        return intentAt === undefined ? waited : { ...waited, luma: { ...d.luma, submitAttempts: d.luma.submitAttempts + 1, submitIntentAt: intentAt } };
      },
    });
    if (moved.applied) {
      const intentRecorded = intentAt !== undefined && moved.doc.luma.submitIntentAt === intentAt;
      return { kind: 'held', doc: moved.doc, held: heldLease(ref, owner, step, [spec.submitting]), intentRecorded };
    }
    if (moved.doc?.state !== spec.submitting) return { kind: 'done', doc: moved.doc };
  }
  const claim = await acquireLease(ports, ref, { step, states: [spec.submitting], when: allows });
  return claim.kind === 'held' ? { ...claim, intentRecorded: false } : claim;
}

/** A lease claim; a held one says whether the claim itself recorded the create intent (a first attempt). */
type SubmitClaim = Exclude<LeaseClaim, { kind: 'held' }> | (Extract<LeaseClaim, { kind: 'held' }> & { intentRecorded: boolean });

async function handleCreateError(ports: Ports, ref: RequestRef, stage: Stage, owner: string, e: unknown): Promise<void> {
  const spec = STAGES[stage];
  const log = ports.log.child({ ...ref, stage });
  if (isLumaError(e) && e.retryable) {
    log.warn({ kind: e.kind, status: e.status, detail: e.detail }, logs.submitRetryable);
    // A 429 proves nothing was created: give the slot back (the video stage shows "waiting for a Luma slot").
    // Anything else (5xx, timeout) might have created, so the intent stays for the lookup on the next attempt.
    if (e.kind === 'rate_limited') {
      const clearIntent = (d: VideoRequest) => ({
        luma: {
          ...d.luma,
          // Nothing was billed, so this attempt does not count against maxSubmitAttempts.
          submitAttempts: Math.max(0, d.luma.submitAttempts - 1),
          ...(stage === 'keyframe' ? { keyframeIntentAt: undefined } : { submitIntentAt: undefined }),
        },
      });
      if (stage === 'video') {
        await transition(ports, ref, {
          from: ['submitting'], to: 'queued', by: 'luma', reason: 'Luma is at its limit (429)', leaseOwner: owner, lease: null, patch: clearIntent,
        });
      } else {
        await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner }, (d) => ({ lease: null, ...clearIntent(d) }));
      }
      // Waiting for a Luma slot is not a failure: the next try is a task of its own, so a long stretch at Luma's
      // limit never uses up the queue's retry budget.
      await retryStepLater(ports, 'submit', { ...ref, stage }, ['rate-limited', ports.clock.now()], (e.retryAfterMs ?? RATE_LIMITED_RETRY_MS) / 1000);
      return;
    }
    // Anything else keeps the intent; withLease gives the lease back as this throws.
    throw new RetryLaterError(`Luma create failed (${e.kind}); retrying`, e.retryAfterMs);
  }
  if (isLumaError(e)) {
    log.warn({ kind: e.kind, status: e.status, detail: e.detail }, logs.submitPermanent);
    await failSubmit(ports, ref, stage, owner, errorInfoFromLuma(e));
    return;
  }
  // Unknown failure (bug, network stack): withLease gives the lease back and the queue retries.
  throw e;
}

async function failSubmit(ports: Ports, ref: RequestRef, stage: Stage, owner: string, error: ReturnType<typeof errorInfo>): Promise<void> {
  const moved = await transition(ports, ref, {
    from: [STAGES[stage].submitting],
    to: 'failed',
    by: 'system',
    reason: 'Luma create failed',
    error,
    leaseOwner: owner,
    lease: null,
    when: notCancelling,
  });
  // Cancel (issue #9): the person asked to stop it anyway, and Luma accepted nothing.
  if (!moved.applied && moved.doc?.cancelRequested) {
    await cancelNow(ports, ref, { from: [STAGES[stage].submitting], leaseOwner: owner, reason: 'cancelled by the owner; Luma had refused the create' });
  }
}
