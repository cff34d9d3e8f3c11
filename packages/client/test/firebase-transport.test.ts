/**
 * The Firebase transport's calls into the Firebase JS SDK, with the SDK mocked at its boundary (FAKE: the
 * Firestore/Storage emulators need Java 21, absent here, so nothing runs end to end). What is checked: the
 * documents it addresses, that it writes exactly the payloads of firebase-writes.ts, how it maps snapshots and
 * Firebase errors. The rules themselves run only in `npm run test:emulators`.
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
var signedIn: { uid: string } | null = { uid: 'demo-user' };
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
jest.mock('firebase/firestore', () => ({
  getFirestore: () => ({}),
  collection: (_db: unknown, path: string) => ({ path }),
  doc: (parent: { path?: string }, path?: string) => (path ? { path } : { path: `${parent.path}/generated-id`, id: 'generated-id' }),
  query: (ref: { path: string }, ...constraints: unknown[]) => ({ path: ref.path, constraints }),
  orderBy: (field: string, dir: string) => ({ orderBy: field, dir }),
  limit: (n: number) => ({ limit: n }),
  where: (field: string, op: string, value: unknown) => ({ where: [field, op, value] }),
  startAfter: (v: unknown) => ({ startAfter: v }),
  setDoc: record('setDoc', () => maybeFail(undefined)),
  updateDoc: record('updateDoc', () => maybeFail(undefined)),
  getDoc: record('getDoc', (ref: { path: string }) => maybeFail({ exists: () => ref.path.endsWith('/r1'), id: 'r1', data: () => ({ requestId: 'r1', state: 'ready' }) })),
  getDocs: record('getDocs', () => maybeFail({ docs: [{ id: 'a', data: () => ({ requestId: 'a', createdAt: '2026-01-02' }) }, { id: 'b', data: () => ({ requestId: 'b', parentRequestId: 'a', createdAt: '2026-01-01' }) }] })),
  onSnapshot: (ref: { path: string }, next: (s: unknown) => void, error: (e: unknown) => void) => {
    snapshotListeners.push({ path: ref.path, next, error });
    return () => (snapshotListeners = snapshotListeners.filter((l) => l.path !== ref.path));
  },
}));
jest.mock('firebase/storage', () => ({
  getStorage: () => ({}),
  ref: (_s: unknown, path: string) => ({ path }),
  getDownloadURL: record('getDownloadURL', (ref: { path: string }) => Promise.resolve(`https://storage.example/${ref.path}`)),
  uploadBytesResumable: record('uploadBytesResumable', (_ref: unknown, data: Blob) => {
    const task = Promise.resolve({ metadata: { size: data.size } }) as Promise<unknown> & { on: (event: unknown, progress: (s: unknown) => void) => void };
    task.on = (_event: unknown, progress: (s: unknown) => void) => progress({ bytesTransferred: data.size, totalBytes: data.size });
    return task;
  }),
}));
jest.mock('firebase/functions', () => ({
  getFunctions: () => ({}),
  httpsCallable: (_f: unknown, name: string) => record(`callable:${name}`, (input: { file: string }) => Promise.resolve({ data: { url: `https://play.example/${input.file}` } })),
}));

import { createFirebaseClient } from '../src/firebase';
import { D2vError, actionWrite, newRequestWrite } from '../src';

const client = createFirebaseClient({ app: {} as never });
beforeEach(() => {
  calls.length = 0;
  signedIn = { uid: 'demo-user' };
  snapshotListeners = [];
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

  it('lists requests newest first without the shots of multi-shot videos; the feed asks only for public posts', async () => {
    expect((await client.listRequests()).map((r) => r.requestId)).toEqual(['a']);
    await client.feed({ limit: 2, cursor: '2026-01-03' });
    const feedQuery = calls.at(-1)!.args[0] as { path: string; constraints: unknown[] };
    expect(feedQuery).toEqual({ path: 'posts', constraints: [{ where: ['visibility', '==', 'public'] }, { orderBy: 'createdAt', dir: 'desc' }, { startAfter: '2026-01-03' }, { limit: 2 }] });
    await client.profileVideos('other-user');
    expect((calls.at(-1)!.args[0] as { constraints: unknown[] }).constraints[0]).toEqual({ where: ['visibility', '==', 'public'] });
  });

  it('plays through the playback callable, posters from Storage, uploads to the owner’s uploads folder', async () => {
    await expect(client.openMedia('r1', 'video')).resolves.toMatchObject({ url: 'https://play.example/video' });
    await expect(client.openPostMedia('ai_r1', 'video')).resolves.toMatchObject({ url: 'https://play.example/video' });
    expect(calls.filter((c) => c.fn === 'callable:playback').map((c) => c.args[0])).toEqual([{ requestId: 'r1', file: 'video' }, { postId: 'ai_r1', file: 'video' }]);
    const progress: number[] = [];
    const uploaded = await client.uploadImage(new Blob([new Uint8Array(10)], { type: 'image/png' }), 'ref-1.png', (f) => progress.push(f));
    expect(uploaded).toEqual({ path: 'users/demo-user/uploads/ref-1.png', bytes: 10, contentType: 'image/png' });
    expect(progress).toEqual([1]);
    await expect(client.uploadImage(new Blob(['x'], { type: 'text/plain' }), 'notes.txt')).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
  });
});
