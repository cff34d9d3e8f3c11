/**
 * Who may watch what — the same decision the Firestore rules make for the documents (firestore.rules,
 * `inAudience`), made here for the bytes:
 *   - a request's video and poster: its owner, from `ready` on (posted included), never once `deleted`;
 *   - a post's: `public` → anyone signed in; `followers` → the owner or a follower
 *     (`users/{owner}/followers/{uid}` exists); `private` → the owner.
 * Anyone else gets exactly the answer a missing post gets, so a private post's existence never shows.
 */
import { docPaths, type EncryptionInfo, type Post, type VideoRequest, type Visibility } from '@d2v/schema';
import type { DocumentStore } from '../ports';
import { PlaybackError } from './errors';

/** What playback needs to know about a video the caller may see. */
export interface PlayableVideo {
  ownerUid: string;
  requestId: string;
  /** Names the downloaded file (`<name>.mp4`): the id the caller asked for. */
  name: string;
  videoPath: string;
  posterPath: string;
  encryption: EncryptionInfo;
  /** The Luma model that made it, when known (analytics group playback by model). */
  model?: string;
}

const PLAYABLE_STATES: readonly string[] = ['ready', 'posted'];

/** The caller's own request, if it has something to watch. */
export async function ownerVideo(store: DocumentStore, uid: string, requestId: string): Promise<PlayableVideo> {
  const doc = (await store.get<VideoRequest>(docPaths.videoRequest(uid, requestId)))?.data;
  if (!doc) throw new PlaybackError('NOT_FOUND', `Request ${requestId} does not exist.`);
  if (doc.state === 'deleted') throw new PlaybackError('DELETED', 'This video was deleted.');
  if (doc.state === 'cancelled') throw new PlaybackError('CANCELLED', 'This video was cancelled before it was finished.');
  if (!PLAYABLE_STATES.includes(doc.state) || !doc.outputs) {
    throw new PlaybackError('NOT_READY', `The video is ${doc.state ?? 'pending'}, not ready yet.`);
  }
  const { videoPath, posterPath, encryption } = doc.outputs;
  return { ownerUid: uid, requestId, name: requestId, videoPath, posterPath, encryption, model: doc.options?.model };
}

export async function isFollower(store: DocumentStore, ownerUid: string, uid: string): Promise<boolean> {
  return (await store.get(docPaths.follower(ownerUid, uid))) !== null;
}

/** May `uid` see something `ownerUid` published with `visibility`? (firestore.rules `inAudience`.) */
export async function inAudience(store: DocumentStore, uid: string, ownerUid: string, visibility: Visibility): Promise<boolean> {
  if (uid === ownerUid || visibility === 'public') return true;
  if (visibility === 'followers') return isFollower(store, ownerUid, uid);
  return false;
}

/** A post the caller is in the audience of; anything else is "no such post". */
export async function audienceVideo(store: DocumentStore, uid: string, postId: string): Promise<PlayableVideo> {
  const notFound = new PlaybackError('NOT_FOUND', `Post ${postId} does not exist.`);
  const post = (await store.get<Post>(docPaths.post(postId)))?.data;
  // Deleting a video deletes its post in the same transaction, so a deleted post is a missing one.
  if (!post || typeof post.uid !== 'string' || !post.encryption) throw notFound;
  if (!(await inAudience(store, uid, post.uid, post.visibility))) throw notFound;
  return {
    ownerUid: post.uid,
    requestId: post.requestId,
    name: postId,
    videoPath: post.videoPath,
    posterPath: post.posterPath,
    encryption: post.encryption,
  };
}
