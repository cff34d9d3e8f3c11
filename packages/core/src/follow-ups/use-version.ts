/**
 * `useVersion` on an original (issue #13): its post (and profile entry) show a follow-up's video from now on. The
 * original request and its own files stay as they are — choosing the original again is `useVersion` with the
 * original's own id. Keeping both is simply posting the version itself (`post` on the follow-up).
 */
import { docPaths, type Post, type VideoRequest } from '@d2v/schema';
import type { DocData, Ports } from '../ports';
import type { RequestRef } from '../request-doc';
import { changed, unchanged, type ActionOutcome, type ActionRecorder, type Applied } from '../steps/action-record';
import { postIdFor, profileVideoIdFor } from '../steps/posting';

export async function useVersion(ports: Ports, ref: RequestRef, versionRequestId: string | undefined, recorder: ActionRecorder): Promise<Applied> {
  if (!versionRequestId) return unchanged({ ok: false, code: 'VERSION_NOT_FOUND', message: 'Say which version the post should show (versionRequestId).' });
  const outcome = await ports.store.runTransaction(async (tx): Promise<ActionOutcome | { refused: ActionOutcome }> => {
    const original = (await tx.get<VideoRequest>(docPaths.videoRequest(ref.uid, ref.requestId)))?.data;
    const isOriginal = versionRequestId === ref.requestId;
    const listed = isOriginal || (original?.versions ?? []).some((v) => v.requestId === versionRequestId);
    const version = isOriginal ? original : listed ? (await tx.get<VideoRequest>(docPaths.videoRequest(ref.uid, versionRequestId)))?.data : undefined;
    const postPath = docPaths.post(postIdFor(ref.requestId));
    const post = (await tx.get<Post>(postPath))?.data;
    if (!original || original.state !== 'posted' || !post) {
      return { refused: { ok: false, code: 'ACTION_NOT_ALLOWED', message: 'Only a posted video’s post can show another version; to keep both, post the version itself.' } };
    }
    if (!version?.outputs || (version.state !== 'ready' && version.state !== 'posted')) {
      return { refused: { ok: false, code: 'VERSION_NOT_FOUND', message: `Version ${versionRequestId} is not a ready version of this video.` } };
    }
    const out = version.outputs;
    const media = { videoPath: out.videoPath, posterPath: out.posterPath, durationMs: out.durationMs, width: out.width, height: out.height, encryption: out.encryption };
    tx.update(postPath, media as unknown as DocData);
    tx.update(docPaths.profileVideo(ref.uid, profileVideoIdFor(ref.requestId)), { videoPath: out.videoPath, posterPath: out.posterPath, durationMs: out.durationMs });
    const done: ActionOutcome = { ok: true, message: isOriginal ? 'The post shows the original video again.' : `The post shows version ${versionRequestId} now.`, versionRequestId };
    tx.update(docPaths.videoRequest(ref.uid, ref.requestId), { ...recorder.patch(done), postVersionRequestId: isOriginal ? null : versionRequestId } as DocData);
    recorder.write(tx, done);
    return done;
  });
  return 'refused' in outcome ? unchanged(outcome.refused) : changed(outcome);
}

/** A version whose video a post shows cannot be deleted (the post would lose its video): the reason, or null. */
export async function versionInUse(ports: Ports, doc: VideoRequest): Promise<string | null> {
  if (!doc.followUpOf) return null;
  const original = (await ports.store.get<VideoRequest>(docPaths.videoRequest(doc.uid, doc.followUpOf)))?.data;
  return original?.postVersionRequestId === doc.requestId && original.state === 'posted'
    ? `The post of ${doc.followUpOf} shows this version; choose another version for it (useVersion) before deleting this one.`
    : null;
}
