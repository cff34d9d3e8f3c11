/**
 * The feed and profile grid on Firebase: the app's own Firestore queries (README, "Feed and profile grid"), the
 * very ones the local stack's listing runs (packages/core/src/playback/listing.ts) and that firestore.rules can
 * prove allowed, each with its index in firestore.indexes.json:
 *   feed  F1 posts where visibility == 'public'  ∪  F2 posts where uid == me  ∪
 *         F4 posts where visibility == 'followers' and uid in (≤ 30 of F3: followers where followerUid == me)
 *   grid  P1 everything (the owner) · P2 visibility in [public, followers] (a follower) · P3 visibility == public
 * merged newest first (paging.ts). Items are the same as the local API's (@d2v/schema feedItemOf/gridItemOf).
 */
import {
  collection,
  collectionGroup,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  where,
  type Firestore,
  type Query,
  type QueryConstraint,
} from 'firebase/firestore';
import { docPaths, feedItemOf, gridItemOf, type FeedItem, type Post, type ProfileGridItem, type ProfileVideo } from '@d2v/schema';
import { decodeListCursor, mergeNewestFirst, perSourceLimit, type ListCursor } from './paging';
import type { Page, PageOptions } from './types';

export const DEFAULT_PAGE_SIZE = 20;
/** Accounts whose followers-only posts the feed looks at, 30 per `in` query (the server's MAX_FOLLOWED). */
const MAX_FOLLOWED = 300;
const IN_LIMIT = 30;

export interface FirestoreListing {
  feed(opts: PageOptions): Promise<Page<FeedItem>>;
  profileVideos(ownerUid: string, opts: PageOptions): Promise<Page<ProfileGridItem>>;
}

export function createFirestoreListing(db: Firestore, me: () => string): FirestoreListing {
  /** One page's worth of each source, from the cursor's instant on. */
  async function fetchSources<T>(sources: Query[], size: number, cursor: ListCursor | null): Promise<T[][]> {
    const page: QueryConstraint[] = [
      ...(cursor ? [where('createdAt', '<=', cursor.t)] : []),
      orderBy('createdAt', 'desc'),
      limit(perSourceLimit(size, cursor)),
    ];
    const snaps = await Promise.all(sources.map((q) => getDocs(query(q, ...page))));
    return snaps.map((s) => s.docs.map((d) => d.data() as T));
  }

  /** F3: the owners of my follower entries (`users/{owner}/followers/{me}`). */
  async function followedOwners(uid: string): Promise<string[]> {
    const snaps = await getDocs(query(collectionGroup(db, 'followers'), where('followerUid', '==', uid), limit(MAX_FOLLOWED)));
    const owners = snaps.docs.map((d) => d.ref.parent.parent?.id).filter((owner): owner is string => Boolean(owner) && owner !== uid);
    return [...new Set(owners)];
  }

  return {
    async feed(opts) {
      const uid = me();
      const size = opts.limit ?? DEFAULT_PAGE_SIZE;
      const cursor = decodeListCursor(opts.cursor);
      const posts = collection(db, docPaths.posts());
      const sources: Query[] = [query(posts, where('visibility', '==', 'public')), query(posts, where('uid', '==', uid))];
      const owners = await followedOwners(uid);
      for (let at = 0; at < owners.length; at += IN_LIMIT) {
        sources.push(query(posts, where('visibility', '==', 'followers'), where('uid', 'in', owners.slice(at, at + IN_LIMIT))));
      }
      const page = mergeNewestFirst(await fetchSources<Post>(sources, size, cursor), (p) => p.postId, size, cursor);
      return { items: page.items.map(feedItemOf), nextCursor: page.nextCursor };
    },

    async profileVideos(ownerUid, opts) {
      const uid = me();
      const size = opts.limit ?? DEFAULT_PAGE_SIZE;
      const cursor = decodeListCursor(opts.cursor);
      const grid = collection(db, docPaths.profileVideos(ownerUid));
      const mine = ownerUid === uid;
      let source: Query = grid;
      if (!mine) {
        const follows = (await getDoc(doc(db, docPaths.follower(ownerUid, uid)))).exists();
        source = follows ? query(grid, where('visibility', 'in', ['public', 'followers'])) : query(grid, where('visibility', '==', 'public'));
      }
      const page = mergeNewestFirst(await fetchSources<ProfileVideo>([source], size, cursor), (v) => v.id, size, cursor);
      return { items: page.items.map((v) => gridItemOf(v, mine)), nextCursor: page.nextCursor };
    },
  };
}
