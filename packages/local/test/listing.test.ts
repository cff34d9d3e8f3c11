/**
 * The feed and profile-grid listings (@d2v/core playback/listing.ts, paging.ts) over the real SQLite document
 * store: who sees which posts, newest first, and cursors that neither skip nor repeat — also when many posts
 * share one millisecond and when pages cut through those ties.
 */
import { docPaths, type Post, type ProfileVideo, type Visibility } from '@d2v/schema';
import { createListing, decodeCursor, encodeCursor, parseLimit, PlaybackError, type Listing, type Page } from '@d2v/core';
import { SqliteDocumentStore } from '../src/adapters';
import { tempWorkspace, type TempWorkspace } from './adapters/helpers';

const ENCRYPTION = { scheme: 'd2v-aes256gcm-stream-v1', keyId: 'k', wrappedKey: 'w', segmentSize: 65536, plaintextBytes: 10 };

function post(postId: string, uid: string, visibility: Visibility, createdAt: string): Post {
  return {
    postId, uid, type: 'video', caption: postId, visibility, videoPath: `users/${uid}/ai-videos/${postId}/video.enc`,
    posterPath: `users/${uid}/ai-videos/${postId}/poster.jpg`, durationMs: 5000, width: 960, height: 540,
    encryption: ENCRYPTION, aiGenerated: true, source: 'luma', requestId: postId, createdAt,
  };
}

let ws: TempWorkspace;
let store: SqliteDocumentStore;
let listing: Listing;
const all: Post[] = [];

beforeAll(async () => {
  ws = tempWorkspace();
  store = new SqliteDocumentStore({ db: ws.openDb() });
  listing = createListing(store);
  // alice's followers: bob. carol follows nobody. dave follows alice too but has nothing of his own.
  const owners = ['alice', 'bob', 'carol'];
  const visibilities: Visibility[] = ['public', 'followers', 'private'];
  let n = 0;
  for (let i = 0; i < 45; i++) {
    // Every third post shares its millisecond with the previous ones: ties across sources and page boundaries.
    const ms = Math.floor(i / 3);
    const createdAt = new Date(Date.parse('2025-03-01T00:00:00Z') + ms).toISOString();
    all.push(post(`p${String(n++).padStart(3, '0')}`, owners[i % 3]!, visibilities[Math.floor(i / 3) % 3]!, createdAt));
  }
  await store.runTransaction(async (tx) => {
    for (const p of all) tx.set(docPaths.post(p.postId), p as unknown as Record<string, unknown>);
    tx.set(docPaths.follower('alice', 'bob'), { followerUid: 'bob', since: '2025-01-01T00:00:00Z' });
    tx.set(docPaths.follower('alice', 'dave'), { followerUid: 'dave', since: '2025-01-01T00:00:00Z' });
    tx.set(docPaths.follower('bob', 'carol-not'), { followerUid: 'carol-not', since: '2025-01-01T00:00:00Z' });
  });
});
afterAll(() => ws.dispose());

const maySee = (viewer: string, p: Post): boolean =>
  p.uid === viewer || p.visibility === 'public' || (p.visibility === 'followers' && p.uid === 'alice' && ['bob', 'dave'].includes(viewer));
const newestFirst = (a: Post, b: Post) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.postId < b.postId ? 1 : -1);

async function walk<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    if (pages > 200) throw new Error('the cursor does not advance');
  } while (cursor);
  return { items, pages };
}

describe('feed', () => {
  it.each(['alice', 'bob', 'carol', 'dave', 'nobody'])('shows %s exactly the posts they may see, newest first', async (viewer) => {
    const page = await listing.feed(viewer, { limit: 50, cursor: null });
    const expected = all.filter((p) => maySee(viewer, p)).sort(newestFirst).map((p) => p.postId);
    expect(expected.length).toBeLessThanOrEqual(50);
    expect(page.items.map((i) => i.postId)).toEqual(expected);
    expect(page.nextCursor).toBeNull();
  });

  it.each([1, 2, 3, 4, 7])('pages of %d walk the whole feed with no gap and no repeat, ties included', async (limit) => {
    for (const viewer of ['bob', 'carol']) {
      const { items, pages } = await walk((c) => listing.feed(viewer, { limit, cursor: decodeCursor(c ?? undefined) }));
      const expected = all.filter((p) => maySee(viewer, p)).sort(newestFirst).map((p) => p.postId);
      expect(items.map((i) => i.postId)).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
    }
  });

  it('items carry the AI marker and playback links, never storage paths or keys', async () => {
    const [item] = (await listing.feed('carol', { limit: 1, cursor: null })).items;
    expect(item).toMatchObject({ aiGenerated: true, source: 'luma', links: { video: `/v1/posts/${item!.postId}/video`, poster: `/v1/posts/${item!.postId}/poster` } });
    expect(JSON.stringify(item)).not.toMatch(/encryption|wrappedKey|videoPath|posterPath/);
  });
});

describe('profile grid', () => {
  beforeAll(async () => {
    const entries: ProfileVideo[] = [
      { id: 'g1', uid: 'alice', requestId: 'g1', postId: 'ai_g1', posterPath: 'x', videoPath: 'y', durationMs: 5000, visibility: 'public', aiGenerated: true, createdAt: '2025-04-01T00:00:01.000Z' },
      { id: 'g2', uid: 'alice', requestId: 'g2', postId: 'ai_g2', posterPath: 'x', videoPath: 'y', durationMs: 5000, visibility: 'followers', aiGenerated: true, createdAt: '2025-04-01T00:00:02.000Z' },
      { id: 'g3', uid: 'alice', requestId: 'g3', postId: null, posterPath: 'x', videoPath: 'y', durationMs: 5000, visibility: 'private', aiGenerated: true, createdAt: '2025-04-01T00:00:03.000Z' },
      { id: 'g4', uid: 'alice', requestId: 'g4', postId: 'ai_g4', posterPath: 'x', videoPath: 'y', durationMs: 5000, visibility: 'private', aiGenerated: true, createdAt: '2025-04-01T00:00:03.000Z' },
    ];
    await store.runTransaction(async (tx) => {
      for (const e of entries) tx.set(docPaths.profileVideo('alice', e.id), e as unknown as Record<string, unknown>);
    });
  });

  it.each([
    ['alice', ['g4', 'g3', 'g2', 'g1']],
    ['bob', ['g2', 'g1']],
    ['carol', ['g1']],
  ])('shows %s what they may see of alice’s grid', async (viewer, ids) => {
    const page = await listing.profileVideos(viewer, 'alice', { limit: 20, cursor: null });
    expect(page.items.map((i) => i.id)).toEqual(ids);
    for (const item of page.items) expect(item.aiGenerated).toBe(true);
  });

  it('links through the post when there is one, through the owner’s request otherwise', async () => {
    const page = await listing.profileVideos('alice', 'alice', { limit: 20, cursor: null });
    expect(page.items.find((i) => i.id === 'g3')!.links).toEqual({ video: '/v1/requests/g3/video', poster: '/v1/requests/g3/poster' });
    expect(page.items.find((i) => i.id === 'g1')!.links).toEqual({ video: '/v1/posts/ai_g1/video', poster: '/v1/posts/ai_g1/poster' });
  });

  it('pages through ties (g3 and g4 share their instant)', async () => {
    const { items } = await walk((c) => listing.profileVideos('alice', 'alice', { limit: 1, cursor: decodeCursor(c ?? undefined) }));
    expect(items.map((i) => i.id)).toEqual(['g4', 'g3', 'g2', 'g1']);
  });

  it('an unknown profile is an empty grid', async () => {
    expect(await listing.profileVideos('carol', 'nobody-here', { limit: 20, cursor: null })).toEqual({ items: [], nextCursor: null });
  });
});

describe('cursor and limit parsing', () => {
  it('round-trips a cursor and refuses anything it did not make', () => {
    const cursor = { t: '2025-03-01T00:00:00.004Z', ids: ['p001'] };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
    for (const bad of ['%%%', 'e30', Buffer.from('{"t":"yesterday","ids":[]}').toString('base64url'), Buffer.from('[1]').toString('base64url'), 'x'.repeat(30_000)]) {
      expect(() => decodeCursor(bad)).toThrow(PlaybackError);
      try {
        decodeCursor(bad);
      } catch (e) {
        expect((e as PlaybackError).code).toBe('INVALID_CURSOR');
      }
    }
  });

  it('takes limits from 1 to 50', () => {
    expect(parseLimit(undefined)).toBe(20);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('50')).toBe(50);
    for (const bad of ['0', '51', '-1', '2.5', 'ten', '1e1', '0x10']) expect(() => parseLimit(bad)).toThrow(/limit must be/);
  });
});
