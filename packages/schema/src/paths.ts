/**
 * The id rule (uids, request ids, draft ids, post ids…): what `IdSchema` checks, as plain data so that code which
 * must not load zod (the Firebase functions' cold start) applies the very same rule.
 */
export const ID_MAX_LENGTH = 128;
export const ID_CHARS_RE = /^[A-Za-z0-9_-]+$/;
export const ID_RULE_TEXT = 'ids are 1 to 128 letters, digits, "_" or "-"';

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= ID_MAX_LENGTH && ID_CHARS_RE.test(value);
}

/**
 * Where things live. Firestore document paths and Storage object paths, identical in Firebase and in the
 * local stack (which stores documents under the same path strings).
 */
export const docPaths = {
  user: (uid: string) => `users/${uid}`,
  drafts: (uid: string) => `users/${uid}/drafts`,
  draft: (uid: string, draftId: string) => `users/${uid}/drafts/${draftId}`,
  videoRequests: (uid: string) => `users/${uid}/videoRequests`,
  videoRequest: (uid: string, requestId: string) => `users/${uid}/videoRequests/${requestId}`,
  transitions: (uid: string, requestId: string) => `users/${uid}/videoRequests/${requestId}/transitions`,
  /** Zero-padded so that lexical order is numeric order in any store. */
  transition: (uid: string, requestId: string, n: number) =>
    `users/${uid}/videoRequests/${requestId}/transitions/${String(n).padStart(6, '0')}`,
  /** One record per applied action id (see ActionRecordSchema). */
  actionRecord: (uid: string, requestId: string, actionId: string) => `users/${uid}/videoRequests/${requestId}/actions/${actionId}`,
  /** The person's quota usage: requests in flight and admissions of the last 24 h (see QuotaUsageSchema). */
  quotaUsage: (uid: string) => `users/${uid}/quota/usage`,
  /** The owner's notifications (issue #13): one per request and outcome, created if absent. */
  notifications: (uid: string) => `users/${uid}/notifications`,
  notification: (uid: string, id: string) => `users/${uid}/notifications/${id}`,
  /** FCM registration tokens of the owner's devices (the token is the document id). */
  devices: (uid: string) => `users/${uid}/devices`,
  device: (uid: string, token: string) => `users/${uid}/devices/${token}`,
  scriptRequest: (uid: string, id: string) => `users/${uid}/scriptRequests/${id}`,
  posts: () => 'posts',
  post: (postId: string) => `posts/${postId}`,
  /** Who follows `ownerUid` (maintained by the app's backend): the audience of their `followers` posts. */
  followers: (ownerUid: string) => `users/${ownerUid}/followers`,
  follower: (ownerUid: string, followerUid: string) => `users/${ownerUid}/followers/${followerUid}`,
  profileVideos: (uid: string) => `users/${uid}/profileVideos`,
  profileVideo: (uid: string, id: string) => `users/${uid}/profileVideos/${id}`,
  stats: (day: string) => `stats/${day}`,
} as const;

/** Document path patterns that triggers listen on (Firestore wildcard syntax). */
export const docPatterns = {
  videoRequest: 'users/{uid}/videoRequests/{requestId}',
  scriptRequest: 'users/{uid}/scriptRequests/{requestId}',
} as const;

export const blobPaths = {
  aiVideoFolder: (uid: string, requestId: string) => `users/${uid}/ai-videos/${requestId}`,
  rawVideo: (uid: string, requestId: string) => `users/${uid}/ai-videos/${requestId}/raw.mp4`,
  encryptedVideo: (uid: string, requestId: string) => `users/${uid}/ai-videos/${requestId}/video.enc`,
  poster: (uid: string, requestId: string) => `users/${uid}/ai-videos/${requestId}/poster.jpg`,
  keyframe: (uid: string, requestId: string) => `users/${uid}/ai-videos/${requestId}/keyframe.jpg`,
  userUploads: (uid: string) => `users/${uid}/uploads`,
} as const;

const RAW_VIDEO_RE = /^users\/([A-Za-z0-9_-]+)\/ai-videos\/([A-Za-z0-9_-]+)\/raw\.mp4$/;

/** The Storage trigger's path filter: only a raw Luma download starts processing. */
export function parseRawVideoPath(path: string): { uid: string; requestId: string } | null {
  const m = RAW_VIDEO_RE.exec(path);
  return m ? { uid: m[1]!, requestId: m[2]! } : null;
}

const REQUEST_DOC_RE = /^users\/([A-Za-z0-9_-]+)\/videoRequests\/([A-Za-z0-9_-]+)$/;
export function parseVideoRequestPath(path: string): { uid: string; requestId: string } | null {
  const m = REQUEST_DOC_RE.exec(path);
  return m ? { uid: m[1]!, requestId: m[2]! } : null;
}

/** True when `path` is inside the owner's own Storage folder (reference images must be). */
export function isOwnedBlobPath(uid: string, path: string): boolean {
  if (path.includes('..') || path.includes('//') || path.startsWith('/')) return false;
  return path.startsWith(`users/${uid}/`);
}

/** Custom metadata key that marks objects the pipeline wrote itself (the Storage trigger's loop guard). */
export const PIPELINE_METADATA_KEY = 'd2vGenerated';
