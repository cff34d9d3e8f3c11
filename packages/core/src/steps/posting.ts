import { docPaths, type Post, type ProfileVideo, type VideoRequest, type Visibility } from '@d2v/schema';
import { logs } from '../logs';
import type { DocData, Ports, Transaction } from '../ports';
import type { RequestRef } from '../request-doc';
import { transition, type TransitionActor, type TransitionSpec } from '../transition';

/** A request has one post at most: its id is derived from the request, so a duplicate post is the same doc. */
export function postIdFor(requestId: string): string {
  return `ai_${requestId}`;
}

export function profileVideoIdFor(requestId: string): string {
  return requestId;
}

export function buildProfileVideo(doc: VideoRequest, visibility: Visibility, postId: string | null, at: string): ProfileVideo {
  const out = doc.outputs!;
  return {
    id: profileVideoIdFor(doc.requestId),
    uid: doc.uid,
    requestId: doc.requestId,
    postId,
    posterPath: out.posterPath,
    videoPath: out.videoPath,
    durationMs: out.durationMs,
    visibility,
    aiGenerated: true,
    createdAt: at,
  };
}

export interface PostOptions {
  by: TransitionActor;
  visibility?: Visibility;
  caption?: string;
  reason: string;
  /** More request fields written with the transition (a client action records its outcome here). */
  alsoPatch?: DocData;
  /** More documents written with the transition (a client action's record). */
  alsoWrite?: (tx: Transaction) => void;
}

/**
 * ready → posted, creating the feed post and the profile-grid entry in the same transaction, so a post
 * never exists for a request that is not `posted` and vice versa.
 */
export async function postVideo(ports: Ports, ref: RequestRef, opts: PostOptions): Promise<boolean> {
  const moved = await transition(ports, ref, postTransition(ports, ref, opts));
  if (moved.applied) ports.log.info({ ...ref, postId: postIdFor(ref.requestId) }, logs.posted);
  return moved.applied;
}

/** The ready → posted transition itself (also chained after processing → ready for an auto-post). */
export function postTransition(ports: Ports, ref: RequestRef, opts: PostOptions): TransitionSpec {
  const postId = postIdFor(ref.requestId);
  return {
    from: ['ready'],
    to: 'posted',
    by: opts.by,
    reason: opts.reason,
    patch: () => ({ ...opts.alsoPatch, postId, profileVideoId: profileVideoIdFor(ref.requestId) }),
    alsoWrite: (tx, next) => {
      opts.alsoWrite?.(tx);
      const out = next.outputs!;
      const visibility = opts.visibility ?? next.options.visibility;
      const post: Post = {
        postId,
        uid: ref.uid,
        type: 'video',
        caption: opts.caption ?? next.options.caption ?? next.draftSnapshot?.title ?? ports.config.defaultCaption,
        visibility,
        videoPath: out.videoPath,
        posterPath: out.posterPath,
        durationMs: out.durationMs,
        width: out.width,
        height: out.height,
        encryption: out.encryption,
        aiGenerated: true,
        source: 'luma',
        requestId: ref.requestId,
        createdAt: next.updatedAt,
      };
      tx.set(docPaths.post(postId), post as unknown as DocData);
      tx.set(
        docPaths.profileVideo(ref.uid, profileVideoIdFor(ref.requestId)),
        buildProfileVideo(next, visibility, postId, next.updatedAt) as unknown as DocData,
      );
    },
  };
}
