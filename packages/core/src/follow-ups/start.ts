/**
 * A follow-up action on a ready video (issue #13): checked against the original, then made as a request of its
 * own — `followUpOf: <original>` — which runs the whole pipeline like any video (the billed create guarded by
 * intent + lookup, the webhook and poller, download, validation, compression, encryption). The original is not
 * touched but for its list of versions; its post keeps its video until the owner says otherwise (useVersion).
 */
import { createHash } from 'node:crypto';
import { docPaths, type ActionRequest, type FollowUpType, type VersionEntry, type VideoRequest } from '@d2v/schema';
import type { DocData, Ports } from '../ports';
import { isoNow, type RequestRef } from '../request-doc';
import { changed, unchanged, type ActionOutcome, type ActionRecorder, type Applied } from '../steps/action-record';
import { checkFollowUp, followUpSpecOf } from './check';

/**
 * The follow-up request's id: the same for every delivery of one action, so a duplicate finds the request its
 * first delivery created (and the transaction creating it cannot succeed twice).
 */
export function followUpRequestId(originalId: string, actionId: string): string {
  return `fu-${createHash('sha256').update(`${originalId}/${actionId}`).digest('hex').slice(0, 40)}`;
}

export function isFollowUpAction(action: ActionRequest): action is ActionRequest & { type: FollowUpType } {
  return ['extend', 'upscale', 'addAudio', 'restyle', 'reframe'].includes(action.type);
}

export async function startFollowUp(ports: Ports, ref: RequestRef, action: ActionRequest & { type: FollowUpType }, recorder: ActionRecorder): Promise<Applied> {
  const versionId = followUpRequestId(ref.requestId, action.id);
  const outcome = await ports.store.runTransaction(async (tx): Promise<ActionOutcome | { refused: ActionOutcome }> => {
    const original = (await tx.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data ?? null;
    const checked = checkFollowUp(ports.config, original, followUpSpecOf(action));
    if (!checked.ok) return { refused: { ok: false, code: checked.code, message: checked.message } };
    if (await tx.get(docPaths.videoRequest(ref.uid, versionId))) return { refused: { ok: true, message: 'This follow-up was already started.', versionRequestId: versionId } };
    const { options } = original!;
    const { spec } = checked;
    const followUp: DocData = {
      draftId: original!.draftId,
      options: {
        ...options,
        // The person decides what happens to a new version: it is never posted by itself.
        autoPost: false,
        ...(spec.resolution ? { resolution: spec.resolution } : {}),
        ...(spec.aspectRatio ? { aspectRatio: spec.aspectRatio } : {}),
        ...(spec.duration ? { duration: spec.duration } : {}),
      },
      followUpOf: ref.requestId,
      followUp: spec as unknown as DocData,
    };
    tx.create(docPaths.videoRequest(ref.uid, versionId), JSON.parse(JSON.stringify(followUp)) as DocData);
    const entry: VersionEntry = { requestId: versionId, type: spec.type, actionId: action.id, createdAt: isoNow(ports) };
    const started: ActionOutcome = { ok: true, message: `A new version is being made (request ${versionId}).`, versionRequestId: versionId };
    tx.update(docPaths.videoRequest(ref.uid, ref.requestId), {
      ...recorder.patch(started),
      versions: [...(original!.versions ?? []), entry] as unknown as DocData[],
    });
    recorder.write(tx, started);
    return started;
  });
  return 'refused' in outcome ? unchanged(outcome.refused) : changed(outcome);
}
