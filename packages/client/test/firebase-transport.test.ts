/**
 * The Firebase transport's calls into the Firebase JS SDK, with the SDK mocked at its boundary (FAKE: the
 * Firestore/Storage emulators need Java 21, absent here, so nothing runs end to end; the Firestore fake below
 * answers queries from a few documents by their `where`/`orderBy`/`limit`). What is checked: the documents it
 * addresses, that it writes exactly the payloads of firebase-writes.ts, the feed's and grid's queries and merge,
 * how it maps snapshots and Firebase errors. The rules themselves run only in `npm run test:emulators`; the
 * playback calls run over real HTTP in firebase-playback.test.ts.
 */
// `var` and function declarations: jest.mock factories are hoisted above everything else in this file.
/* eslint-disable no-var */
var calls: { fn: string; args: unknown[] }[] = [];
function record(fn: string, answer?: (...args: any[]) => unknown) {
  return (...args: unknown[]) => {
    calls.push({ fn, args });
    return answer ? answer(...args) : undefined;
  };
}
var signedIn: { uid: string; getIdToken(): Promise<string> } | null = null;
var snapshotListeners: { path: string; next: (snap: unknown) => void; error: (e: unknown) => void }[] = [];
var failNextWith: unknown = null;
function maybeFail<T>(value: T) {
  if (failNextWith) {
    const e = failNextWith;
    failNextWith = null;
    return Promise.reject(e);
  }
  return Promise.resolve(value);
}

jest.mock('firebase/auth', () => ({ getAuth: () => ({ get currentUser() { return signedIn; } }) }));

/** FAKE Firestore documents for the feed and grid queries (posts by demo-user, followed by other-user). */
var posts: Record<string, unknown>[] = [];
var gridEntries: Record<string, unknown>[] = [];
var following: string[] = [];
type Constraint = { where?: [string, string, unknown]; orderBy?: string; dir?: string; limit?: number };
function runQuery(rows: Record<string, unknown>[], constraints: Constraint[]) {
  let out = rows.filter((row) =>
    constraints.every(({ where: w }) => {
      if (!w) return true;
      const [field, op, value] = w;
      const v = row[field];
      if (op === '==') return v === value;
      if (op === 'in') return (value as unknown[]).includes(v);
      if (op === '<=') return String(v) <= String(value);
      throw new Error(`op ${op}`);
    }),
  );
  const order = constraints.find((c) => c.orderBy);
  if (order) out = [...out].sort((a, b) => (String(a[order.orderBy!]) < String(b[order.orderBy!]) ? 1 : -1));
  const n = constraints.find((c) => c.limit !== undefined)?.limit;
  return n === undefined ? out : out.slice(0, n);
}
jest.mock('firebase/firestore', () => ({
  getFirestore: () => ({}),
  collection: (_db: unknown, path: string) => ({ path, constraints: [] }),
  collectionGroup: (_db: unknown, id: string) => ({ path: id, group: true, constraints: [] }),
  doc: (parent: { path?: string }, path?: string) => (path ? { path } : { path: `${parent.path}/generated-id`, id: 'generated-id' }),
  query: (ref: { path: string; group?: boolean; constraints?: unknown[] }, ...constraints: unknown[]) => ({ ...ref, constraints: [...(ref.constraints ?? []), ...constraints] }),
  orderBy: (field: string, dir: string) => ({ orderBy: field, dir }),
  limit: (n: number) => ({ limit: n }),
  where: (field: string, op: string, value: unknown) => ({ where: [field, op, value] }),
  setDoc: record('setDoc', () => maybeFail(undefined)),
  updateDoc: record('updateDoc', () => maybeFail(undefined)),
  getDoc: record('getDoc', (ref: { path: string }) =>
    maybeFail({
      exists: () => ref.path.endsWith('/r1') || ref.path.endsWith('/s1') || following.some((owner) => ref.path === `users/${owner}/followers/demo-user`),
      id: 'r1',
      data: () => (ref.path.includes('scriptRequests') ? { requestId: 's1', state: 'ready', script: { version: 1 } } : { requestId: 'r1', state: 'ready' }),
    }),
  ),
  getDocs: record('getDocs', (q: { path: string; group?: boolean; constraints: Constraint[] }) => {
    if (q.group) return maybeFail({ docs: following.map((owner) => ({ ref: { parent: { parent: { id: owner } } }, data: () => ({ followerUid: 'demo-user' }) })) });
    if (q.path === 'posts') return maybeFail({ docs: runQuery(posts, q.constraints).map((p) => ({ id: p.postId, data: () => p })) });
    if (q.path.endsWith('/profileVideos')) return maybeFail({ docs: runQuery(gridEntries, q.constraints).map((p) => ({ id: p.id, data: () => p })) });
    return maybeFail({ docs: [{ id: 'a', data: () => ({ requestId: 'a', createdAt: '2026-01-02' }) }, { id: 'b', data: () => ({ requestId: 'b', parentRequestId: 'a', createdAt: '2026-01-01' }) }] });
  }),
  onSnapshot: (ref: { path: string }, next: (s: unknown) => void, error: (e: unknown) => void) => {
    snapshotListeners.push({ path: ref.path, next, error });
    return () => (snapshotListeners = snapshotListeners.filter((l) => l.path !== ref.path));
  },
}));
jest.mock('firebase/storage', () => ({
  getStorage: () => ({}),
  ref: (_s: unknown, path: string) => ({ path }),
  uploadBytesResumable: record('uploadBytesResumable', (_ref: unknown, data: Blob) => {
    const task = Promise.resolve({ metadata: { size: data.size } }) as Promise<unknown> & { on: (event: unknown, progress: (s: unknown) => void) => void };
    task.on = (_event: unknown, progress: (s: unknown) => void) => progress({ bytesTransferred: data.size, totalBytes: data.size });
    return task;
  }),
}));
import { createFirebaseClient } from '../src/firebase';
import { D2vError, actionWrite, newRequestWrite, scriptEditWrite, type Script } from '../src';

/** Answers every playback call like videoPlayback's `/link` would (FAKE fetch: the real one runs in firebase-playback.test.ts). */
const fetched: { url: string; authorization?: string }[] = [];
const fakeFetch = (async (url: string, init?: RequestInit) => {
  fetched.push({ url, authorization: (init?.headers as Record<string, string> | undefined)?.authorization });
  return new Response(JSON.stringify({ url: `https://signed.example/${fetched.length}`, expiresAt: '2030-01-01T00:00:00.000Z' }), { headers: { 'content-type': 'application/json' } });
}) as typeof fetch;
const client = createFirebaseClient({ app: { options: { projectId: 'demo-proj' } } as never, functionsRegion: 'europe-west1', fetch: fakeFetch });

const post = (postId: string, uid: string, visibility: string, createdAt: string) => ({
  postId, uid, visibility, createdAt, requestId: postId.replace(/^ai_/, ''), type: 'video', caption: '', durationMs: 5000, width: 960, height: 540,
  aiGenerated: true, source: 'luma', videoPath: `users/${uid}/ai-videos/x/video.enc`, posterPath: `users/${uid}/ai-videos/x/poster.jpg`, encryption: { keyId: 'k' },
});
beforeEach(() => {
  calls.length = 0;
  fetched.length = 0;
  signedIn = { uid: 'demo-user', getIdToken: async () => 'id-token-of-demo-user' };
  snapshotListeners = [];
  following = ['alice'];
  posts = [
    post('ai_pub', 'bob', 'public', '2026-01-05T00:00:00.000Z'),
    post('ai_mine', 'demo-user', 'private', '2026-01-04T00:00:00.000Z'),
    post('ai_alice_f', 'alice', 'followers', '2026-01-04T00:00:00.000Z'),
    post('ai_bob_f', 'bob', 'followers', '2026-01-03T00:00:00.000Z'),
    post('ai_bob_private', 'bob', 'private', '2026-01-02T00:00:00.000Z'),
    post('ai_mine_pub', 'demo-user', 'public', '2026-01-01T00:00:00.000Z'),
  ];
  gridEntries = ['public', 'followers', 'private'].map((visibility, i) => ({
    id: `ai_v${i}`, uid: 'alice', requestId: `v${i}`, postId: visibility === 'private' ? null : `ai_v${i}`, visibility, aiGenerated: true,
    durationMs: 5000, createdAt: `2026-01-0${i + 1}T00:00:00.000Z`, videoPath: 'x', posterPath: 'y',
  }));
});

describe('Firebase transport (SDK mocked: no Firestore emulator here)', () => {
  it('creates a request at users/{uid}/videoRequests/{id} with exactly the client fields', async () => {
    const input = { draftId: 'demo-sunrise', options: { resolution: '540p' as const } };
    const { requestId } = await client.createRequest(input);
    expect(requestId).toBe('generated-id');
    expect(calls).toEqual([{ fn: 'setDoc', args: [{ path: 'users/demo-user/videoRequests/generated-id' }, newRequestWrite(input)] }]);
  });

  it('writes an action as an update of `action` only', async () => {
    const { actionId } = await client.requestAction('r1', { type: 'post', visibility: 'private', caption: 'hi', id: 'tap-1' });
    expect(actionId).toBe('tap-1');
    const [call] = calls;
    expect(call!.fn).toBe('updateDoc');
    expect(call!.args[0]).toEqual({ path: 'users/demo-user/videoRequests/r1' });
    const update = call!.args[1] as { action: { requestedAt: string } };
    expect(update).toEqual(actionWrite({ type: 'post', visibility: 'private', caption: 'hi' }, 'tap-1', update.action.requestedAt));
  });

  it('follows the request document and its transitions with onSnapshot, and stops both', () => {
    const docs: unknown[] = [];
    const logs: unknown[] = [];
    const stop = client.watchRequest('r1', { onRequest: (d) => docs.push(d), onTransitions: (t) => logs.push(t) });
    expect(snapshotListeners.map((l) => l.path)).toEqual(['users/demo-user/videoRequests/r1', 'users/demo-user/videoRequests/r1/transitions']);
    snapshotListeners[0]!.next({ exists: () => true, data: () => ({ state: 'dreaming', progress: 0.3 }) });
    snapshotListeners[1]!.next({ docs: [{ data: () => ({ n: 0, to: 'pending' }) }] });
    expect(docs).toEqual([{ state: 'dreaming', progress: 0.3 }]);
    expect(logs).toEqual([[{ n: 0, to: 'pending' }]]);
    stop();
    expect(snapshotListeners).toEqual([]);
  });

  it('maps Firebase errors and a missing user to catalog codes', async () => {
    failNextWith = { code: 'permission-denied', message: 'Missing or insufficient permissions.' };
    await expect(client.getRequest('r1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(client.getRequest('other')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const errors: D2vError[] = [];
    client.watchRequest('r1', { onRequest: () => undefined, onError: (e) => errors.push(e) });
    snapshotListeners[0]!.error({ code: 'unavailable' });
    expect(errors.map((e) => e.code)).toEqual(['NETWORK']);
    signedIn = null;
    await expect(client.listDrafts()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(client.stats()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('lists requests newest first without the shots of multi-shot videos', async () => {
    expect((await client.listRequests()).map((r) => r.requestId)).toEqual(['a']);
  });

  it('the feed: public ∪ mine ∪ followers-only of whom I follow, merged newest first, as items without storage fields', async () => {
    const page = await client.feed({ limit: 3 });
    // bob's followers-only and private posts are not asked for (demo-user follows alice only).
    expect(page.items.map((i) => i.postId)).toEqual(['ai_pub', 'ai_mine', 'ai_alice_f']);
    expect(page.items[0]).toEqual({
      postId: 'ai_pub', uid: 'bob', requestId: 'pub', caption: '', visibility: 'public', durationMs: 5000, width: 960, height: 540, aiGenerated: true,
      source: 'luma', createdAt: '2026-01-05T00:00:00.000Z', links: { video: '/v1/posts/ai_pub/video', poster: '/v1/posts/ai_pub/poster' },
    });
    const queries = calls.filter((c) => c.fn === 'getDocs').map((c) => c.args[0] as { path: string; group?: boolean; constraints: Constraint[] });
    const wheres = queries.map((q) => q.constraints.filter((c) => c.where).map((c) => c.where));
    expect(wheres).toEqual([
      [['followerUid', '==', 'demo-user']],
      [['visibility', '==', 'public']],
      [['uid', '==', 'demo-user']],
      [['visibility', '==', 'followers'], ['uid', 'in', ['alice']]],
    ]);
    expect(queries.slice(1).every((q) => q.constraints.some((c) => c.orderBy === 'createdAt' && c.dir === 'desc'))).toBe(true);

    // The next page starts at the last instant shown, without repeating or skipping the post that shares it.
    calls.length = 0;
    const next = await client.feed({ limit: 3, cursor: page.nextCursor });
    expect(next.items.map((i) => i.postId)).toEqual(['ai_mine_pub']);
    expect(next.nextCursor).toBeNull();
    const cursorWhere = (calls.find((c) => c.fn === 'getDocs' && (c.args[0] as { path: string }).path === 'posts')!.args[0] as { constraints: Constraint[] }).constraints;
    expect(cursorWhere).toContainEqual({ where: ['createdAt', '<=', '2026-01-04T00:00:00.000Z'] });
    await expect(client.feed({ cursor: '%%%' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('a profile grid: everything for its owner, public + followers for a follower, public for anyone else', async () => {
    const visible = async (uid: string) => (await client.profileVideos(uid)).items.map((i) => i.visibility);
    expect(await visible('alice')).toEqual(['followers', 'public']);
    following = [];
    expect(await visible('alice')).toEqual(['public']);
    signedIn = { uid: 'alice', getIdToken: async () => 't' };
    const own = (await client.profileVideos('alice')).items;
    expect(own.map((i) => i.visibility)).toEqual(['private', 'followers', 'public']);
    // An unposted entry plays through the owner's request routes; nobody else gets links for it.
    expect(own[0]!.links).toEqual({ video: '/v1/requests/v2/video', poster: '/v1/requests/v2/poster' });
    expect(own[0]).not.toHaveProperty('videoPath');
  });

  it('plays through videoPlayback: `/link` with the ID token as a bearer, at the function’s URL', async () => {
    await expect(client.openMedia('r1', 'video')).resolves.toEqual({ url: 'https://signed.example/1', contentType: 'video/mp4', expiresAt: '2030-01-01T00:00:00.000Z' });
    await expect(client.openPostMedia('ai_r1', 'poster')).resolves.toMatchObject({ url: 'https://signed.example/2', contentType: 'image/jpeg' });
    const base = 'https://europe-west1-demo-proj.cloudfunctions.net/videoPlayback';
    expect(fetched).toEqual([
      { url: `${base}/v1/requests/r1/video/link`, authorization: 'Bearer id-token-of-demo-user' },
      { url: `${base}/v1/posts/ai_r1/poster/link`, authorization: 'Bearer id-token-of-demo-user' },
    ]);
    signedIn = null;
    await expect(client.openPostMedia('ai_r1', 'video')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(client.openPostMedia('../x', 'video')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('saves a script edit as an update of `script` only', async () => {
    const script = { version: 1, uid: 'demo-user', draftId: 'd1', totalMs: 3000, moods: [], images: { referenceImages: [], characterImages: [] }, scenes: [{ n: 1, durationMs: 3000, shot: 'single', description: 'x', camera: 'static' }] } as Script;
    await expect(client.updateScript('s1', script)).resolves.toMatchObject({ state: 'ready' });
    expect(calls[0]).toEqual({ fn: 'updateDoc', args: [{ path: 'users/demo-user/scriptRequests/s1' }, scriptEditWrite('demo-user', script)] });
    await expect(client.updateScript('s1', { ...script, uid: 'someone-else' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('uploads to the owner’s uploads folder', async () => {
    const progress: number[] = [];
    const uploaded = await client.uploadImage(new Blob([new Uint8Array(10)], { type: 'image/png' }), 'ref-1.png', (f) => progress.push(f));
    expect(uploaded).toEqual({ path: 'users/demo-user/uploads/ref-1.png', bytes: 10, contentType: 'image/png' });
    expect(progress).toEqual([1]);
    await expect(client.uploadImage(new Blob(['x'], { type: 'text/plain' }), 'notes.txt')).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
  });
});
