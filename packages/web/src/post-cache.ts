import type { FeedItem, ProfileGridItem } from '@d2v/client';

/**
 * Posts this viewer has seen in a list (the feed, a grid), so that opening one shows its caption and author at
 * once: there is no "read one post" route — the post page plays through the playback routes, which decide access
 * themselves. Kept per viewer, so switching users never shows one person what another could see.
 */
const seen = new Map<string, FeedItem | ProfileGridItem>();

export function rememberPosts(viewer: string, items: readonly (FeedItem | ProfileGridItem)[]): void {
  for (const item of items) if (item.postId) seen.set(`${viewer}/${item.postId}`, item);
}

export function rememberedPost(viewer: string, postId: string): FeedItem | ProfileGridItem | undefined {
  return seen.get(`${viewer}/${postId}`);
}
