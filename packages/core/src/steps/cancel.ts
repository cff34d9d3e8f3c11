import { estimateCostCents, isLumaError, type ImageGenerationRequest, type VideoGenerationRequest } from '@d2v/luma';
import { blobPaths, canCancel, type VideoRequest, type VideoState } from '@d2v/schema';
import { publishEvent } from '../analytics';
import { logs } from '../logs';
import { RetryLaterError, type DocData, type Ports } from '../ports';
import { leaseIsLive } from '../lease';
import { isoNow, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition, type TransitionActor, type TransitionOutcome } from '../transition';
import { changed, NO_RECORD, unchanged, type ActionOutcome, type ActionRecorder, type Applied } from './action-record';
import { ensureNextStep } from './next-step';
import { removeQuietly } from './process';
import { STAGES } from './stages';

/**
 * The person's "cancel". What it takes depends on where the request is:
 * - `now`: nothing is running at Luma for it (pending, validating, the queues, a submit step that has not
 *   recorded its intent yet) or Luma is done (downloading, processing) — `cancelled` in one transaction;
 * - `at_luma`: Luma works (keyframe_dreaming, dreaming) — Luma's DELETE, then `cancelled`;
 * - `with_submitter`: a billed create may be in flight (the intent is recorded) — the request is marked
 *   (`cancelRequested`) and the submit step, which alone knows what it created, deletes it and cancels;
 * - `shots`: a script video waiting for its shots — every shot is cancelled, then the video.
 * Finished requests (ready, posted) are deleted instead; failed/deleted ones have nothing to stop.
 */
export type CancelPlan = 'now' | 'at_luma' | 'with_submitter' | 'shots';

export function cancelPlanOf(doc: VideoRequest): CancelPlan | null {
  if (!canCancel(doc.state)) return null;
  switch (doc.state) {
    case 'keyframe_queued':
      return doc.luma.keyframeIntentAt === undefined ? 'now' : 'with_submitter';
    case 'submitting':
      return doc.luma.submitIntentAt === undefined ? 'now' : 'with_submitter';
    case 'keyframe_dreaming':
      return 'at_luma';
    case 'dreaming':
      return doc.shots?.length ? 'shots' : 'at_luma';
    default:
      return 'now';
  }
}

/** Guard for the steps that move a request on from Luma's stages: a request being cancelled goes nowhere else. */
export const notCancelling = (doc: VideoRequest): boolean => !doc.cancelRequested;

const NOT_ALLOWED: Partial<Record<VideoState, string>> = {
  ready: 'This video is already finished; delete it instead if you do not want it.',
  posted: 'This video is already finished and posted; delete it instead if you do not want it.',
  failed: 'This video already stopped (it failed), so there is nothing to cancel; delete it if you do not want it.',
  deleted: 'This video was deleted.',
};

/**
 * The cancel action (and the cascade to a script video's shots, with `NO_RECORD`): cancels at once what can be
 * cancelled at once, in the transaction that records the action; otherwise marks the request and tries to finish
 * the cancel. Duplicate and late cancels change nothing.
 */
export async function requestCancel(ports: Ports, ref: RequestRef, recorder: ActionRecorder = NO_RECORD, actionId?: string): Promise<Applied> {
  for (let round = 0; round < 5; round++) {
    const doc = await readRequest(ports, ref);
    if (!doc) return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: 'This video does not exist.' });
    if (doc.state === 'cancelled') return unchanged({ ok: true, message: 'Already cancelled.' });
    const plan = cancelPlanOf(doc);
    if (!plan) return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: NOT_ALLOWED[doc.state] ?? 'This video cannot be cancelled now.' });
    if (plan === 'now') {
      const result: ActionOutcome = { ok: true };
      const moved = await cancelNow(ports, ref, {
        from: [doc.state], when: (d) => cancelPlanOf(d) === 'now', reason: 'cancelled by the owner', recorder, result, actionId,
      });
      if (moved.applied) return changed(result);
      continue; // it moved meanwhile: look again
    }
    if (doc.cancelRequested) {
      await finishQuietly(ports, ref);
      return unchanged({ ok: true, message: 'Already being cancelled.' });
    }
    const result: ActionOutcome = {
      ok: true,
      message: plan === 'with_submitter' ? 'Cancelling: the generation is deleted as soon as Luma has answered.' : 'Cancelling: stopping the generation at Luma.',
    };
    const at = isoNow(ports);
    const marked = await updateRequestIf(
      ports,
      ref,
      { states: [doc.state], when: (d) => cancelPlanOf(d) === plan && !d.cancelRequested },
      () => ({ ...recorder.patch(result), cancelRequested: { at, ...(actionId ? { actionId } : {}) } }),
      (tx) => recorder.write(tx, result),
    );
    if (!marked) continue;
    ports.log.info({ ...ref, state: marked.state, plan }, logs.cancelMarked);
    await finishQuietly(ports, ref);
    return changed(result);
  }
  return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: 'The video kept changing while it was being cancelled; try again.' });
}

async function finishQuietly(ports: Ports, ref: RequestRef): Promise<void> {
  try {
    await settleCancel(ports, ref);
  } catch (e) {
    // The mark stays: the poller, the submit step or the sweeper finishes the cancel.
    ports.log.warn({ ...ref, err: String(e) }, logs.cancelDeferred);
  }
}

/**
 * Finishes the cancel of a marked request, from wherever it is. Called by the action and by every step that finds
 * `cancelRequested` (the poll, the webhook, the sweeper, the submit step after its create). Idempotent: a repeat
 * finds the request cancelled (or another step holding the work) and does nothing. Throws `RetryLaterError` when
 * Luma could not be reached to delete the generation (the caller's retry, or the next poll, tries again).
 */
export async function settleCancel(ports: Ports, ref: RequestRef, opts: { rekick?: string } = {}): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const doc = await readRequest(ports, ref);
    if (!doc?.cancelRequested) return;
    const plan = cancelPlanOf(doc);
    if (!plan) return; // cancelled already (or finished before the cancel was asked)
    const state = doc.state;
    switch (plan) {
      case 'now': {
        const moved = await cancelNow(ports, ref, { from: [state], when: (d) => cancelPlanOf(d) === 'now', reason: 'cancelled by the owner' });
        if (moved.applied) return;
        break;
      }
      case 'at_luma': {
        const spec = STAGES[state === 'keyframe_dreaming' ? 'keyframe' : 'video'];
        const generationId = spec.generationId(doc);
        if (generationId) await deleteAtLuma(ports, ref, generationId, { retryable: 'throw' });
        const moved = await cancelNow(ports, ref, {
          from: [state],
          when: (d) => cancelPlanOf(d) === 'at_luma' && spec.generationId(d) === generationId,
          reason: generationId ? `cancelled by the owner: Luma generation ${generationId} deleted` : 'cancelled by the owner',
          alreadyDeleted: generationId ? [generationId] : [],
        });
        if (moved.applied) return;
        break;
      }
      case 'shots': {
        for (const shot of doc.shots ?? []) await requestCancel(ports, { uid: ref.uid, requestId: shot.requestId });
        const billed = await billedByShots(ports, ref, doc);
        const moved = await cancelNow(ports, ref, {
          from: ['dreaming'], when: (d) => cancelPlanOf(d) === 'shots', reason: `cancelled by the owner: ${doc.shots?.length ?? 0} shots cancelled`, billed,
        });
        if (moved.applied) return;
        break;
      }
      case 'with_submitter':
        // The submit step holding the lease finishes it; without a live one, a submit task takes over.
        if (!leaseIsLive(ports, doc.lease)) await ensureNextStep(ports, doc, { rekick: opts.rekick ?? 'cancel' });
        return;
    }
  }
}

interface Billed {
  generationIds: string[];
  estimatedCents: number;
}

/** The generations of this attempt that Luma accepted (and so billed), with their estimated cost. */
export function billedSoFar(doc: VideoRequest): Billed {
  const billed: Billed = { generationIds: [], estimatedCents: 0 };
  const add = (id: string | undefined, request: unknown) => {
    if (!id) return;
    billed.generationIds.push(id);
    try {
      billed.estimatedCents += request ? estimateCostCents(request as VideoGenerationRequest | ImageGenerationRequest) : 0;
    } catch {
      // An unreadable stored request only loses the estimate, never the cancel.
    }
  };
  add(doc.luma?.keyframeGenerationId, doc.keyframeRequest);
  add(doc.luma?.generationId, doc.lumaRequest);
  return billed;
}

/** A script video bills through its shots: the sum of what each shot's cancel (or finish) recorded. */
async function billedByShots(ports: Ports, ref: RequestRef, parent: VideoRequest): Promise<Billed> {
  const billed: Billed = { generationIds: [], estimatedCents: 0 };
  for (const shot of parent.shots ?? []) {
    const child = await readRequest(ports, { uid: ref.uid, requestId: shot.requestId });
    if (!child) continue;
    const own = child.cancellation ?? billedSoFar(child);
    billed.generationIds.push(...own.generationIds);
    billed.estimatedCents += own.estimatedCents;
  }
  return billed;
}

export interface CancelNowSpec {
  from: readonly VideoState[];
  when?: (doc: VideoRequest) => boolean;
  /** Who the log names; the owner by default (a cancel is always the owner's, whichever step finishes it). */
  by?: TransitionActor;
  reason: string;
  /** The submit step cancelling what it holds. */
  leaseOwner?: string;
  recorder?: ActionRecorder;
  result?: ActionOutcome;
  actionId?: string;
  /** What was billed, when the request's own Luma ids do not tell (a script video). */
  billed?: Billed;
  /** Generations already deleted at Luma by the caller. */
  alreadyDeleted?: readonly string[];
}

/** → cancelled, recording what was billed; then the request's files and Luma generations are removed. */
export async function cancelNow(ports: Ports, ref: RequestRef, spec: CancelNowSpec): Promise<TransitionOutcome> {
  const at = isoNow(ports);
  const recorder = spec.recorder ?? NO_RECORD;
  const result = spec.result ?? { ok: true };
  const moved = await transition(ports, ref, {
    from: spec.from,
    to: 'cancelled',
    by: spec.by ?? 'client',
    reason: spec.reason,
    lease: null,
    ...(spec.leaseOwner !== undefined ? { leaseOwner: spec.leaseOwner } : {}),
    ...(spec.when ? { when: spec.when } : {}),
    patch: (d): DocData => {
      const billed = spec.billed ?? billedSoFar(d);
      return {
        ...recorder.patch(result),
        cancelRequested: d.cancelRequested ?? { at, ...(spec.actionId ? { actionId: spec.actionId } : {}) },
        cancellation: { at, fromState: d.state, billed: billed.generationIds.length > 0, ...billed },
      };
    },
    alsoWrite: (tx) => recorder.write(tx, result),
  });
  if (moved.applied) await afterCancelled(ports, ref, moved.doc, moved.from, spec.alreadyDeleted ?? []);
  return moved;
}

/** Best effort, after the commit: the files a downloading/processing request may hold, Luma's copies, the event. */
async function afterCancelled(ports: Ports, ref: RequestRef, doc: VideoRequest, from: VideoState, alreadyDeleted: readonly string[]): Promise<void> {
  const cancellation = doc.cancellation!;
  await removeQuietly(ports, [blobPaths.rawVideo(ref.uid, ref.requestId), blobPaths.encryptedVideo(ref.uid, ref.requestId), blobPaths.poster(ref.uid, ref.requestId)]);
  // A script video's generations belong to its shots, which deleted their own.
  if (!doc.shots?.length) {
    for (const id of cancellation.generationIds) if (!alreadyDeleted.includes(id)) await deleteAtLuma(ports, ref, id, { retryable: 'log' });
  }
  ports.log.info({ ...ref, from, billed: cancellation.billed, generations: cancellation.generationIds.length }, logs.cancelDone);
  await publishEvent(ports, {
    type: 'cancel',
    uid: ref.uid,
    requestId: ref.requestId,
    model: doc.options?.model,
    from,
    to: 'cancelled',
    attrs: { billed: cancellation.billed, generations: cancellation.generationIds.length, estimatedCents: cancellation.estimatedCents },
  });
}

/**
 * Luma's DELETE of a generation (it stops one that is still dreaming). Already gone (404) is success. A retryable
 * failure either throws (`'throw'`: the cancel must not go on while Luma may still be working) or is logged.
 */
export async function deleteAtLuma(ports: Ports, ref: RequestRef, generationId: string, opts: { retryable: 'throw' | 'log' }): Promise<void> {
  try {
    await ports.luma.deleteGeneration(generationId);
  } catch (e) {
    if (isLumaError(e) && e.kind === 'not_found') return;
    if (opts.retryable === 'throw' && isLumaError(e) && e.retryable) {
      throw new RetryLaterError(`could not delete Luma generation ${generationId} (${e.kind})`, e.retryAfterMs);
    }
    ports.log.warn({ ...ref, generationId, err: String(e) }, logs.cancelLumaDeleteFailed);
  }
}

/**
 * The submit step's create returned, but the request was cancelled or deleted meanwhile (its transition was
 * refused): the generation is deleted at Luma, and a cancelled request's record says it was billed. Anything else
 * (another worker took the lease over and will adopt it) is left alone.
 */
export async function disownGeneration(ports: Ports, ref: RequestRef, stage: 'keyframe' | 'video', generation: { id: string }): Promise<void> {
  const doc = await readRequest(ports, ref);
  if (!doc || (doc.state !== 'cancelled' && doc.state !== 'deleted')) return;
  if (STAGES[stage].generationId(doc) === generation.id) return; // recorded: the cancel or the delete took care of it
  await deleteAtLuma(ports, ref, generation.id, { retryable: 'log' });
  ports.log.warn({ ...ref, generationId: generation.id, state: doc.state }, logs.cancelOrphanDeleted);
  if (doc.state !== 'cancelled') return;
  const request = stage === 'keyframe' ? doc.keyframeRequest : doc.lumaRequest;
  await updateRequestIf(ports, ref, { states: ['cancelled'], when: (d) => !d.cancellation?.generationIds.includes(generation.id) }, (d) => {
    const previous = d.cancellation ?? { at: isoNow(ports), fromState: 'submitting' as VideoState, billed: false, generationIds: [], estimatedCents: 0 };
    let cents = 0;
    try {
      cents = request ? estimateCostCents(request as unknown as VideoGenerationRequest | ImageGenerationRequest) : 0;
    } catch {
      cents = 0;
    }
    return { cancellation: { ...previous, billed: true, generationIds: [...previous.generationIds, generation.id], estimatedCents: previous.estimatedCents + cents } };
  });
}
