/**
 * The feed and a profile's video grid, filtered by what the caller may see — as Firestore queries over the
 * DocumentStore port, the very queries the app runs itself on Firebase (README, "Feed and profile grid"; each
 * has its index in firestore.indexes.json, and each is one the security rules can prove allowed):
 *
 *   feed, newest first, merged and de-duplicated:
 *     F1 posts where visibility == 'public'                          order by createdAt desc
 *     F2 posts where uid == <me>                                     order by createdAt desc   (my own, any visibility)
 *     F3 followers (collection group) where followerUid == <me>     → the accounts I follow (at most MAX_FOLLOWED)
 *     F4 posts where visibility == 'followers' and uid in <30 of them> order by createdAt desc  (one per 30)
 *   profile grid of <owner>:
 *     P1 users/<owner>/profileVideos                                order by createdAt desc   (the owner: everything)
 *     P2 … where visibility in ['public','followers']               order by createdAt desc   (a follower)
 *     P3 … where visibility == 'public'                             order by createdAt desc   (anyone else)
 *
 * Items leave out storage paths and encryption fields: a client plays through the links, never the objects. Their
 * shapes and builders live in @d2v/schema (listing.ts), shared with the client SDK.
 */
import { docPaths, feedItemOf, gridItemOf, type FeedItem, type Post, type ProfileGridItem, type ProfileVideo } from '@d2v/schema';
import type { DocSnapshot, DocumentStore, Query } from '../ports';
import { isFollower } from './access';
import { pageOf, type Page, type PageCursor } from './paging';

/** Accounts whose followers-only posts the feed looks at (10 `in` queries of 30); a fan-out timeline beyond that. */
export const MAX_FOLLOWED = 300;
const IN_LIMIT = 30;

export { postLinks, requestLinks, type FeedItem, type MediaLinks, type ProfileGridItem } from '@d2v/schema';

/** The owners `uid` follows (F3): `users/{owner}/followers/{uid}` documents carry `followerUid` for this query. */
export async function followedOwners(store: DocumentStore, uid: string): Promise<string[]> {
  const snaps = await store.query({ collection: 'followers', group: true, where: [{ field: 'followerUid', op: '==', value: uid }], limit: MAX_FOLLOWED });
  const owners = snaps.map((s) => s.path.split('/')[1]!).filter((owner) => owner && owner !== uid);
  return [...new Set(owners)];
}

/** F1, F2 and one F4 per 30 followed accounts (what the app runs, too). */
export async function feedQueries(store: DocumentStore, uid: string): Promise<Query[]> {
  const posts = docPaths.posts();
  const queries: Query[] = [
    { collection: posts, where: [{ field: 'visibility', op: '==', value: 'public' }] },
    { collection: posts, where: [{ field: 'uid', op: '==', value: uid }] },
  ];
  const owners = await followedOwners(store, uid);
  for (let at = 0; at < owners.length; at += IN_LIMIT) {
    queries.push({
      collection: posts,
      where: [
        { field: 'visibility', op: '==', value: 'followers' },
        { field: 'uid', op: 'in', value: owners.slice(at, at + IN_LIMIT) },
      ],
    });
  }
  return queries;
}

/** P1, P2 or P3, by who is asking. */
export async function profileQuery(store: DocumentStore, uid: string, ownerUid: string): Promise<Query> {
  const collection = docPaths.profileVideos(ownerUid);
  if (uid === ownerUid) return { collection };
  if (await isFollower(store, ownerUid, uid)) return { collection, where: [{ field: 'visibility', op: 'in', value: ['public', 'followers'] }] };
  return { collection, where: [{ field: 'visibility', op: '==', value: 'public' }] };
}

export interface PageRequest {
  limit: number;
  cursor: PageCursor | null;
}

export interface Listing {
  feed(uid: string, page: PageRequest): Promise<Page<FeedItem>>;
  profileVideos(uid: string, ownerUid: string, page: PageRequest): Promise<Page<ProfileGridItem>>;
}

export function createListing(store: DocumentStore): Listing {
  return {
    async feed(uid, page) {
      const result = await pageOf<Post>(store, await feedQueries(store, uid), (s: DocSnapshot<Post>) => s.id, page);
      return { items: result.items.map((s) => feedItemOf(s.data)), nextCursor: result.nextCursor };
    },
    async profileVideos(uid, ownerUid, page) {
      const result = await pageOf<ProfileVideo>(store, [await profileQuery(store, uid, ownerUid)], (s) => s.id, page);
      return { items: result.items.map((s) => gridItemOf(s.data, uid === ownerUid)), nextCursor: result.nextCursor };
    },
  };
}
