import { ActionRequestSchema, STATE_MACHINE, VIDEO_STATES, blobPaths, canRetry, docPaths, type ActionRequest, type VideoRequest } from '@d2v/schema';
import { publishCancel, publishEvent } from '../analytics';
import type { RequestUpdatedEvent } from '../handlers';
import { logs } from '../logs';
import { AlreadyExistsError, type DocData, type Ports } from '../ports';
import { requestPath, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { actionRecorder, changed, NO_RECORD, unchanged, type ActionOutcome, type ActionRecorder, type Applied } from './action-record';
import { admitRequest } from '../quotas/admission';
import { requestCancel } from './cancel';
import { ensureNextStep } from './next-step';
import { buildProfileVideo, postIdFor, postVideo, profileVideoIdFor } from './posting';
import { removeQuietly } from './process';
import { isFollowUpAction, startFollowUp } from '../follow-ups/start';
import { useVersion, versionInUse } from '../follow-ups/use-version';

/**
 * Guard: an update event carries a client action worth looking at only when `action.id` is not the last one
 * applied (our own writes after an action all carry it). This is a cheap filter, not the truth: an id applied
 * before another action (A, B, A) passes it and is stopped by its record (`actions/{id}`) in `onRequestUpdated`.
 */
export function newClientAction(event: RequestUpdatedEvent): ActionRequest | null {
  const after = event.after as Partial<VideoRequest> | null;
  if (!after?.action || typeof after.state !== 'string') return null;
  const parsed = ActionRequestSchema.safeParse(after.action);
  if (!parsed.success || parsed.data.id === after.lastActionId) return null;
  return parsed.data;
}

/**
 * The post-generation menu: save (keep it, private, in the profile grid), post (to the feed), delete
 * (everything, including Luma's copy), retry (a retryable failure, from where it failed), and cancel (stop a video
 * still being made: steps/cancel.ts).
 *
 * An action is applied once per id. An action that changes something records its outcome — the record
 * `actions/{actionId}` and `lastActionId`/`lastActionResult` on the request — in the same transaction as the
 * change, and the record is created (a second creation fails the transaction). So a duplicate delivery running at
 * the same time can neither apply the action again nor overwrite the true outcome with its own "already done";
 * and the same id sent again later, after other actions, finds its record and is ignored. Outcomes that change
 * nothing are recorded after, the same way.
 */
export async function onRequestUpdated(ports: Ports, event: RequestUpdatedEvent): Promise<void> {
  const action = newClientAction(event);
  if (!action) return;
  const ref = { uid: event.uid, requestId: event.requestId };
  const recordPath = docPaths.actionRecord(ref.uid, ref.requestId, action.id);
  if (await ports.store.get(recordPath)) return; // applied before (whatever came between)
  const recorder = actionRecorder(ports, ref, action);
  let applied: Applied;
  try {
    applied = await applyAction(ports, ref, action, recorder);
  } catch (e) {
    // Our record's `create` lost to a concurrent delivery of the same action: that one applied it. (Checked by
    // reading the record: a runtime may not say which created document already existed.)
    if (e instanceof AlreadyExistsError && (await ports.store.get(recordPath))) return;
    throw e;
  }
  const { result, recorded } = applied;
  let mine = recorded;
  if (!recorded) {
    // Record the outcome once; a duplicate finds the record and stops.
    mine = await ports.store.runTransaction(async (tx) => {
      const request = requestPath(ref);
      const [record, doc] = [await tx.get(recordPath), await tx.get(request)];
      if (record || !doc) return false;
      tx.update(request, recorder.patch(result));
      recorder.write(tx, result);
      return true;
    });
  }
  if (mine) {
    ports.log.info({ ...ref, action: action.type, ok: result.ok, code: result.code }, result.ok ? logs.actionApplied : logs.actionRefused);
    await publishEvent(ports, { type: 'action', uid: ref.uid, requestId: ref.requestId, action: action.type, ok: result.ok, errorCode: result.code });
  }
}

const ALL_STATES = VIDEO_STATES;
const WORKING_STATES = ALL_STATES.filter((s) => !STATE_MACHINE[s].terminal);

async function applyAction(ports: Ports, ref: RequestRef, action: ActionRequest, recorder: ActionRecorder): Promise<Applied> {
  switch (action.type) {
    case 'post':
      return postAction(ports, ref, action, recorder);
    case 'save':
      return saveAction(ports, ref, recorder);
    case 'delete':
      return deleteAction(ports, ref, recorder);
    case 'retry':
      return retryAction(ports, ref, recorder);
    case 'cancel':
      return requestCancel(ports, ref, recorder, action.id);
    case 'useVersion':
      return useVersion(ports, ref, action.versionRequestId, recorder);
    default:
      // extend, upscale, addAudio, restyle, reframe: a new request makes the new version (follow-ups/start.ts).
      if (isFollowUpAction(action)) return startFollowUp(ports, ref, action, recorder);
      throw new Error(`unknown action type ${String(action.type)}`);
  }
}

async function postAction(ports: Ports, ref: RequestRef, action: ActionRequest, recorder: ActionRecorder): Promise<Applied> {
  const posted: ActionOutcome = { ok: true };
  const done = await postVideo(ports, ref, {
    by: 'client',
    visibility: action.visibility,
    caption: action.caption,
    reason: 'posted by the owner',
    alsoPatch: recorder.patch(posted),
    alsoWrite: (tx) => recorder.write(tx, posted),
  });
  if (done) return changed(posted);
  // Not ready yet: remember the wish; processing posts it when the video is ready.
  const later: ActionOutcome = { ok: true, message: 'The video will be posted as soon as it is ready.' };
  const remembered = await updateRequestIf(
    ports,
    ref,
    // A video being cancelled will not be ready: nothing to remember.
    { states: WORKING_STATES, when: (d) => !d.cancelRequested },
    (d) => ({
      ...recorder.patch(later),
      options: { ...d.options, autoPost: true, ...(action.visibility ? { visibility: action.visibility } : {}), ...(action.caption ? { caption: action.caption } : {}) },
    }),
    (tx) => recorder.write(tx, later),
  );
  if (remembered) return changed(later);
  const current = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
  if (current?.state === 'posted') return unchanged({ ok: true, message: 'Already posted.' });
  return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: `A ${current?.state ?? 'missing'} video cannot be posted.` });
}

async function saveAction(ports: Ports, ref: RequestRef, recorder: ActionRecorder): Promise<Applied> {
  const saved: ActionOutcome = { ok: true };
  const outcome = await ports.store.runTransaction(async (tx) => {
    const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
    if (!doc || doc.state !== 'ready' || !doc.outputs) return doc?.state ?? 'missing';
    const entry = buildProfileVideo(doc, 'private', null, new Date(ports.clock.now()).toISOString());
    tx.set(docPaths.profileVideo(ref.uid, entry.id), entry as unknown as DocData);
    tx.update(docPaths.videoRequest(ref.uid, ref.requestId), { ...recorder.patch(saved), profileVideoId: entry.id });
    recorder.write(tx, saved);
    return 'saved';
  });
  if (outcome === 'saved') return changed(saved);
  if (outcome === 'posted') return unchanged({ ok: true, message: 'Already posted (and in the profile grid).' });
  return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: `A ${outcome} video cannot be saved yet.` });
}

async function deleteAction(ports: Ports, ref: RequestRef, recorder: ActionRecorder): Promise<Applied> {
  const deleted: ActionOutcome = { ok: true };
  const current = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
  const inUse = current ? await versionInUse(ports, current) : null;
  if (inUse) return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: inUse });
  const moved = await transition(ports, ref, {
    from: ALL_STATES.filter((s) => s !== 'deleted'),
    to: 'deleted',
    by: 'client',
    reason: 'deleted by the owner',
    lease: null,
    patch: () => recorder.patch(deleted),
    alsoWrite: (tx) => {
      recorder.write(tx, deleted);
      tx.delete(docPaths.post(postIdFor(ref.requestId)));
      tx.delete(docPaths.profileVideo(ref.uid, profileVideoIdFor(ref.requestId)));
    },
  });
  if (!moved.applied) return unchanged({ ok: true, message: 'Already deleted.' });
  // Deleting a video that is still being made is the person cancelling it.
  if (!STATE_MACHINE[moved.from].terminal) await publishCancel(ports, { uid: ref.uid, requestId: ref.requestId, model: moved.doc.options?.model, from: moved.from });
  await removeQuietly(ports, [
    blobPaths.encryptedVideo(ref.uid, ref.requestId),
    blobPaths.poster(ref.uid, ref.requestId),
    blobPaths.rawVideo(ref.uid, ref.requestId),
  ]);
  // Every generation the request ever made at Luma, the attempts before a retry included.
  const { generationId, keyframeGenerationId, previousGenerationIds = [] } = moved.doc.luma;
  for (const id of new Set([generationId, keyframeGenerationId, ...previousGenerationIds])) {
    if (!id) continue;
    // Luma's copy is the owner's data too; failing to delete it must not undo the deletion here.
    await ports.luma.deleteGeneration(id).catch((e) => ports.log.warn({ ...ref, generationId: id, err: String(e) }, logs.cleanupFailed));
  }
  // A script video's shots go with it (their clips, their Luma generations).
  for (const shot of moved.doc.shots ?? []) {
    await deleteAction(ports, { uid: ref.uid, requestId: shot.requestId }, NO_RECORD).catch((e) =>
      ports.log.warn({ ...ref, shotRequestId: shot.requestId, err: String(e) }, logs.cleanupFailed),
    );
  }
  return changed(deleted);
}

function isQuotaRefusal(doc: VideoRequest): boolean {
  return doc.error?.code === 'QUOTA_EXCEEDED' || doc.error?.code === 'TOO_MANY_IN_FLIGHT';
}

/** The failure came after Luma completed the video (download, processing, a deadline then): it is paid for. */
function lumaFinishedTheVideo(doc: VideoRequest): boolean {
  return Boolean(doc.luma.generationId) && doc.luma.lumaState === 'completed';
}

async function retryAction(ports: Ports, ref: RequestRef, recorder: ActionRecorder): Promise<Applied> {
  const current = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
  if (!current || !canRetry(current.state, current.error?.retryable)) {
    return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: current?.state === 'failed' ? 'This failure cannot be fixed by trying again; edit the draft instead.' : current?.state === 'cancelled' ? 'A cancelled video is not retried; make it again from the draft.' : 'Only a failed video can be retried.' });
  }
  if (current.shots?.length) {
    // Its shots are separate requests; a script video is made again from its script.
    return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: 'A video made from a script cannot be retried; make it again from the script.' });
  }
  const retried: ActionOutcome = { ok: true };
  if (lumaFinishedTheVideo(current)) {
    // Luma made (and billed) this video; what failed came after. Fetch it again — never create it again.
    const refetch = await transition(ports, ref, {
      from: ['failed'],
      to: 'downloading',
      by: 'client',
      reason: 'retried by the owner: fetching the finished video again',
      error: null,
      lease: null,
      alsoWrite: (tx) => recorder.write(tx, retried),
      patch: (d) => ({
        ...recorder.patch(retried),
        cancelRequested: undefined,
        deadlineAt: ports.clock.now() + ports.config.requestDeadlineMs,
        downloadAttempts: 0,
        processAttempts: 0,
        luma: { ...d.luma, unavailableAssetTries: 0 },
      }),
    });
    if (!refetch.applied) return unchanged({ ok: true, message: 'Already retrying.' });
    await ensureNextStep(ports, refetch.doc);
    return changed(retried);
  }
  // A retry bills Luma again, so it is admitted by the per-person quotas again (a request refused by one kept its plan).
  if (isQuotaRefusal(current) && (current.scriptRequestId || !current.lumaRequest)) {
    return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: 'A video from a script that a quota refused is made again from its script.' });
  }
  const admission = current.parentRequestId ? { admitted: true as const } : await admitRequest(ports, ref, current.options?.model);
  if (!admission.admitted) return unchanged({ ok: false, code: admission.error.code, message: admission.error.message });
  // Restart the stage that failed: the keyframe if the video request has no first frame yet.
  const needsKeyframe = Boolean(current.keyframeRequest) && !(current.lumaRequest as { keyframes?: { frame0?: unknown } } | undefined)?.keyframes?.frame0;
  const moved = await transition(ports, ref, {
    from: ['failed'],
    to: needsKeyframe ? 'keyframe_queued' : 'queued',
    by: 'client',
    reason: 'retried by the owner',
    error: null,
    alsoWrite: (tx) => recorder.write(tx, retried),
    patch: (d) => ({
      ...recorder.patch(retried),
      cancelRequested: undefined,
      deadlineAt: ports.clock.now() + ports.config.requestDeadlineMs,
      downloadAttempts: 0,
      processAttempts: 0,
      luma: {
        submitAttempts: 0,
        polls: 0,
        previousGenerationIds: [...(d.luma.previousGenerationIds ?? []), d.luma.generationId, d.luma.keyframeGenerationId].filter(
          (x): x is string => Boolean(x),
        ),
      },
    }),
  });
  if (!moved.applied) return unchanged({ ok: true, message: 'Already retrying.' });
  await ensureNextStep(ports, moved.doc);
  return changed(retried);
}
