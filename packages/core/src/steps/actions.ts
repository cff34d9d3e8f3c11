import { ActionRequestSchema, blobPaths, canRetry, docPaths, type ActionRequest, type VideoRequest } from '@d2v/schema';
import { publishEvent } from '../analytics';
import type { RequestUpdatedEvent } from '../handlers';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { ensureNextStep } from './next-step';
import { buildProfileVideo, postIdFor, postVideo, profileVideoIdFor } from './posting';
import { removeQuietly } from './process';

/** Guard: an update event carries a client action only when `action.id` is new (our own writes never are). */
export function newClientAction(event: RequestUpdatedEvent): ActionRequest | null {
  const after = event.after as Partial<VideoRequest> | null;
  if (!after?.action || typeof after.state !== 'string') return null;
  const parsed = ActionRequestSchema.safeParse(after.action);
  if (!parsed.success || parsed.data.id === after.lastActionId) return null;
  return parsed.data;
}

interface ActionResult {
  ok: boolean;
  code?: string;
  message?: string;
}

/**
 * The post-generation menu: save (keep it, private, in the profile grid), post (to the feed), delete
 * (everything, including Luma's copy), retry (a retryable failure, from where it failed).
 *
 * An action that changes something records its outcome (`lastActionId`, `lastActionResult`) in the same
 * transaction as the change. So the update events of that very write — and of every later write — already
 * carry `lastActionId === action.id` and stop at the guard, and a duplicate delivery running at the same time
 * finds the change made and the outcome recorded: it can neither apply the action again nor overwrite the
 * true outcome with its own "already done"/"not allowed". Outcomes that change nothing are recorded after.
 */
export async function onRequestUpdated(ports: Ports, event: RequestUpdatedEvent): Promise<void> {
  const action = newClientAction(event);
  if (!action) return;
  const ref = { uid: event.uid, requestId: event.requestId };
  const record: RecordOutcome = (result) => ({ lastActionId: action.id, lastActionResult: { id: action.id, type: action.type, ...result } });
  const { result, recorded } = await applyAction(ports, ref, action, record);
  let mine = recorded;
  if (!recorded) {
    // Record the outcome once; a duplicate event finds lastActionId already set and stops at the guard.
    await updateRequestIf(ports, ref, { states: ALL_STATES }, (d) => {
      mine = d.lastActionId !== action.id;
      return mine ? record(result) : {};
    });
  }
  if (mine) {
    ports.log.info({ ...ref, action: action.type, ok: result.ok, code: result.code }, result.ok ? logs.actionApplied : logs.actionRefused);
    await publishEvent(ports, { type: 'action', uid: ref.uid, requestId: ref.requestId, action: action.type, errorCode: result.code });
  }
}

/** The request fields that record an action's outcome. */
type RecordOutcome = (result: ActionResult) => DocData;

/** An action's outcome, and whether it was already recorded with the change it made. */
interface Applied {
  result: ActionResult;
  recorded: boolean;
}

const changed = (result: ActionResult): Applied => ({ result, recorded: true });
const unchanged = (result: ActionResult): Applied => ({ result, recorded: false });

const ALL_STATES = [
  'pending', 'validating', 'keyframe_queued', 'keyframe_dreaming', 'queued', 'submitting', 'dreaming',
  'downloading', 'processing', 'ready', 'posted', 'failed', 'deleted',
] as const;
const WORKING_STATES = ALL_STATES.filter((s) => !['ready', 'posted', 'failed', 'deleted'].includes(s));

async function applyAction(ports: Ports, ref: RequestRef, action: ActionRequest, record: RecordOutcome): Promise<Applied> {
  switch (action.type) {
    case 'post':
      return postAction(ports, ref, action, record);
    case 'save':
      return saveAction(ports, ref, record);
    case 'delete':
      return deleteAction(ports, ref, record);
    case 'retry':
      return retryAction(ports, ref, record);
  }
}

async function postAction(ports: Ports, ref: RequestRef, action: ActionRequest, record: RecordOutcome): Promise<Applied> {
  const posted: ActionResult = { ok: true };
  const done = await postVideo(ports, ref, {
    by: 'client',
    visibility: action.visibility,
    caption: action.caption,
    reason: 'posted by the owner',
    alsoPatch: record(posted),
  });
  if (done) return changed(posted);
  // Not ready yet: remember the wish; processing posts it when the video is ready.
  const later: ActionResult = { ok: true, message: 'The video will be posted as soon as it is ready.' };
  const remembered = await updateRequestIf(ports, ref, { states: WORKING_STATES }, (d) => ({
    ...record(later),
    options: { ...d.options, autoPost: true, ...(action.visibility ? { visibility: action.visibility } : {}), ...(action.caption ? { caption: action.caption } : {}) },
  }));
  if (remembered) return changed(later);
  const current = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
  if (current?.state === 'posted') return unchanged({ ok: true, message: 'Already posted.' });
  return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: `A ${current?.state ?? 'missing'} video cannot be posted.` });
}

async function saveAction(ports: Ports, ref: RequestRef, record: RecordOutcome): Promise<Applied> {
  const saved: ActionResult = { ok: true };
  const outcome = await ports.store.runTransaction(async (tx) => {
    const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
    if (!doc || doc.state !== 'ready' || !doc.outputs) return doc?.state ?? 'missing';
    const entry = buildProfileVideo(doc, 'private', null, new Date(ports.clock.now()).toISOString());
    tx.set(docPaths.profileVideo(ref.uid, entry.id), entry as unknown as DocData);
    tx.update(docPaths.videoRequest(ref.uid, ref.requestId), { ...record(saved), profileVideoId: entry.id });
    return 'saved';
  });
  if (outcome === 'saved') return changed(saved);
  if (outcome === 'posted') return unchanged({ ok: true, message: 'Already posted (and in the profile grid).' });
  return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: `A ${outcome} video cannot be saved yet.` });
}

async function deleteAction(ports: Ports, ref: RequestRef, record: RecordOutcome): Promise<Applied> {
  const deleted: ActionResult = { ok: true };
  const moved = await transition(ports, ref, {
    from: ALL_STATES.filter((s) => s !== 'deleted'),
    to: 'deleted',
    by: 'client',
    reason: 'deleted by the owner',
    lease: null,
    patch: () => record(deleted),
    alsoWrite: (tx) => {
      tx.delete(docPaths.post(postIdFor(ref.requestId)));
      tx.delete(docPaths.profileVideo(ref.uid, profileVideoIdFor(ref.requestId)));
    },
  });
  if (!moved.applied) return unchanged({ ok: true, message: 'Already deleted.' });
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
    await deleteAction(ports, { uid: ref.uid, requestId: shot.requestId }, () => ({})).catch((e) =>
      ports.log.warn({ ...ref, shotRequestId: shot.requestId, err: String(e) }, logs.cleanupFailed),
    );
  }
  return changed(deleted);
}

/** The failure came after Luma completed the video (download, processing, a deadline then): it is paid for. */
function lumaFinishedTheVideo(doc: VideoRequest): boolean {
  return Boolean(doc.luma.generationId) && doc.luma.lumaState === 'completed';
}

async function retryAction(ports: Ports, ref: RequestRef, record: RecordOutcome): Promise<Applied> {
  const current = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
  if (!current || !canRetry(current.state, current.error?.retryable)) {
    return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: current?.state === 'failed' ? 'This failure cannot be fixed by trying again; edit the draft instead.' : 'Only a failed video can be retried.' });
  }
  if (current.shots?.length) {
    // Its shots are separate requests; a script video is made again from its script.
    return unchanged({ ok: false, code: 'ACTION_NOT_ALLOWED', message: 'A video made from a script cannot be retried; make it again from the script.' });
  }
  const retried: ActionResult = { ok: true };
  if (lumaFinishedTheVideo(current)) {
    // Luma made (and billed) this video; what failed came after. Fetch it again — never create it again.
    const refetch = await transition(ports, ref, {
      from: ['failed'],
      to: 'downloading',
      by: 'client',
      reason: 'retried by the owner: fetching the finished video again',
      error: null,
      lease: null,
      patch: (d) => ({
        ...record(retried),
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
  // Restart the stage that failed: the keyframe if the video request has no first frame yet.
  const needsKeyframe = Boolean(current.keyframeRequest) && !(current.lumaRequest as { keyframes?: { frame0?: unknown } } | undefined)?.keyframes?.frame0;
  const moved = await transition(ports, ref, {
    from: ['failed'],
    to: needsKeyframe ? 'keyframe_queued' : 'queued',
    by: 'client',
    reason: 'retried by the owner',
    error: null,
    patch: (d) => ({
      ...record(retried),
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
