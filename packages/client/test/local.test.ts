import { STATE_MACHINE, VIDEO_STATES, type Transition } from '@d2v/schema';
import type { LocalStack } from '@d2v/local';
import { startTestStack } from '../../local/test/helpers';
import { createLocalClient, D2vError, type D2vClient, type RequestDoc } from '../src';

/**
 * The SDK's local transport over real HTTP against a real local stack (SQLite, ffmpeg, crypto, the Luma
 * simulator): every call, the live follow (SSE, re-opened after actions) and the errors, as `{code, message}`.
 */
let stack: LocalStack;
let cleanup: () => Promise<void>;
let client: D2vClient;
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

beforeAll(async () => {
  ({ stack, cleanup } = await startTestStack({ webAppDir: false }));
  client = createLocalClient({ baseUrl: stack.url, token: 'demo-token', uid: 'demo-user' });
});
afterAll(() => cleanup?.());

async function rejection(work: Promise<unknown>): Promise<D2vError> {
  try {
    await work;
  } catch (e) {
    expect(e).toBeInstanceOf(D2vError);
    return e as D2vError;
  }
  throw new Error('expected a rejection');
}

/** Follows a request through the SDK until `done(doc)`; answers what the watcher saw. */
function follow(requestId: string, done: (doc: RequestDoc) => boolean, timeoutMs = 60_000): Promise<{ docs: RequestDoc[]; transitions: Transition[][]; stop(): void }> {
  return new Promise((resolve, reject) => {
    const docs: RequestDoc[] = [];
    const transitions: Transition[][] = [];
    const timer = setTimeout(() => reject(new Error(`not done in ${timeoutMs} ms; last ${docs.at(-1)?.state}`)), timeoutMs);
    const stop = client.watchRequest(requestId, {
      onRequest: (doc) => {
        docs.push(doc);
        if (done(doc)) {
          clearTimeout(timer);
          // Let the transitions fetch of this document land.
          setTimeout(() => resolve({ docs, transitions, stop }), 300);
        }
      },
      onTransitions: (t) => transitions.push(t),
      onError: (e) => reject(e),
    });
  });
}

describe('reads', () => {
  it('lists the signed-in user’s drafts and finds one', async () => {
    const drafts = await client.listDrafts();
    expect(drafts.map((d) => d.id)).toEqual(expect.arrayContaining(['demo-sunrise', 'demo-portrait', 'demo-empty']));
    expect(drafts.every((d) => d.uid === 'demo-user')).toBe(true);
    await expect(client.getDraft('demo-sunrise')).resolves.toMatchObject({ title: 'Sunrise over the harbour' });
    expect((await rejection(client.getDraft('nope'))).toJSON()).toEqual({ code: 'DRAFT_NOT_FOUND', message: 'Draft nope does not exist.' });
  });

  it('reads another user’s requests as not found', async () => {
    const other = createLocalClient({ baseUrl: stack.url, token: 'other-token', uid: 'other-user' });
    const { requestId } = await other.createRequest({ draftId: 'other-beach', options: FAST });
    const e = await rejection(client.getRequest(requestId));
    expect({ code: e.code, status: e.status }).toEqual({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('create → follow live → act', () => {
  it('follows a request through every state with its transitions, then sees the post the action made', async () => {
    const { requestId } = await client.createRequest({ draftId: 'demo-sunrise', options: FAST });
    const run = await follow(requestId, (d) => d.state === 'ready');
    const states = run.docs.map((d) => d.state).filter((s, i, all) => s && s !== all[i - 1]);
    // In state-machine order, never backwards, each as its own document version.
    expect(states).toEqual([...states].sort((a, b) => VIDEO_STATES.indexOf(a) - VIDEO_STATES.indexOf(b)));
    expect(states.at(-1)).toBe('ready');
    expect(states.length).toBeGreaterThanOrEqual(3); // fast states may fall between two looks of the live view
    const progress = run.docs.map((d) => d.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(run.docs.at(-1)!.stateLabel).toBe(STATE_MACHINE.ready.label);
    expect(run.transitions.at(-1)!.map((t) => t.to)).toEqual(['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready']);

    // The live stream has ended (ready is settled); the same watcher still sees what the action does.
    const seen: RequestDoc[] = [];
    const posted = new Promise<RequestDoc>((resolve) => {
      const stop = client.watchRequest(requestId, {
        onRequest: (doc) => {
          seen.push(doc);
          if (doc.state === 'posted') {
            stop();
            resolve(doc);
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const { actionId } = await client.requestAction(requestId, { type: 'post', visibility: 'private', caption: 'mine' });
    const doc = await posted;
    run.stop();
    expect(doc.lastActionResult).toEqual({ id: actionId, type: 'post', ok: true });
    expect(seen[0]!.state).toBe('ready');

    // Media are signed links a <video> loads by itself: no bearer header, HTTP ranges.
    const video = await client.openMedia(requestId, 'video');
    expect(video.contentType).toBe('video/mp4');
    expect(video.url).toMatch(new RegExp(`^${stack.url}/v1/requests/${requestId}/video\\?as=demo-user&expires=\\d+&sig=[0-9a-f]{64}$`));
    expect(Date.parse(video.expiresAt)).toBeGreaterThan(Date.now());
    const head = await fetch(video.url, { headers: { range: 'bytes=0-99' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-99/${doc.outputs!.encryption.plaintextBytes}`);
    expect(Buffer.from(await head.arrayBuffer()).subarray(4, 8).toString()).toBe('ftyp');
    const poster = await client.openMedia(requestId, 'poster');
    expect(poster.contentType).toBe('image/jpeg');
    const jpeg = await fetch(poster.url);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await jpeg.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const file = await client.download(requestId);
    expect(file.size).toBe(doc.outputs!.encryption.plaintextBytes);
    expect(Buffer.from(await file.slice(4, 8).arrayBuffer()).toString()).toBe('ftyp');
  }, 90_000);

  it('Create Script: the script request is answered on its document', async () => {
    const { requestId } = await client.createScript({ draftId: 'demo-sunrise', duration: 9 });
    let script = await client.getScript(requestId);
    for (let i = 0; i < 50 && script.state !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      script = await client.getScript(requestId);
    }
    expect(script.state).toBe('ready');
    expect(script.script!.totalMs).toBe(9000);
    expect(script.script!.scenes.reduce((sum, s) => sum + s.durationMs, 0)).toBe(9000);
  });

  it('saves an edited script (updateScript) and refuses one the server’s parser refuses', async () => {
    const { requestId } = await client.createScript({ draftId: 'demo-sunrise', duration: 9, shots: 2 });
    let doc = await client.getScript(requestId);
    for (let i = 0; i < 50 && doc.state !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      doc = await client.getScript(requestId);
    }
    const script = doc.script!;
    const [first, second] = script.scenes;
    const edited = { ...script, totalMs: 2000 + second!.durationMs, scenes: [{ ...first!, durationMs: 2000, description: 'Boats rocking at dawn.' }, second!] };
    const saved = await client.updateScript(requestId, edited);
    expect(saved.script!.scenes[0]).toMatchObject({ n: 1, durationMs: 2000, description: 'Boats rocking at dawn.' });
    expect((await client.getScript(requestId)).script).toEqual(saved.script);
    const bad = await rejection(client.updateScript(requestId, { ...edited, totalMs: 9000 }));
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(bad.message).toMatch(/add up exactly/);
    const other = createLocalClient({ baseUrl: stack.url, token: 'other-token', uid: 'other-user' });
    expect((await rejection(other.updateScript(requestId, edited))).code).toBe('NOT_FOUND');
  });

  it('stats: the report the ops page charts (today, and since a span)', async () => {
    const stats = await client.stats();
    expect(stats.total.requests.created).toBeGreaterThanOrEqual(1);
    expect(stats.total.outcomes.succeeded).toBeGreaterThanOrEqual(1);
    expect(typeof stats.total.credits.cents).toBe('number');
    expect(stats.total.latency.total?.count).toBeGreaterThanOrEqual(1);
    const week = await client.stats({ since: '7d' });
    expect(week.days.length).toBeGreaterThanOrEqual(1);
    expect((await rejection(client.stats({ since: 'last tuesday' }))).code).toBe('INVALID_REQUEST');
  });
});

describe('feed, profile grids and audience playback', () => {
  const other = () => createLocalClient({ baseUrl: stack.url, token: 'other-token', uid: 'other-user' });
  const third = () => createLocalClient({ baseUrl: stack.url, token: 'third-token', uid: 'third-user' });

  it('a followers-only post: typed items with playback links for the owner and a follower, nothing for anyone else', async () => {
    const { requestId } = await client.createRequest({ draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, visibility: 'followers', caption: 'for my followers' } });
    const doc = await stack.waitForState('demo-user', requestId, ['posted', 'failed']);
    expect(doc.state).toBe('posted');
    const postId = doc.postId!;

    const mine = await client.feed({ limit: 50 });
    const item = mine.items.find((i) => i.postId === postId)!;
    expect(item).toEqual({
      postId, uid: 'demo-user', requestId, caption: 'for my followers', visibility: 'followers', durationMs: doc.outputs!.durationMs,
      width: doc.outputs!.width, height: doc.outputs!.height, aiGenerated: true, source: 'luma', createdAt: expect.any(String),
      links: { video: `/v1/posts/${postId}/video`, poster: `/v1/posts/${postId}/poster` },
    });
    expect((await other().feed({ limit: 50 })).items.map((i) => i.postId)).toContain(postId);
    expect((await third().feed({ limit: 50 })).items.map((i) => i.postId)).not.toContain(postId);

    const grid = (viewer: D2vClient) => viewer.profileVideos('demo-user', { limit: 50 }).then((p) => p.items.filter((i) => i.postId === postId));
    expect(await grid(client)).toEqual([expect.objectContaining({ visibility: 'followers', aiGenerated: true, links: item.links })]);
    expect(await grid(other())).toHaveLength(1);
    expect(await grid(third())).toHaveLength(0);

    // The follower plays it through a signed link in their own name; a stranger is told it does not exist.
    const link = await other().openPostMedia(postId, 'video');
    expect(link.url).toContain(`/v1/posts/${postId}/video?as=other-user&`);
    const tail = await fetch(link.url, { headers: { range: 'bytes=-1000' } });
    expect(tail.status).toBe(206);
    expect(Number(tail.headers.get('content-length'))).toBe(1000);
    expect((await rejection(third().openPostMedia(postId, 'video'))).code).toBe('NOT_FOUND');
    expect((await rejection(third().openPostMedia(postId, 'poster'))).code).toBe('NOT_FOUND');
  }, 60_000);

  it('pages newest first with a cursor, never repeating an item; a forged cursor is INVALID_CURSOR', async () => {
    const all = (await client.feed({ limit: 50 })).items;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((i) => i.createdAt)).toEqual([...all.map((i) => i.createdAt)].sort().reverse());
    const first = await client.feed({ limit: 1 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.feed({ limit: 50, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((i) => i.postId)).toEqual(all.map((i) => i.postId));
    expect(second.nextCursor).toBeNull();
    expect((await rejection(client.feed({ cursor: 'not-a-cursor' }))).code).toBe('INVALID_CURSOR');
  });
});

describe('errors as {code, message}', () => {
  it('refuses a bad token, bad options and unknown ids with the API’s code and sentence', async () => {
    const stranger = createLocalClient({ baseUrl: stack.url, token: 'no-such-token', uid: 'x' });
    expect((await rejection(stranger.listDrafts())).toJSON()).toEqual({ code: 'UNAUTHENTICATED', message: 'Sign in first: send "Authorization: Bearer <token>".' });

    const bad = await rejection(client.createRequest({ draftId: 'demo-sunrise', options: { resolution: '8k' as never } }));
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(bad.message).toMatch(/options\.resolution/);
    expect((await rejection(client.createRequest({ draftId: 'missing' }))).code).toBe('DRAFT_NOT_FOUND');
    expect((await rejection(client.getRequest('no-such-request'))).code).toBe('NOT_FOUND');
    // An id that breaks the id rule never reaches a path (the server answers 500 to some of them today).
    expect((await rejection(client.getRequest('../drafts'))).toJSON()).toEqual({ code: 'INVALID_REQUEST', message: '"../drafts" is not a valid id: ids are 1–128 letters, digits, "_" or "-".' });
  });

  it('answers NOT_READY for media of a request still working, and a watch of an unknown id ends with NOT_FOUND', async () => {
    const { requestId } = await client.createRequest({ draftId: 'demo-sunrise', options: FAST });
    expect((await rejection(client.openMedia(requestId, 'video'))).code).toMatch(/NOT_READY|NOT_FOUND/);
    const error = await new Promise<D2vError>((resolve) => client.watchRequest('never-created', { onRequest: () => undefined, onError: resolve }));
    expect(error.code).toBe('NOT_FOUND');
    await stack.waitForState('demo-user', requestId, ['ready', 'failed']);
  }, 60_000);

  it('cancel stops a request still being made; on a finished one it is recorded as not allowed', async () => {
    const { requestId } = await client.createRequest({ draftId: 'demo-sunrise', options: { ...FAST, fresh: true } });
    await stack.waitForState('demo-user', requestId, ['queued', 'submitting', 'dreaming']);
    const { actionId } = await client.cancel(requestId);
    const cancelled = await stack.waitForState('demo-user', requestId, ['cancelled'], 30_000);
    expect(cancelled.lastActionResult).toMatchObject({ id: actionId, type: 'cancel', ok: true });
    expect((await rejection(client.openMedia(requestId, 'video'))).code).toBe('CANCELLED');

    const finished = (await client.listRequests()).find((r) => r.state === 'ready' || r.state === 'posted')!;
    const late = await client.cancel(finished.requestId);
    let doc = await client.getRequest(finished.requestId);
    for (let i = 0; i < 100 && doc.lastActionResult?.id !== late.actionId; i++) {
      await new Promise((r) => setTimeout(r, 50));
      doc = await client.getRequest(finished.requestId);
    }
    expect(doc.lastActionResult).toMatchObject({ id: late.actionId, ok: false, code: 'ACTION_NOT_ALLOWED' });
    expect(doc.state).toBe(finished.state);
  }, 60_000);

  it('feed and profile grid pages come back as {items, nextCursor}; a post that does not exist is NOT_FOUND', async () => {
    const feed = await client.feed({ limit: 5 });
    expect(Array.isArray(feed.items)).toBe(true);
    expect(feed.nextCursor === null || typeof feed.nextCursor === 'string').toBe(true);
    const grid = await client.profileVideos('demo-user');
    expect(Array.isArray(grid.items)).toBe(true);
    expect((await rejection(client.openPostMedia('ai_x', 'video'))).code).toBe('NOT_FOUND');
  });

  it('a server that cannot be reached is NETWORK', async () => {
    const nowhere = createLocalClient({ baseUrl: 'http://127.0.0.1:9', token: 't', uid: 'u' });
    expect((await rejection(nowhere.listDrafts())).toJSON()).toEqual({ code: 'NETWORK', message: 'The server could not be reached; check the connection and try again.' });
  });
});

describe('follow-ups, versions and notifications (issue #13)', () => {
  it('reframes a posted video through the SDK, lists its versions, switches the post to it, and reads the notifications', async () => {
    const { requestId } = await client.createRequest({ draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, fresh: true } });
    expect((await stack.waitForState('demo-user', requestId, ['posted', 'failed'], 60_000)).state).toBe('posted');
    const { actionId } = await client.followUp(requestId, { type: 'reframe', aspectRatio: '1:1' });
    let versionId: string | undefined;
    for (const deadline = Date.now() + 10_000; !versionId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const doc = await client.getRequest(requestId);
      if (doc.lastActionResult?.id === actionId) versionId = doc.lastActionResult.versionRequestId;
    }
    const version = await stack.waitForState('demo-user', versionId!, ['ready', 'failed'], 60_000);
    expect(version.state).toBe('ready');
    expect(version.outputs!.width).toBe(version.outputs!.height);
    expect((await client.listVersions(requestId)).map((v) => [v.type, v.state, v.inPost])).toEqual([['original', 'posted', true], ['reframe', 'ready', false]]);
    await client.useVersion(requestId, versionId!);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !(await client.listVersions(requestId))[1]!.inPost; ) await new Promise((r) => setTimeout(r, 50));
    expect((await client.listVersions(requestId)).map((v) => v.inPost)).toEqual([false, true]);
    // A follow-up the schema refuses never leaves the SDK.
    expect((await rejection(client.followUp(requestId, { type: 'restyle', mode: 'wild' as never }))).code).toBe('INVALID_ACTION');

    const { notifications, unread } = await client.listNotifications();
    expect(notifications.filter((n) => n.requestId === requestId || n.requestId === versionId).map((n) => n.outcome)).toEqual(['ready', 'ready']);
    expect(unread).toBeGreaterThanOrEqual(2);
    await client.markNotificationsRead();
    expect((await client.listNotifications()).unread).toBe(0);
    await client.registerDevice(`web-device:APA91b${'q'.repeat(40)}`, 'web');
    expect((await rejection(client.registerDevice('x'))).code).toBe('INVALID_REQUEST');
  }, 120_000);
});
