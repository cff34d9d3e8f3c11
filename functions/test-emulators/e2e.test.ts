/**
 * One request end to end on the full emulator suite: a client writes a request document to the Firestore
 * emulator; the deployed bundle running in the Functions emulator takes it from there (onVideoRequestCreated →
 * Tasks emulator → submitTask → the Luma simulator → lumaWebhook/pollTask → downloadTask → Storage emulator →
 * onRawVideoFinalized) until the request is `posted`. Runs only under `npm run test:emulators` (Java 21, with
 * the simulator started by scripts/test-emulators.sh); type-checked everywhere.
 */
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { getStorage } from 'firebase-admin/storage';
import { blobPaths, docPaths, PIPELINE_METADATA_KEY, transitionsOfLog, type TransitionLogDoc } from '@d2v/schema';

jest.setTimeout(240_000);

const PROJECT = 'demo-draft2video';
const UID = 'demo-user';
const DRAFT = 'e2e-harbour';

let app: App;
let db: Firestore;

beforeAll(() => {
  app = initializeApp({ projectId: PROJECT, storageBucket: `${PROJECT}.appspot.com` }, 'e2e');
  db = getFirestore(app);
});
afterAll(async () => {
  await deleteApp(app);
});

async function waitFor(requestId: string, states: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const snap = await db.doc(docPaths.videoRequest(UID, requestId)).get();
    const data = snap.data() ?? {};
    if (states.includes(String(data.state))) return data;
    if (Date.now() > until) throw new Error(`request ${requestId} is ${String(data.state)} (wanted ${states.join('|')}): ${JSON.stringify(data.error ?? null)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it('a draft becomes a posted, encrypted AI video', async () => {
  // Written here rather than relied on from the seed: the rules suite clears Firestore between its cases.
  await db.doc(docPaths.draft(UID, DRAFT)).set({
    id: DRAFT,
    uid: UID,
    title: 'Harbour at dawn',
    text: 'A quiet fishing harbour at sunrise. Gulls circle above wooden boats while mist lifts off the water.',
    style: 'cinematic',
  });
  const requestId = `e2e-${Date.now().toString(36)}`;
  await db.doc(docPaths.videoRequest(UID, requestId)).create({
    draftId: DRAFT,
    options: { model: 'ray-flash-2', resolution: '540p', duration: '5s', aspectRatio: '16:9', autoPost: true, visibility: 'public' },
  });
  const done = await waitFor(requestId, ['posted', 'failed'], 200_000);
  expect(done.error ?? null).toBeNull();
  expect(done.state).toBe('posted');

  const bucket = getStorage(app).bucket();
  const [encMeta] = await bucket.file(blobPaths.encryptedVideo(UID, requestId)).getMetadata();
  expect(encMeta.metadata?.[PIPELINE_METADATA_KEY]).toBe('true');
  const [posterExists] = await bucket.file(blobPaths.poster(UID, requestId)).exists();
  expect(posterExists).toBe(true);
  const post = await db.doc(docPaths.post(String(done.postId))).get();
  expect(post.data()).toMatchObject({ uid: UID, requestId, aiGenerated: true, visibility: 'public' });
  const transitions = await db.collection(docPaths.transitions(UID, requestId)).orderBy('n').get();
  expect(transitionsOfLog(transitions.docs.map((d) => d.data() as TransitionLogDoc)).map((t) => t.to)).toEqual(
    expect.arrayContaining(['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted']),
  );
});
