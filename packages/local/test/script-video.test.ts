import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { docPaths, type Post, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { ffprobeJson, startTestStack } from './helpers';

const UID = 'demo-user';
const OPTIONS = { resolution: '540p', aspectRatio: '16:9', autoPost: true } as const;

/** "Create Script" → video: one child request per shot through the usual pipeline, joined into one posted video. */
describe('a video made from a script (several shots, one video, one post)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
  afterAll(() => cleanup?.());

  async function scriptAnswered(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const snap = await stack.ports.store.get<Record<string, unknown>>(docPaths.scriptRequest(UID, id));
      if (snap && typeof snap.data.state === 'string') return snap.data;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('script request not answered');
  }

  function shotGenerations(requestId: string): unknown[] {
    return stack.simulator!.generations().filter((g) => JSON.stringify(g).includes(`/${requestId}-shot-`));
  }

  // The first test's script video, reused by the content-cache test below.
  let madeFrom: { scriptRequestId: string; requestId: string } | undefined;

  it('generates each shot as a child request, joins them and posts the parent once', async () => {
    const { requestId: scriptRequestId } = await stack.api.createScriptRequest(UID, { draftId: 'demo-sunrise', duration: 9, shots: 2 });
    const script = await scriptAnswered(scriptRequestId);
    expect(script.state).toBe('ready');

    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId, options: OPTIONS });
    madeFrom = { scriptRequestId, requestId };
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 150_000);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe('posted');
    expect(done.shots).toHaveLength(2);

    const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
    expect(states).toEqual(['pending', 'validating', 'dreaming', 'downloading', 'processing', 'ready', 'posted']);

    // One Luma video per shot, none for the parent itself.
    expect(shotGenerations(requestId)).toHaveLength(2);
    expect(stack.simulator!.generations().filter((g) => JSON.stringify(g).includes(`/${requestId}?token=`))).toHaveLength(0);

    for (const shot of done.shots!) {
      expect(shot.requestId).toBe(`${requestId}-shot-${shot.n}`);
      const child = (await stack.ports.store.get<VideoRequest>(docPaths.videoRequest(UID, shot.requestId)))!.data;
      expect(child).toMatchObject({ state: 'ready', parentRequestId: requestId, shot: { n: shot.n, trimMs: shot.durationMs } });
      expect(child.options.autoPost).toBe(false);
      expect(child.postId).toBeUndefined();
      const childStates = (await stack.api.listTransitions(UID, shot.requestId)).map((t) => t.to);
      expect(childStates).toEqual(['queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready']);
      const childPosts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: shot.requestId }] });
      expect(childPosts).toHaveLength(0);
      expect(await stack.ports.store.get(docPaths.profileVideo(UID, shot.requestId))).toBeNull();
      // The clips live on only inside the joined video.
      expect(await stack.ports.blobs.stat(child.outputs!.videoPath)).toBeNull();
    }
    expect(done.shots!.reduce((sum, s) => sum + s.durationMs, 0)).toBe(9000);

    const posts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] });
    expect(posts).toHaveLength(1);

    const out = join(stack.config.dataDir, `${requestId}-check.mp4`);
    await pipeline(stack.ports.media.decrypt(stack.ports.blobs.download(done.outputs!.videoPath), done.outputs!.encryption), createWriteStream(out));
    const probe = await ffprobeJson(out);
    expect(probe.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    expect(Math.abs(Number(probe.format.duration) - 9)).toBeLessThanOrEqual(0.3);
  }, 170_000);

  it('reuses a script video for the same script and options (content cache): no shot is generated again', async () => {
    expect(madeFrom).toBeDefined();
    const before = stack.simulator!.stats().creates.video;
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId: madeFrom!.scriptRequestId, options: { ...OPTIONS, autoPost: false } });
    const done = await stack.waitForState(UID, requestId, ['ready', 'posted', 'failed'], 30_000);
    expect(done.state).toBe('ready');
    expect(done.cachedFrom).toBe(madeFrom!.requestId);
    expect(done.shots).toBeUndefined();
    expect(stack.simulator!.stats().creates.video).toBe(before);
    const source = await stack.api.getRequest(UID, madeFrom!.requestId);
    expect(source.contentKey).toBe(done.contentKey);
    // The script is part of the key: the same draft made without it is another video.
    const plain = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: OPTIONS });
    const single = await stack.waitForState(UID, plain.requestId, ['posted', 'failed'], 30_000);
    expect(single.contentKey).not.toBe(source.contentKey);
    expect(single.cachedFrom).toBeUndefined();
  }, 40_000);

  it('cancels a script video while its shots are made: every shot cancelled and deleted at Luma, no post', async () => {
    const { requestId: scriptRequestId } = await stack.api.createScriptRequest(UID, { draftId: 'demo-sunrise', duration: 6, shots: 2 });
    expect((await scriptAnswered(scriptRequestId)).state).toBe('ready');
    stack.simulator!.setTiming({ dreamingMs: 6000 });
    try {
      const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId, options: { ...OPTIONS, fresh: true } });
      const dreaming = await stack.waitForState(UID, requestId, ['dreaming'], 30_000);
      // Wait until both shots are at Luma (the cancel then has something to stop).
      for (const shot of dreaming.shots!) await stack.waitForState(UID, shot.requestId, ['dreaming'], 30_000);
      const deletesBefore = stack.simulator!.stats().deletes;
      const { actionId } = await stack.api.requestAction(UID, requestId, { type: 'cancel' });
      const cancelled = await stack.waitForState(UID, requestId, ['cancelled'], 30_000);
      expect(cancelled.lastActionResult).toMatchObject({ id: actionId, ok: true });
      const shotGens: string[] = [];
      for (const shot of dreaming.shots!) {
        const child = await stack.waitForState(UID, shot.requestId, ['cancelled'], 30_000);
        expect(child.cancellation).toMatchObject({ billed: true });
        shotGens.push(...child.cancellation!.generationIds);
      }
      expect(cancelled.cancellation).toMatchObject({ fromState: 'dreaming', billed: true });
      expect(cancelled.cancellation!.generationIds.sort()).toEqual(shotGens.sort());
      for (const id of shotGens) expect(stack.simulator!.generations().find((g) => g.id === id)!.deleted).toBe(true);
      expect(stack.simulator!.stats().deletes - deletesBefore).toBe(2);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await stack.api.getRequest(UID, requestId)).state).toBe('cancelled');
      const posts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] });
      expect(posts).toHaveLength(0);
    } finally {
      stack.simulator!.setTiming({ dreamingMs: 1200 });
    }
  }, 60_000);

  it('refuses a script request that is not ready, before any Luma call', async () => {
    const { requestId: scriptRequestId } = await stack.api.createScriptRequest(UID, { draftId: 'demo-empty' });
    expect((await scriptAnswered(scriptRequestId)).state).toBe('failed');
    const before = stack.simulator!.generations().length;
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId, options: OPTIONS });
    const done = await stack.waitForState(UID, requestId, ['failed', 'posted', 'dreaming'], 30_000);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'SCRIPT_INVALID', retryable: false });
    expect(done.error!.message).toContain(scriptRequestId);
    expect(stack.simulator!.generations().length).toBe(before);
  });

  it('fails the parent, naming the shot, when a shot fails at Luma (and refuses to retry it as a whole)', async () => {
    const { requestId: scriptRequestId } = await stack.api.createScriptRequest(UID, { draftId: 'demo-sunrise', duration: 6, shots: 2 });
    expect((await scriptAnswered(scriptRequestId)).state).toBe('ready');
    stack.simulator!.setFaults({ failureRate: 1 });
    try {
      const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId, options: { ...OPTIONS, fresh: true } });
      const done = await stack.waitForState(UID, requestId, ['failed', 'posted'], 60_000);
      expect(done.state).toBe('failed');
      expect(done.error?.message).toMatch(/^Shot \d of 2 could not be made/);
      expect(done.error?.retryable).toBe(false);
      const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
      expect(states).toEqual(['pending', 'validating', 'dreaming', 'failed']);
      const posts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] });
      expect(posts).toHaveLength(0);

      const { actionId } = await stack.api.requestAction(UID, requestId, { type: 'retry' });
      let after = await stack.api.getRequest(UID, requestId);
      for (let i = 0; i < 200 && after.lastActionId !== actionId; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = await stack.api.getRequest(UID, requestId);
      }
      expect(after.lastActionResult).toMatchObject({ id: actionId, ok: false, code: 'ACTION_NOT_ALLOWED' });
      expect(after.state).toBe('failed');

      // Deleting the parent deletes its shots too.
      await stack.api.requestAction(UID, requestId, { type: 'delete' });
      await stack.waitForState(UID, requestId, ['deleted'], 30_000);
      for (const shot of done.shots!) {
        const child = await stack.waitForState(UID, shot.requestId, ['deleted'], 30_000);
        expect(child.state).toBe('deleted');
      }
    } finally {
      stack.simulator!.setFaults({ failureRate: 0 });
    }
  });

  it('refuses a script request that does not exist', async () => {
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', scriptRequestId: 'no-such-script', options: OPTIONS });
    const done = await stack.waitForState(UID, requestId, ['failed', 'posted', 'dreaming'], 30_000);
    expect(done.error).toMatchObject({ code: 'SCRIPT_INVALID' });
  });
});
