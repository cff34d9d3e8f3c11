import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { blobPaths, docPaths, type Post, type ProfileVideo, type Transition } from '@d2v/schema';
import type { LocalStack } from '../src';
import { ffprobeJson, generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
/** `fresh`: every run here makes a new generation (the content cache, which would reuse the first, has its own tests). */
const FAST_VIDEO = { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true, fresh: true } as const;

describe('one draft through the whole pipeline on the local stack (Luma simulator, ffmpeg, SQLite, AES-GCM)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
  afterAll(() => cleanup?.());

  it('turns a text draft into an encrypted, posted video with a complete transition log', async () => {
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST_VIDEO });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe('posted');
    expect(done.progress).toBe(1);

    const transitions: Transition[] = await stack.api.listTransitions(UID, requestId);
    expect(transitions.map((t) => t.to)).toEqual([
      'pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted',
    ]);
    transitions.forEach((t, i) => {
      expect(t.n).toBe(i);
      expect(t.from).toBe(i === 0 ? null : transitions[i - 1]!.to);
    });

    const post = (await stack.ports.store.get<Post>(docPaths.post(done.postId!)))!.data;
    expect(post).toMatchObject({ uid: UID, requestId, aiGenerated: true, source: 'luma', visibility: 'public', type: 'video' });
    const grid = (await stack.ports.store.get<ProfileVideo>(docPaths.profileVideo(UID, requestId)))!.data;
    expect(grid).toMatchObject({ aiGenerated: true, postId: done.postId });

    // At rest the video is ciphertext: no MP4 box structure, and the raw download is gone.
    const encFile = stack.blobFile(done.outputs!.videoPath);
    const head = readFileSync(encFile).subarray(0, 64);
    expect(head.includes(Buffer.from('ftyp'))).toBe(false);
    expect(existsSync(stack.blobFile(blobPaths.rawVideo(UID, requestId)))).toBe(false);
    expect(await stack.ports.blobs.stat(blobPaths.rawVideo(UID, requestId))).toBeNull();

    // Decrypted, it is an H.264 MP4 of the requested length and shape.
    const out = join(stack.config.tmpDir, `${requestId}.mp4`);
    await pipeline(stack.ports.media.decrypt(stack.ports.blobs.download(done.outputs!.videoPath), done.outputs!.encryption), createWriteStream(out));
    const probe = await ffprobeJson(out);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect(video.pix_fmt).toBe('yuv420p');
    expect([video.width, video.height]).toEqual([960, 540]);
    expect(Number(probe.format.duration)).toBeGreaterThan(4.8);
    expect(Number(probe.format.duration)).toBeLessThan(5.3);

    expect(generationsFor(stack, requestId)).toHaveLength(1);
    const events = await stack.events.list({ requestId });
    expect(events.filter((e) => e.type === 'transition')).toHaveLength(transitions.length - 1);
    expect(events.filter((e) => e.type === 'request_created')).toHaveLength(1);
    // Aggregated like the Firebase aggregator does: counters in the day's buckets.
    const stats = await stack.stats();
    expect(stats.counters['transitions.posted']).toBeGreaterThanOrEqual(1);
    expect(stats.total.credits.cents).toBeGreaterThan(0);
  });

  it('ends a request whose Luma generation fails as failed with a clear, retryable error and no post', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    try {
      const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST_VIDEO });
      const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 60_000);
      expect(done.state).toBe('failed');
      expect(['LUMA_GENERATION_FAILED', 'LUMA_MODERATION']).toContain(done.error?.code);
      expect(done.error?.message.length).toBeGreaterThan(10);
      expect(done.error?.detail).toBeTruthy();
      expect(done.error?.retryable).toBe(true);
      expect(done.postId).toBeUndefined();
    } finally {
      stack.simulator!.setFaults({ failureRate: 0 });
    }
  });

  it('refuses an empty draft before spending any Luma credits', async () => {
    const before = stack.simulator!.generations().length;
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-empty', options: FAST_VIDEO });
    const done = await stack.waitForState(UID, requestId, ['failed', 'posted'], 30_000);
    expect(done.error).toMatchObject({ code: 'DRAFT_EMPTY', retryable: false });
    expect(stack.simulator!.generations().length).toBe(before);
  });

  it('answers a forged webhook with 403 and changes nothing', async () => {
    const res = await fetch(`${stack.url}/luma/webhook/${UID}/nope?token=forged`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x', state: 'completed' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('the same run with every event and task delivered twice', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack({ config: { duplicateDelivery: true } })));
  afterAll(() => cleanup?.());

  it('makes exactly one Luma generation, one post and one transition per state', async () => {
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST_VIDEO });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
    expect(done.state).toBe('posted');
    expect(generationsFor(stack, requestId)).toHaveLength(1);
    const posts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] });
    expect(posts).toHaveLength(1);
    const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
    expect(new Set(states).size).toBe(states.length);
  });

  it('a content-cache hit delivered twice: one ready, one post, its own files whole (the losing duplicate removes nothing)', async () => {
    const creates = stack.simulator!.stats().creates.video;
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: { ...FAST_VIDEO, fresh: false } });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 30_000);
    expect(done.cachedFrom).toBeTruthy();
    expect(stack.simulator!.stats().creates.video).toBe(creates);
    await new Promise((r) => setTimeout(r, 1000)); // let the duplicate finish too
    for (const path of [done.outputs!.videoPath, done.outputs!.posterPath]) expect(await stack.ports.blobs.stat(path)).not.toBeNull();
    const res = await fetch(`${stack.url}/v1/requests/${requestId}/video`, { headers: { authorization: 'Bearer demo-token' } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(done.outputs!.encryption.plaintextBytes);
    const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
    expect(states).toEqual(['pending', 'validating', 'ready', 'posted']);
    const posts = await stack.ports.store.query<Post>({ collection: 'posts', where: [{ field: 'requestId', op: '==', value: requestId }] });
    expect(posts).toHaveLength(1);
  });
});
