import { existsSync } from 'node:fs';
import { blobPaths, docPaths, type Post, type ProfileVideo, type Transition, type VideoRequest, type VideoState } from '@d2v/schema';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

/**
 * The post-generation menu (save, post, delete, retry) driven through POST /v1/requests/:id/actions over real
 * HTTP, with the pipeline (simulated Luma, ffmpeg, SQLite) reacting to the written `action` as in Firestore.
 */

const UID = 'demo-user';
const DEMO = 'demo-token';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

let stack: LocalStack;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
afterAll(() => cleanup?.());
afterEach(() => {
  stack.simulator!.setFaults({ failureRate: 0 });
  stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 1200 });
});

async function call(method: string, path: string, json?: unknown, token = DEMO): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** A new generation each time (`fresh`): these tests are about making videos; content-cache.test.ts reuses them. */
async function create(draftId: string, options: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', '/v1/requests', { draftId, options: { ...FAST, autoPost: false, fresh: true, ...options } });
  expect(res.status).toBe(201);
  return res.body.requestId as string;
}

async function act(requestId: string, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', `/v1/requests/${requestId}/actions`, body);
  expect(res.status).toBe(202);
  expect(typeof res.body.actionId).toBe('string');
  if (body.id) expect(res.body.actionId).toBe(body.id);
  return res.body.actionId as string;
}

/** Polls the request document until the outcome of action `actionId` is recorded. */
async function resultOf(requestId: string, actionId: string, timeoutMs = 20_000): Promise<NonNullable<VideoRequest['lastActionResult']>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await stack.api.getRequest(UID, requestId);
    if (doc.lastActionResult?.id === actionId) return doc.lastActionResult;
    if (Date.now() > deadline) throw new Error(`no result for action ${actionId} on ${requestId} after ${timeoutMs} ms (state ${doc.state}, last ${JSON.stringify(doc.lastActionResult)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitFor(requestId: string, states: VideoState[], timeoutMs = 30_000): Promise<VideoRequest> {
  return stack.waitForState(UID, requestId, states, timeoutMs);
}

async function transitionsOf(requestId: string): Promise<Transition[]> {
  const res = await call('GET', `/v1/requests/${requestId}/transitions`);
  expect(res.status).toBe(200);
  return res.body.transitions as Transition[];
}

async function postsFor(requestId: string): Promise<Post[]> {
  return (await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] })).map((s) => s.data);
}

async function profileEntry(requestId: string): Promise<ProfileVideo | null> {
  return (await stack.ports.store.get<ProfileVideo>(docPaths.profileVideo(UID, requestId)))?.data ?? null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Luma's copy is removed after the state change (best effort, over HTTP): poll the simulator for it. */
async function lumaDeleted(ids: readonly string[], timeoutMs = 10_000): Promise<boolean[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const flags = ids.map((id) => stack.simulator!.generations().find((g) => g.id === id)?.deleted ?? false);
    if (flags.every(Boolean) || Date.now() > deadline) return flags;
    await sleep(50);
  }
}

describe('a ready video: save, post, post again, delete', () => {
  let requestId: string;
  let ready: VideoRequest;

  beforeAll(async () => {
    requestId = await create('demo-sunrise');
    ready = await waitFor(requestId, ['ready', 'failed']);
  }, 40_000);

  it('becomes ready (not posted) when autoPost is false', () => {
    expect(ready.state).toBe('ready');
    expect(ready.outputs).toBeDefined();
    expect(ready.postId).toBeUndefined();
  });

  it('save keeps it privately in the profile grid, without a post or a state change', async () => {
    const actionId = await act(requestId, { type: 'save' });
    expect(await resultOf(requestId, actionId)).toEqual({ id: actionId, type: 'save', ok: true });
    const doc = await stack.api.getRequest(UID, requestId);
    expect(doc.state).toBe('ready');
    expect(doc.profileVideoId).toBe(requestId);
    expect(await profileEntry(requestId)).toMatchObject({
      id: requestId, uid: UID, requestId, postId: null, visibility: 'private', aiGenerated: true,
      videoPath: ready.outputs!.videoPath, posterPath: ready.outputs!.posterPath,
    });
    expect(await postsFor(requestId)).toEqual([]);
    expect(await stack.ports.store.get(docPaths.post(`ai_${requestId}`))).toBeNull();
    expect((await transitionsOf(requestId)).map((t) => t.to)).not.toContain('posted');
  });

  it('post creates posts/ai_<id> with the chosen visibility and caption and moves to posted', async () => {
    const actionId = await act(requestId, { type: 'post', visibility: 'followers', caption: 'Harbour at dawn #ai' });
    const posted = await waitFor(requestId, ['posted'], 10_000);
    expect(await resultOf(requestId, actionId)).toMatchObject({ id: actionId, type: 'post', ok: true });
    expect(posted.postId).toBe(`ai_${requestId}`);
    const post = (await stack.ports.store.get<Post>(docPaths.post(`ai_${requestId}`)))!.data;
    expect(post).toMatchObject({
      postId: `ai_${requestId}`, uid: UID, requestId, type: 'video', caption: 'Harbour at dawn #ai', visibility: 'followers',
      aiGenerated: true, source: 'luma', videoPath: ready.outputs!.videoPath, posterPath: ready.outputs!.posterPath,
    });
    // The saved grid entry now points at the post, with the post's visibility.
    expect(await profileEntry(requestId)).toMatchObject({ postId: `ai_${requestId}`, visibility: 'followers', aiGenerated: true });
    const last = (await transitionsOf(requestId)).at(-1)!;
    expect(last).toMatchObject({ from: 'ready', to: 'posted', by: 'client' });
  });

  it('posting again is harmless: one post, one posted transition, nothing changed', async () => {
    const before = await stack.api.getRequest(UID, requestId);
    const actionId = await act(requestId, { type: 'post', visibility: 'public', caption: 'second try' });
    const result = await resultOf(requestId, actionId);
    expect(result).toMatchObject({ ok: true });
    const posts = await postsFor(requestId);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ caption: 'Harbour at dawn #ai', visibility: 'followers' });
    const transitions = await transitionsOf(requestId);
    expect(transitions.filter((t) => t.to === 'posted')).toHaveLength(1);
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('posted');
    expect(after.transitionCount).toBe(before.transitionCount);
  });

  it('delete removes the post, the grid entry, the files and Luma\'s generation', async () => {
    const gens = generationsFor(stack, requestId);
    expect(gens).toHaveLength(1);
    expect(gens[0]!.id).toBe(ready.luma.generationId);
    const files = [blobPaths.encryptedVideo(UID, requestId), blobPaths.poster(UID, requestId)];
    for (const path of files) expect(await stack.ports.blobs.stat(path)).not.toBeNull();

    const actionId = await act(requestId, { type: 'delete' });
    const deleted = await waitFor(requestId, ['deleted'], 10_000);
    expect(await resultOf(requestId, actionId)).toEqual({ id: actionId, type: 'delete', ok: true });
    expect(deleted.lease ?? null).toBeNull();
    expect(await stack.ports.store.get(docPaths.post(`ai_${requestId}`))).toBeNull();
    expect(await postsFor(requestId)).toEqual([]);
    expect(await profileEntry(requestId)).toBeNull();
    for (const path of [...files, blobPaths.rawVideo(UID, requestId)]) {
      expect(await stack.ports.blobs.stat(path)).toBeNull();
      expect(existsSync(stack.blobFile(path))).toBe(false);
    }
    expect(await lumaDeleted([ready.luma.generationId!])).toEqual([true]);
    expect((await transitionsOf(requestId)).at(-1)).toMatchObject({ from: 'posted', to: 'deleted', by: 'client' });

    // A deleted video is gone for playback too (not a 500 from a missing file).
    for (const suffix of ['/video', '/poster']) {
      const res = await call('GET', `/v1/requests/${requestId}${suffix}`);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 410, code: 'DELETED' });
    }
  });

  it('delete again, and any other action on a deleted video, changes nothing', async () => {
    const before = await stack.api.getRequest(UID, requestId);
    const again = await act(requestId, { type: 'delete' });
    expect(await resultOf(requestId, again)).toMatchObject({ ok: true });
    for (const type of ['post', 'save', 'retry']) {
      const id = await act(requestId, { type });
      expect(await resultOf(requestId, id)).toMatchObject({ ok: false, code: 'ACTION_NOT_ALLOWED' });
    }
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('deleted');
    expect(after.transitionCount).toBe(before.transitionCount);
    expect(await postsFor(requestId)).toEqual([]);
    expect(await profileEntry(requestId)).toBeNull();
  });
});

describe('retry', () => {
  it('retries a retryable failure with a new Luma generation, remembering the old one', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    const requestId = await create('demo-sunrise', { autoPost: true });
    const failed = await waitFor(requestId, ['failed', 'posted']);
    expect(failed.state).toBe('failed');
    expect(failed.error?.retryable).toBe(true);
    const oldGeneration = failed.luma.generationId!;
    expect(oldGeneration).toBeTruthy();
    stack.simulator!.setFaults({ failureRate: 0 });

    const actionId = await act(requestId, { type: 'retry' });
    const done = await waitFor(requestId, ['posted', 'failed']);
    expect(done.state).toBe('posted');
    expect(done.error ?? null).toBeNull();
    expect(await resultOf(requestId, actionId)).toEqual({ id: actionId, type: 'retry', ok: true });
    expect(done.luma.generationId).toBeTruthy();
    expect(done.luma.generationId).not.toBe(oldGeneration);
    expect(done.luma.previousGenerationIds).toEqual([oldGeneration]);
    expect(generationsFor(stack, requestId).map((g) => g.id).sort()).toEqual([oldGeneration, done.luma.generationId!].sort());

    const states = (await transitionsOf(requestId)).map((t) => t.to);
    expect(states).toEqual([
      'pending', 'validating', 'queued', 'submitting', 'dreaming', 'failed',
      'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted',
    ]);
    expect(await postsFor(requestId)).toHaveLength(1);

    // Deleting it removes every generation it ever made at Luma, the failed attempt's included.
    const del = await act(requestId, { type: 'delete' });
    await waitFor(requestId, ['deleted'], 10_000);
    expect(await resultOf(requestId, del)).toMatchObject({ ok: true });
    expect(await lumaDeleted([oldGeneration, done.luma.generationId!])).toEqual([true, true]);
  }, 60_000);

  it('refuses to retry a failure that is not retryable (an empty draft)', async () => {
    const before = stack.simulator!.generations().length;
    const requestId = await create('demo-empty');
    const failed = await waitFor(requestId, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code: 'DRAFT_EMPTY', retryable: false });
    const actionId = await act(requestId, { type: 'retry' });
    const result = await resultOf(requestId, actionId);
    expect(result).toMatchObject({ id: actionId, type: 'retry', ok: false, code: 'ACTION_NOT_ALLOWED' });
    expect(result.message).toBeTruthy();
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('failed');
    expect(after.transitionCount).toBe(failed.transitionCount);
    expect(stack.simulator!.generations().length).toBe(before);
  });

  it('applies an action id once: the same retry sent again after it failed again does nothing', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    const requestId = await create('demo-sunrise');
    await waitFor(requestId, ['failed']);
    const body = { id: `retry-${requestId}`, type: 'retry' };
    await act(requestId, body);
    expect(await resultOf(requestId, body.id)).toMatchObject({ ok: true });
    // Still failing at Luma: the retry fails again.
    const failedAgain = await waitFor(requestId, ['failed'], 30_000);
    expect(generationsFor(stack, requestId)).toHaveLength(2);
    stack.simulator!.setFaults({ failureRate: 0 });

    // A double tap / resend of the very same action: accepted by the API, not applied by the pipeline.
    await act(requestId, body);
    await sleep(1500);
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('failed');
    expect(after.transitionCount).toBe(failedAgain.transitionCount);
    expect(after.lastActionResult).toEqual(failedAgain.lastActionResult);
    expect(generationsFor(stack, requestId)).toHaveLength(2);

    // A new id is a new action: this one is applied.
    const fresh = await act(requestId, { type: 'retry' });
    const done = await waitFor(requestId, ['ready', 'posted']);
    expect(await resultOf(requestId, fresh)).toMatchObject({ ok: true });
    expect(done.luma.previousGenerationIds).toHaveLength(2);
  }, 60_000);

  it('applies an action id once whatever came between: retry A, save B, retry A again retries once', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    const requestId = await create('demo-sunrise');
    await waitFor(requestId, ['failed']);
    const a = { id: `a-${requestId}`, type: 'retry' };
    await act(requestId, a);
    expect(await resultOf(requestId, a.id)).toMatchObject({ ok: true });
    const failedAgain = await waitFor(requestId, ['failed'], 30_000);
    expect(generationsFor(stack, requestId)).toHaveLength(2);
    stack.simulator!.setFaults({ failureRate: 0 });

    // B between: a different action (refused: a failed video cannot be saved), recorded as the last one.
    const b = await act(requestId, { id: `b-${requestId}`, type: 'save' });
    expect(await resultOf(requestId, b)).toMatchObject({ ok: false, code: 'ACTION_NOT_ALLOWED' });

    // A again: lastActionId is B now, so only A's record can stop it — and does.
    await act(requestId, a);
    await sleep(1500);
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('failed');
    expect(after.transitionCount).toBe(failedAgain.transitionCount);
    expect(after.lastActionResult).toMatchObject({ id: b, type: 'save' });
    expect(generationsFor(stack, requestId)).toHaveLength(2);
    // One record per applied id, each with its outcome.
    const records = await stack.ports.store.query<{ id: string; type: string; result: { ok: boolean } }>({ collection: `${docPaths.videoRequest(UID, requestId)}/actions` });
    expect(records.map((r) => [r.data.id, r.data.type, r.data.result.ok]).sort()).toEqual([[a.id, 'retry', true], [b, 'save', false]]);
  }, 60_000);
});

describe('actions while the video is still being made', () => {
  it('refuses to save a video that is not ready yet', async () => {
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 4000 });
    const requestId = await create('demo-sunrise');
    await waitFor(requestId, ['queued', 'submitting', 'dreaming']);
    const actionId = await act(requestId, { type: 'save' });
    expect(await resultOf(requestId, actionId)).toMatchObject({ ok: false, code: 'ACTION_NOT_ALLOWED' });
    expect(await profileEntry(requestId)).toBeNull();
    const done = await waitFor(requestId, ['ready', 'failed']);
    expect(done.state).toBe('ready');
    expect(await profileEntry(requestId)).toBeNull();
  });

  it('a post sent while working turns on autoPost and the request ends posted with that caption', async () => {
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 3000 });
    const requestId = await create('demo-sunrise', { autoPost: false });
    const working = await waitFor(requestId, ['queued', 'submitting', 'dreaming']);
    expect(working.options.autoPost).toBe(false);
    const actionId = await act(requestId, { type: 'post', caption: 'made while you waited', visibility: 'private' });
    const result = await resultOf(requestId, actionId);
    expect(result).toMatchObject({ id: actionId, type: 'post', ok: true });
    expect((await stack.api.getRequest(UID, requestId)).options).toMatchObject({ autoPost: true, caption: 'made while you waited', visibility: 'private' });

    const done = await waitFor(requestId, ['posted', 'failed']);
    expect(done.state).toBe('posted');
    const posts = await postsFor(requestId);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ caption: 'made while you waited', visibility: 'private' });
    expect((await transitionsOf(requestId)).filter((t) => t.to === 'posted')).toHaveLength(1);
  });

  it('delete while dreaming stops the work, deletes the generation and leaves no files behind', async () => {
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 2500 });
    const requestId = await create('demo-sunrise', { autoPost: true });
    const dreaming = await waitFor(requestId, ['dreaming']);
    const actionId = await act(requestId, { type: 'delete' });
    await waitFor(requestId, ['deleted'], 10_000);
    expect(await resultOf(requestId, actionId)).toMatchObject({ ok: true });
    // Give Luma time to have finished, and the pipeline time to (wrongly) pick the result up.
    await sleep(4000);
    const after = await stack.api.getRequest(UID, requestId);
    expect(after.state).toBe('deleted');
    expect(after.outputs).toBeUndefined();
    expect(await postsFor(requestId)).toEqual([]);
    for (const path of [blobPaths.rawVideo(UID, requestId), blobPaths.encryptedVideo(UID, requestId), blobPaths.poster(UID, requestId)]) {
      expect(await stack.ports.blobs.stat(path)).toBeNull();
    }
    expect(await lumaDeleted([dreaming.luma.generationId!])).toEqual([true]);
  }, 30_000);
});

describe('with every event and task delivered twice, at once', () => {
  // The helpers above talk to `stack`; this suite points it at a stack with concurrent duplicate delivery.
  let normal: LocalStack;
  let stopDuplicates: () => Promise<void>;
  beforeAll(async () => {
    normal = stack;
    const dup = await startTestStack({ config: { duplicateDelivery: true } });
    stack = dup.stack;
    stopDuplicates = dup.cleanup;
  });
  afterAll(async () => {
    await stopDuplicates?.();
    stack = normal;
  });

  it('records the true outcome of each action once (not a duplicate\'s "already done" or "not allowed")', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    const requestId = await create('demo-sunrise');
    await waitFor(requestId, ['failed']);
    stack.simulator!.setFaults({ failureRate: 0 });

    const retry = await act(requestId, { type: 'retry' });
    await waitFor(requestId, ['ready']);
    expect(await resultOf(requestId, retry)).toEqual({ id: retry, type: 'retry', ok: true });
    expect(generationsFor(stack, requestId)).toHaveLength(2);

    const post = await act(requestId, { type: 'post', caption: 'twice delivered, once posted' });
    await waitFor(requestId, ['posted'], 10_000);
    expect(await resultOf(requestId, post)).toEqual({ id: post, type: 'post', ok: true });
    expect(await postsFor(requestId)).toHaveLength(1);

    const del = await act(requestId, { type: 'delete' });
    await waitFor(requestId, ['deleted'], 10_000);
    expect(await resultOf(requestId, del)).toEqual({ id: del, type: 'delete', ok: true });
    const states = (await transitionsOf(requestId)).map((t) => t.to);
    expect(states.filter((s) => s === 'posted')).toHaveLength(1);
    expect(states.filter((s) => s === 'deleted')).toHaveLength(1);
    expect(states.filter((s) => s === 'failed')).toHaveLength(1);
    // One analytics event per action (published after the clean-up, so it may trail the state a little).
    const actions = async () => (await stack.events.list({ requestId })).filter((e) => e.type === 'action').map((e) => (e as { action?: string }).action);
    for (const deadline = Date.now() + 10_000; (await actions()).length < 3 && Date.now() < deadline; ) await sleep(50);
    await sleep(300);
    expect(await actions()).toEqual(['retry', 'post', 'delete']);
  }, 60_000);
});
