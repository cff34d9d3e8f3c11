/**
 * What a viewer gets for a feed post and a profile-grid entry: the document without its storage paths and
 * encryption fields (a client plays through the playback routes, never the objects), plus the routes that play
 * it. Both runtimes' listings (packages/core/src/playback/listing.ts) and the client SDK's Firebase transport,
 * which reads the same documents with its own queries, build items with these functions, so they cannot differ.
 */
import type { Post, ProfileVideo } from './models';

/** Playback routes (relative to the API's or the `videoPlayback` function's base URL); append `/link` for a signed URL. */
export interface MediaLinks {
  video: string;
  poster: string;
}

export interface FeedItem {
  postId: string;
  uid: string;
  requestId: string;
  caption: string;
  visibility: Post['visibility'];
  durationMs: number;
  width: number;
  height: number;
  aiGenerated: true;
  source: Post['source'];
  createdAt: string;
  links: MediaLinks;
}

export interface ProfileGridItem {
  id: string;
  uid: string;
  requestId: string;
  postId: string | null;
  durationMs: number;
  visibility: ProfileVideo['visibility'];
  /** The grid's "AI" badge. */
  aiGenerated: true;
  createdAt: string;
  /** Through the post when there is one (its audience), else the owner's request routes; null if neither applies. */
  links: MediaLinks | null;
}

export const postLinks = (postId: string): MediaLinks => ({ video: `/v1/posts/${postId}/video`, poster: `/v1/posts/${postId}/poster` });
export const requestLinks = (requestId: string): MediaLinks => ({ video: `/v1/requests/${requestId}/video`, poster: `/v1/requests/${requestId}/poster` });

export function feedItemOf(post: Post): FeedItem {
  return {
    postId: post.postId,
    uid: post.uid,
    requestId: post.requestId,
    caption: post.caption,
    visibility: post.visibility,
    durationMs: post.durationMs,
    width: post.width,
    height: post.height,
    aiGenerated: post.aiGenerated,
    source: post.source,
    createdAt: post.createdAt,
    links: postLinks(post.postId),
  };
}

export function gridItemOf(entry: ProfileVideo, callerIsOwner: boolean): ProfileGridItem {
  return {
    id: entry.id,
    uid: entry.uid,
    requestId: entry.requestId,
    postId: entry.postId,
    durationMs: entry.durationMs,
    visibility: entry.visibility,
    aiGenerated: entry.aiGenerated,
    createdAt: entry.createdAt,
    links: entry.postId ? postLinks(entry.postId) : callerIsOwner ? requestLinks(entry.requestId) : null,
  };
}
