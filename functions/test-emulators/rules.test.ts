/**
 * Security rules, every allow and every deny (firestore.rules, storage.rules), with @firebase/rules-unit-testing
 * against the Firestore and Storage emulators. Runs only under `npm run test:emulators` (Java 21); type-checked
 * everywhere. Function triggers are disabled around each case so the pipeline does not touch the documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  withFunctionTriggersDisabled,
  type RulesTestContext,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';

const PROJECT = 'demo-draft2video';
const ROOT = join(__dirname, '..', '..');
const ALICE = 'alice';
const BOB = 'bob';
const CAROL = 'carol'; // follows alice

let env: RulesTestEnvironment;

beforeAll(async () => {
  env = await initializeTestEnvironment({
    projectId: PROJECT,
    firestore: { rules: readFileSync(join(ROOT, 'firestore.rules'), 'utf8') },
    storage: { rules: readFileSync(join(ROOT, 'storage.rules'), 'utf8') },
  });
});

afterAll(async () => {
  await env?.cleanup();
});

beforeEach(async () => {
  await withFunctionTriggersDisabled(async () => {
    await env.clearFirestore();
    await env.clearStorage();
    await env.withSecurityRulesDisabled(async (admin) => {
      const db = admin.firestore();
      await db.doc(`users/${ALICE}/followers/${CAROL}`).set({ followerUid: CAROL, since: '2025-01-01T00:00:00Z' });
      await db.doc(`users/${ALICE}/drafts/d1`).set({ id: 'd1', uid: ALICE, text: 'hello world' });
      await db.doc(`users/${ALICE}/videoRequests/existing`).set({
        draftId: 'd1',
        options: { model: 'ray-2' },
        uid: ALICE,
        requestId: 'existing',
        state: 'ready',
        progress: 1,
        transitionCount: 8,
      });
      await db.doc(`users/${ALICE}/videoRequests/existing/transitions/000000`).set({ n: 0, to: 'pending' });
      for (const visibility of ['public', 'followers', 'private'] as const) {
        await db.doc(`posts/p-${visibility}`).set({ postId: `p-${visibility}`, uid: ALICE, visibility, aiGenerated: true });
        await db.doc(`users/${ALICE}/profileVideos/v-${visibility}`).set({ id: `v-${visibility}`, uid: ALICE, visibility, aiGenerated: true });
      }
      await db.doc(`users/${ALICE}/scriptRequests/ready`).set({ uid: ALICE, requestId: 'ready', draftId: 'd1', duration: '5s', state: 'ready', script: readyScript });
      await db.doc(`users/${ALICE}/scriptRequests/writing`).set({ uid: ALICE, requestId: 'writing', draftId: 'd1', duration: '5s', state: 'pending' });
      await db.doc('stats/2025-01-01').set({ events: { total: 1 } });
      await db.doc('stats/2025-01-01/buckets/00-00').set({ events: 1 });
      await db.doc('ops/lumaQuota').set({ balanceHistory: [] });
      const bucket = admin.storage();
      const bytes = new Uint8Array([1, 2, 3]);
      for (const f of ['raw.mp4', 'video.enc', 'poster.jpg', 'keyframe.jpg']) {
        await bucket.ref(`users/${ALICE}/ai-videos/r1/${f}`).put(bytes, { contentType: 'application/octet-stream' });
      }
      await bucket.ref(`users/${ALICE}/uploads/ref.jpg`).put(bytes, { contentType: 'image/jpeg' });
    });
  });
});

/** Runs a rules assertion with the pipeline's triggers off. */
const quiet = <T>(fn: () => Promise<T>): Promise<T> => withFunctionTriggersDisabled(fn);
const as = (uid: string | null): RulesTestContext => (uid ? env.authenticatedContext(uid) : env.unauthenticatedContext());
const fs = (uid: string | null) => as(uid).firestore();
const st = (uid: string | null) => as(uid).storage();

const readyScript = {
  version: 1,
  uid: ALICE,
  draftId: 'd1',
  totalMs: 5000,
  moods: [],
  images: { referenceImages: [], characterImages: [] },
  scenes: [{ n: 1, durationMs: 5000, shot: 'single', description: 'hello world', camera: 'static' }],
};

const validRequest = {
  draftId: 'd1',
  options: { model: 'ray-2', aspectRatio: '9:16', resolution: '1080p', duration: '5s', loop: false, autoPost: true, visibility: 'followers', caption: 'hi', fresh: true },
};

// ---------------------------------------------------------------------------------------------------------------
describe('videoRequests: create', () => {
  it('allows the owner to create with draftId only', () => quiet(() => assertSucceeds(fs(ALICE).doc(`users/${ALICE}/videoRequests/r1`).set({ draftId: 'd1' }))));
  it('allows the owner to create with every client field', () =>
    quiet(() => assertSucceeds(fs(ALICE).doc(`users/${ALICE}/videoRequests/r2`).set({ ...validRequest, action: { id: 'a1', type: 'save' } }))));
  it('denies creating under another uid', () => quiet(() => assertFails(fs(BOB).doc(`users/${ALICE}/videoRequests/r3`).set({ draftId: 'd1' }))));
  it('denies signed-out clients', () => quiet(() => assertFails(fs(null).doc(`users/${ALICE}/videoRequests/r4`).set({ draftId: 'd1' }))));
  it('denies a missing draftId', () => quiet(() => assertFails(fs(ALICE).doc(`users/${ALICE}/videoRequests/r5`).set({ options: {} }))));
  it.each([
    ['state', { state: 'ready' }],
    ['progress', { progress: 1 }],
    ['error', { error: null }],
    ['luma', { luma: { generationId: 'g' } }],
    ['outputs', { outputs: { videoPath: 'x' } }],
    ['postId', { postId: 'p' }],
    ['uid', { uid: ALICE }],
    ['createdAt', { createdAt: '2025-01-01T00:00:00Z' }],
    ['lease', { lease: null }],
    ['transitionCount', { transitionCount: 0 }],
  ])('denies the server-owned field %s', (_f, extra) =>
    quiet(() => assertFails(fs(ALICE).doc(`users/${ALICE}/videoRequests/r6`).set({ draftId: 'd1', ...extra }))));
  it.each([
    ['a non-string draftId', { draftId: 42 }],
    ['a draftId with a slash', { draftId: 'a/b' }],
    ['an empty draftId', { draftId: '' }],
    ['a 129-char draftId', { draftId: 'x'.repeat(129) }],
    ['an unknown model', { draftId: 'd1', options: { model: 'ray-9' } }],
    ['an unknown aspect ratio', { draftId: 'd1', options: { aspectRatio: '2:1' } }],
    ['an unknown resolution', { draftId: 'd1', options: { resolution: '8k' } }],
    ['an unknown duration', { draftId: 'd1', options: { duration: '10s' } }],
    ['a non-bool loop', { draftId: 'd1', options: { loop: 'yes' } }],
    ['a non-bool autoPost', { draftId: 'd1', options: { autoPost: 1 } }],
    ['an unknown visibility', { draftId: 'd1', options: { visibility: 'friends' } }],
    ['a too-long caption', { draftId: 'd1', options: { caption: 'x'.repeat(2201) } }],
    ['a non-bool fresh', { draftId: 'd1', options: { fresh: 'yes' } }],
    ['an unknown option', { draftId: 'd1', options: { fps: 60 } }],
    ['options that are not a map', { draftId: 'd1', options: 'fast' }],
    ['an action without type', { draftId: 'd1', action: { id: 'a1' } }],
    ['an action of unknown type', { draftId: 'd1', action: { id: 'a1', type: 'publish' } }],
    ['an action with an unknown key', { draftId: 'd1', action: { id: 'a1', type: 'save', by: 'x' } }],
  ])('denies %s', (_label, data) => quiet(() => assertFails(fs(ALICE).doc(`users/${ALICE}/videoRequests/r7`).set(data))));
});

describe('videoRequests: read, update, delete', () => {
  const path = `users/${ALICE}/videoRequests/existing`;
  it('allows the owner to read', () => quiet(() => assertSucceeds(fs(ALICE).doc(path).get())));
  it('allows the owner to list their requests', () => quiet(() => assertSucceeds(fs(ALICE).collection(`users/${ALICE}/videoRequests`).get())));
  it('denies others to read', () => quiet(() => assertFails(fs(BOB).doc(path).get())));
  it('denies others to list', () => quiet(() => assertFails(fs(BOB).collection(`users/${ALICE}/videoRequests`).get())));
  it('allows the owner to set a valid action', () =>
    quiet(() => assertSucceeds(fs(ALICE).doc(path).update({ action: { id: 'a2', type: 'post', visibility: 'public', caption: 'x', requestedAt: '2025-01-01T00:00:00Z' } }))));
  it.each(['save', 'post', 'delete', 'retry', 'cancel'])('allows the action type %s', (type) =>
    quiet(() => assertSucceeds(fs(ALICE).doc(path).update({ action: { id: `a-${type}`, type } }))));
  it('denies an invalid action', () => quiet(() => assertFails(fs(ALICE).doc(path).update({ action: { id: 'a3', type: 'hack' } }))));
  it('denies changing anything but action', () => quiet(() => assertFails(fs(ALICE).doc(path).update({ state: 'posted' }))));
  it('denies changing action together with a server field', () =>
    quiet(() => assertFails(fs(ALICE).doc(path).update({ action: { id: 'a4', type: 'save' }, progress: 0.5 }))));
  it('denies changing client options after creation', () => quiet(() => assertFails(fs(ALICE).doc(path).update({ options: { model: 'ray-flash-2' } }))));
  it('denies others to set an action', () => quiet(() => assertFails(fs(BOB).doc(path).update({ action: { id: 'a5', type: 'delete' } }))));
  it('denies deleting the document (deletion is an action)', () => quiet(() => assertFails(fs(ALICE).doc(path).delete())));
});

describe('transitions', () => {
  const path = `users/${ALICE}/videoRequests/existing/transitions/000000`;
  it('allows the owner to read', () => quiet(() => assertSucceeds(fs(ALICE).doc(path).get())));
  it('denies others to read', () => quiet(() => assertFails(fs(BOB).doc(path).get())));
  it('denies the owner to write', () => quiet(() => assertFails(fs(ALICE).doc(`users/${ALICE}/videoRequests/existing/transitions/000001`).set({ n: 1 }))));
  it('denies the owner to change history', () => quiet(() => assertFails(fs(ALICE).doc(path).update({ to: 'posted' }))));
});

describe('action records and the content cache index', () => {
  const record = `users/${ALICE}/videoRequests/existing/actions/a1`;
  it('the owner reads the action records of a request; nobody writes them from a client', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc(record).get());
      await assertFails(fs(BOB).doc(record).get());
      await assertFails(fs(ALICE).doc(`users/${ALICE}/videoRequests/existing/actions/a2`).set({ id: 'a2', type: 'retry' }));
    }));
});

describe('drafts', () => {
  const path = `users/${ALICE}/drafts/d1`;
  it('allows the owner to read and write', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc(path).get());
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/drafts/d2`).set({ text: 'new' }));
      await assertSucceeds(fs(ALICE).doc(path).delete());
    }));
  it('denies others to read or write', () =>
    quiet(async () => {
      await assertFails(fs(BOB).doc(path).get());
      await assertFails(fs(BOB).doc(`users/${ALICE}/drafts/d3`).set({ text: 'x' }));
      await assertFails(fs(null).doc(path).get());
    }));
});

describe('posts', () => {
  it('public: any signed-in user reads; signed-out users do not', () =>
    quiet(async () => {
      await assertSucceeds(fs(BOB).doc('posts/p-public').get());
      await assertFails(fs(null).doc('posts/p-public').get());
    }));
  it('followers: the owner and followers read; others do not', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc('posts/p-followers').get());
      await assertSucceeds(fs(CAROL).doc('posts/p-followers').get());
      await assertFails(fs(BOB).doc('posts/p-followers').get());
    }));
  it('private: only the owner reads', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc('posts/p-private').get());
      await assertFails(fs(CAROL).doc('posts/p-private').get());
      await assertFails(fs(BOB).doc('posts/p-private').get());
    }));
  it('a feed query restricted to public posts is allowed', () =>
    quiet(() => assertSucceeds(fs(BOB).collection('posts').where('visibility', '==', 'public').get())));
  it('nobody writes posts from a client, not even the owner', () =>
    quiet(async () => {
      await assertFails(fs(ALICE).doc('posts/p-new').set({ uid: ALICE, visibility: 'public' }));
      await assertFails(fs(ALICE).doc('posts/p-public').update({ caption: 'x' }));
      await assertFails(fs(ALICE).doc('posts/p-public').delete());
    }));
});

describe('the feed and profile-grid queries the app runs (README, "Feed and profile grid")', () => {
  type FsQuery = ReturnType<ReturnType<ReturnType<typeof fs>['collection']>['where']>;
  const newest = (q: FsQuery) => q.orderBy('createdAt', 'desc').limit(20);
  it('F1 public posts: any signed-in user', () =>
    quiet(() => assertSucceeds(newest(fs(BOB).collection('posts').where('visibility', '==', 'public')).get())));
  it('F2 my own posts: the owner, not someone else', () =>
    quiet(async () => {
      await assertSucceeds(newest(fs(ALICE).collection('posts').where('uid', '==', ALICE)).get());
      await assertFails(newest(fs(BOB).collection('posts').where('uid', '==', ALICE)).get());
    }));
  it('F3 whom I follow (collection group on followerUid): my own entries only', () =>
    quiet(async () => {
      await assertSucceeds(fs(CAROL).collectionGroup('followers').where('followerUid', '==', CAROL).limit(300).get());
      await assertFails(fs(CAROL).collectionGroup('followers').where('followerUid', '==', BOB).limit(300).get());
      await assertFails(fs(CAROL).collectionGroup('followers').limit(300).get());
    }));
  it('F4 followers-only posts of accounts I follow: a follower, not anyone else', () =>
    quiet(async () => {
      await assertSucceeds(newest(fs(CAROL).collection('posts').where('visibility', '==', 'followers').where('uid', 'in', [ALICE])).get());
      await assertFails(newest(fs(BOB).collection('posts').where('visibility', '==', 'followers').where('uid', 'in', [ALICE])).get());
    }));
  it('P1–P3 a profile grid: everything for the owner, public+followers for a follower, public for others', () =>
    quiet(async () => {
      const grid = (uid: string) => fs(uid).collection(`users/${ALICE}/profileVideos`);
      await assertSucceeds(newest(grid(ALICE)).get());
      await assertSucceeds(newest(grid(CAROL).where('visibility', 'in', ['public', 'followers'])).get());
      await assertSucceeds(newest(grid(BOB).where('visibility', '==', 'public')).get());
      await assertFails(newest(grid(BOB).where('visibility', 'in', ['public', 'followers'])).get());
      await assertFails(newest(grid(CAROL)).get());
    }));
});

describe('profileVideos', () => {
  it('the owner reads every entry', () =>
    quiet(async () => {
      for (const v of ['public', 'followers', 'private']) await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/profileVideos/v-${v}`).get());
    }));
  it('others read public entries; followers also followers entries; nobody else private ones', () =>
    quiet(async () => {
      await assertSucceeds(fs(BOB).doc(`users/${ALICE}/profileVideos/v-public`).get());
      await assertFails(fs(BOB).doc(`users/${ALICE}/profileVideos/v-followers`).get());
      await assertSucceeds(fs(CAROL).doc(`users/${ALICE}/profileVideos/v-followers`).get());
      await assertFails(fs(CAROL).doc(`users/${ALICE}/profileVideos/v-private`).get());
      await assertFails(fs(null).doc(`users/${ALICE}/profileVideos/v-public`).get());
    }));
  it('nobody writes profile entries from a client', () =>
    quiet(() => assertFails(fs(ALICE).doc(`users/${ALICE}/profileVideos/v-new`).set({ visibility: 'public' }))));
});

describe('other documents', () => {
  it('user profile: owner reads, nobody writes', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}`).get());
      await assertFails(fs(BOB).doc(`users/${ALICE}`).get());
      await assertFails(fs(ALICE).doc(`users/${ALICE}`).set({ displayName: 'x' }));
    }));
  it('followers: owner and the follower read; nobody writes', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/followers/${CAROL}`).get());
      await assertSucceeds(fs(CAROL).doc(`users/${ALICE}/followers/${CAROL}`).get());
      await assertFails(fs(BOB).doc(`users/${ALICE}/followers/${CAROL}`).get());
      await assertFails(fs(BOB).doc(`users/${ALICE}/followers/${BOB}`).set({ since: 'now' }));
    }));
  it('stats and ops: no client access', () =>
    quiet(async () => {
      await assertFails(fs(ALICE).doc('stats/2025-01-01').get());
      await assertFails(fs(ALICE).doc('stats/2025-01-02').set({}));
      await assertFails(fs(ALICE).doc('stats/2025-01-01/buckets/00-00').get());
      await assertFails(fs(ALICE).doc('ops/lumaQuota').get());
      await assertFails(fs(ALICE).doc('ops/lumaQuota').set({}));
    }));
  it('scriptRequests: owner creates with client fields only and reads', () =>
    quiet(async () => {
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s1`).set({ draftId: 'd1' }));
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s1`).get());
      await assertFails(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s2`).set({ draftId: 'd1', state: 'done' }));
      await assertFails(fs(BOB).doc(`users/${ALICE}/scriptRequests/s3`).set({ draftId: 'd1' }));
      await assertSucceeds(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s4`).set({ draftId: 'd1', duration: '9s', shots: 2 }));
      await assertFails(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s5`).set({ draftId: 'd1', duration: '30m' }));
      await assertFails(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s6`).set({ draftId: 'd1', shots: 99 }));
      await assertFails(fs(ALICE).doc(`users/${ALICE}/scriptRequests/s1`).update({ draftId: 'd2' }));
    }));
  it('scriptRequests: the owner edits `script` of a ready request, keeping its owner and draft; nothing else', () =>
    quiet(async () => {
      const ready = `users/${ALICE}/scriptRequests/ready`;
      const edited = { ...readyScript, totalMs: 3000, scenes: [{ ...readyScript.scenes[0], durationMs: 3000, description: 'a gull lands' }] };
      await assertSucceeds(fs(ALICE).doc(ready).update({ script: edited }));
      await assertFails(fs(BOB).doc(ready).update({ script: { ...edited, uid: BOB } }));
      await assertFails(fs(ALICE).doc(ready).update({ script: edited, state: 'pending' }));
      await assertFails(fs(ALICE).doc(ready).update({ draftId: 'd2' }));
      await assertFails(fs(ALICE).doc(ready).update({ script: { ...edited, uid: BOB } }));
      await assertFails(fs(ALICE).doc(ready).update({ script: { ...edited, draftId: 'd2' } }));
      await assertFails(fs(ALICE).doc(ready).update({ script: { ...edited, scenes: [] } }));
      await assertFails(fs(ALICE).doc(ready).update({ script: 'a script' }));
      await assertFails(fs(ALICE).doc(`users/${ALICE}/scriptRequests/writing`).update({ script: edited }));
      await assertFails(fs(ALICE).doc(ready).delete());
    }));
  it('unknown collections are denied', () => quiet(() => assertFails(fs(ALICE).doc('anything/x').get())));
});

// ---------------------------------------------------------------------------------------------------------------
describe('storage: uploads', () => {
  const small = new Uint8Array(1024);
  it.each(['image/jpeg', 'image/png', 'image/webp', 'image/heic'])('allows the owner to upload %s', (contentType) =>
    quiet(() => assertSucceeds(st(ALICE).ref(`users/${ALICE}/uploads/a-${contentType.split('/')[1]}`).put(small, { contentType }).then(() => undefined))));
  it('allows nested folders under uploads', () =>
    quiet(() => assertSucceeds(st(ALICE).ref(`users/${ALICE}/uploads/drafts/d1/ref.jpg`).put(small, { contentType: 'image/jpeg' }).then(() => undefined))));
  it('denies other content types', () =>
    quiet(async () => {
      for (const contentType of ['video/mp4', 'image/gif', 'text/html', 'application/octet-stream']) {
        await assertFails(st(ALICE).ref(`users/${ALICE}/uploads/x`).put(small, { contentType }).then(() => undefined));
      }
    }));
  it('denies images over 10 MB and allows exactly 10 MB', () =>
    quiet(async () => {
      await assertSucceeds(st(ALICE).ref(`users/${ALICE}/uploads/ten.jpg`).put(new Uint8Array(10 * 1024 * 1024), { contentType: 'image/jpeg' }).then(() => undefined));
      await assertFails(st(ALICE).ref(`users/${ALICE}/uploads/big.jpg`).put(new Uint8Array(10 * 1024 * 1024 + 1), { contentType: 'image/jpeg' }).then(() => undefined));
    }));
  it('denies uploads into another user’s folder', () =>
    quiet(() => assertFails(st(BOB).ref(`users/${ALICE}/uploads/x.jpg`).put(small, { contentType: 'image/jpeg' }).then(() => undefined))));
  it('owner reads and deletes uploads; others do neither', () =>
    quiet(async () => {
      await assertSucceeds(st(ALICE).ref(`users/${ALICE}/uploads/ref.jpg`).getMetadata());
      await assertFails(st(BOB).ref(`users/${ALICE}/uploads/ref.jpg`).getMetadata());
      await assertFails(st(BOB).ref(`users/${ALICE}/uploads/ref.jpg`).delete());
      await assertSucceeds(st(ALICE).ref(`users/${ALICE}/uploads/ref.jpg`).delete());
    }));
  it('denies writes outside users/{uid}/uploads', () =>
    quiet(() => assertFails(st(ALICE).ref(`users/${ALICE}/other/x.jpg`).put(small, { contentType: 'image/jpeg' }).then(() => undefined))));
});

describe('storage: ai-videos', () => {
  const base = `users/${ALICE}/ai-videos/r1`;
  it('the owner reads video.enc and poster.jpg', () =>
    quiet(async () => {
      await assertSucceeds(st(ALICE).ref(`${base}/video.enc`).getMetadata());
      await assertSucceeds(st(ALICE).ref(`${base}/poster.jpg`).getMetadata());
    }));
  it('raw.mp4 (and anything else) is never client-readable, not even by the owner', () =>
    quiet(async () => {
      await assertFails(st(ALICE).ref(`${base}/raw.mp4`).getMetadata());
      await assertFails(st(ALICE).ref(`${base}/keyframe.jpg`).getMetadata());
    }));
  it('other users read nothing there (playback goes through a function)', () =>
    quiet(async () => {
      for (const f of ['video.enc', 'poster.jpg', 'raw.mp4']) await assertFails(st(CAROL).ref(`${base}/${f}`).getMetadata());
    }));
  it('nobody writes or deletes there from a client', () =>
    quiet(async () => {
      const bytes = new Uint8Array(10);
      await assertFails(st(ALICE).ref(`${base}/raw.mp4`).put(bytes, { contentType: 'video/mp4' }).then(() => undefined));
      await assertFails(st(ALICE).ref(`${base}/video.enc`).put(bytes, { contentType: 'application/octet-stream' }).then(() => undefined));
      await assertFails(st(ALICE).ref(`${base}/poster.jpg`).put(bytes, { contentType: 'image/jpeg' }).then(() => undefined));
      await assertFails(st(ALICE).ref(`${base}/nested/x.jpg`).put(bytes, { contentType: 'image/jpeg' }).then(() => undefined));
      await assertFails(st(ALICE).ref(`${base}/video.enc`).delete());
    }));
});
