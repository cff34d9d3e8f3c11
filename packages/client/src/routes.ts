import { IdSchema } from '@d2v/schema';
import { D2vError } from './errors';

/**
 * The local stack's client API, one place (packages/local/src/server.ts); the playback routes are also the
 * `videoPlayback` function's, under its base URL (packages/core/src/playback/http.ts). Every id is checked against the id
 * rule before it goes into a path: an id that cannot exist is refused here (INVALID_REQUEST), never sent as
 * another route or as a path the server cannot read.
 */
function seg(id: string): string {
  if (!IdSchema.safeParse(id).success) throw new D2vError('INVALID_REQUEST', `"${id}" is not a valid id: ids are 1–128 letters, digits, "_" or "-".`);
  return encodeURIComponent(id);
}

export const routes = {
  drafts: () => '/v1/drafts',
  requests: () => '/v1/requests',
  request: (id: string) => `/v1/requests/${seg(id)}`,
  transitions: (id: string) => `/v1/requests/${seg(id)}/transitions`,
  live: (id: string) => `/v1/requests/${seg(id)}/live`,
  actions: (id: string) => `/v1/requests/${seg(id)}/actions`,
  versions: (id: string) => `/v1/requests/${seg(id)}/versions`,
  notifications: () => '/v1/notifications',
  notificationsRead: () => '/v1/notifications/read',
  devices: () => '/v1/devices',
  /** Owner playback, decrypted; `?download=1` adds Content-Disposition: attachment; `+ '/link'` a signed link. */
  video: (id: string, download = false) => `/v1/requests/${seg(id)}/video${download ? '?download=1' : ''}`,
  poster: (id: string) => `/v1/requests/${seg(id)}/poster`,
  scripts: () => '/v1/scripts',
  /** GET the script request; PUT `{script}` to save an edit. */
  script: (id: string) => `/v1/scripts/${seg(id)}`,
  credits: (days?: number) => (days === undefined ? '/v1/credits' : `/v1/credits?days=${days}`),
  stats: (since?: string) => (since ? `/v1/stats?since=${encodeURIComponent(since)}` : '/v1/stats'),
  // Audience playback (a post's audience; `+ '/link'` for a signed link), the feed and profile grids.
  postVideo: (postId: string) => `/v1/posts/${seg(postId)}/video`,
  postPoster: (postId: string) => `/v1/posts/${seg(postId)}/poster`,
  feed: (query: string) => `/v1/feed${query}`,
  profileVideos: (uid: string, query: string) => `/v1/users/${seg(uid)}/profile-videos${query}`,
} as const;

/** `?limit=&cursor=` with only what is set. */
export function pageQuery(options: { limit?: number; cursor?: string | null } = {}): string {
  const params = new URLSearchParams();
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  if (options.cursor) params.set('cursor', options.cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}
