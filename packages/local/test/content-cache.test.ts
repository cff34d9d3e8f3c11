import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { docPaths, type Post, type Transition, type VideoRequest } from '@d2v/schema';
import { findCachedVideo } from '@d2v/core';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

/**
 * The content cache end to end: the same person's identical draft content and video-shaping options reuse the
 * stored video of an earlier request — no Luma generation, the same bytes — over real HTTP, SQLite, ffmpeg and the
 * simulator (whose create counter is the proof that Luma was not called).
 */
const UID = 'demo-user';
const OTHER = 'other-user';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

let stack: LocalStack;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ stack, cleanup } = await startTestStack({ simulator: { seed: 5, timing: { queuedMs: 200, dreamingMs: 1000 } } })));
afterAll(() => cleanup?.());

const creates = () => {
  const c = stack.simulator!.stats().creates;
  return c.video + c.image;
};
async function make(draftId: string, options: Record<string, unknown> = {}, uid = UID): Promise<VideoRequest> {
  const { requestId } = await stack.api.createRequest(uid, { draftId, options: { ...FAST, ...options } });
  return stack.waitForState(uid, requestId, ['ready', 'posted', 'failed', 'cancelled'], 60_000);
}
async function bytes(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stack.ports.blobs.download(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
async function decrypted(doc: VideoRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stack.ports.media.decrypt(stack.ports.blobs.download(doc.outputs!.videoPath), doc.outputs!.encryption)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
/** The request the content cache serves this content from (the person's earliest one still holding its video). */
async function entry(doc: VideoRequest): Promise<{ key: string; requestId: string } | null> {
  const found = await findCachedVideo(stack.ports.store, doc.uid, doc.contentKey!);
  return found && { key: found.contentKey!, requestId: found.requestId };
}
const transitions = async (doc: VideoRequest): Promise<Transition[]> => stack.api.listTransitions(doc.uid, doc.requestId);

describe('a text draft made twice', () => {
  let source: VideoRequest;
  let hit: VideoRequest;
  /** Made with `fresh`: a video of the same content generated on its own, so a source too. */
  let freshOne: VideoRequest;

  beforeAll(async () => {
    source = await make('demo-sunrise');
    const before = creates();
    hit = await make('demo-sunrise', { caption: 'again, with another caption', visibility: 'private' });
    expect(creates()).toBe(before);
  }, 90_000);

  it('the first is generated and becomes the cache entry for its content', async () => {
    expect(source.state).toBe('ready');
    expect(source.contentKey).toMatch(/^[0-9a-f]{64}$/);
    expect(source.cachedFrom).toBeUndefined();
    expect(generationsFor(stack, source.requestId)).toHaveLength(1);
    expect(await entry(source)).toMatchObject({ key: source.contentKey, requestId: source.requestId });
  });

  it('the second reuses it: 0 new Luma generations, ready straight from validating, recorded as cachedFrom', async () => {
    expect(hit.state).toBe('ready');
    expect(hit.cachedFrom).toBe(source.requestId);
    expect(hit.contentKey).toBe(source.contentKey);
    expect(generationsFor(stack, hit.requestId)).toHaveLength(0);
    expect(hit.luma.generationId).toBeUndefined();
    const log = await transitions(hit);
    expect(log.map((t) => t.to)).toEqual(['pending', 'validating', 'ready']);
    expect(log.at(-1)!.reason).toMatch(/from cache/);
    // The entry stays with the first video (a copy does not take it over).
    expect((await entry(hit))!.requestId).toBe(source.requestId);
    const events = await stack.events.list({ requestId: hit.requestId });
    expect(events.filter((e) => e.type === 'cache_hit')).toEqual([expect.objectContaining({ attrs: expect.objectContaining({ sourceRequestId: source.requestId }) })]);
  });

  it('holds the same video bytes in files of its own (the same ciphertext, decryptable on its own)', async () => {
    expect(hit.outputs!.videoPath).not.toBe(source.outputs!.videoPath);
    expect(hit.outputs!.videoPath).toContain(`/${hit.requestId}/`);
    expect(await bytes(hit.outputs!.videoPath)).toEqual(await bytes(source.outputs!.videoPath));
    expect(await bytes(hit.outputs!.posterPath)).toEqual(await bytes(source.outputs!.posterPath));
    const plain = await decrypted(hit);
    expect(plain.length).toBe(hit.outputs!.encryption.plaintextBytes);
    expect(plain).toEqual(await decrypted(source));
    // The owner's playback route serves it like any other video.
    const res = await fetch(`${stack.url}/v1/requests/${hit.requestId}/video`, { headers: { authorization: 'Bearer demo-token' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(plain);
  });

  it('posts a hit with autoPost like any video (its own post, its own files)', async () => {
    const before = creates();
    const posted = await make('demo-sunrise', { autoPost: true, caption: 'from the cache' });
    expect(creates()).toBe(before);
    expect(posted.state).toBe('posted');
    expect(posted.cachedFrom).toBe(source.requestId);
    const post = (await stack.ports.store.get<Post>(docPaths.post(posted.postId!)))!.data;
    expect(post).toMatchObject({ requestId: posted.requestId, caption: 'from the cache', videoPath: posted.outputs!.videoPath });
  }, 30_000);

  it('misses when an option that shapes the video differs, and with options.fresh', async () => {
    const before = creates();
    const square = await make('demo-sunrise', { aspectRatio: '1:1' });
    expect(square.cachedFrom).toBeUndefined();
    expect(square.contentKey).not.toBe(source.contentKey);
    const fresh = await make('demo-sunrise', { fresh: true });
    freshOne = fresh;
    expect(fresh.cachedFrom).toBeUndefined();
    expect(fresh.contentKey).toBe(source.contentKey);
    expect(generationsFor(stack, fresh.requestId)).toHaveLength(1);
    expect(creates()).toBe(before + 2);
  }, 90_000);

  it('is per person: someone else with the identical draft gets their own generation', async () => {
    const draft = (await stack.ports.store.get(docPaths.draft(UID, 'demo-sunrise')))!.data;
    await stack.ports.store.runTransaction(async (tx) => tx.set(docPaths.draft(OTHER, 'copy'), { ...draft, id: 'copy', uid: OTHER }));
    const before = creates();
    const theirs = await make('copy', {}, OTHER);
    expect(theirs.state).toBe('ready');
    expect(theirs.cachedFrom).toBeUndefined();
    // The same content, so the same key — but the index is per person (users/{uid}/videoCache/{key}).
    expect(theirs.contentKey).toBe(source.contentKey);
    expect((await entry(theirs))!.requestId).toBe(theirs.requestId);
    expect(creates()).toBe(before + 1);
  }, 60_000);

  it('dies with its video: after the source is deleted the next identical draft is generated (and a copy made before still plays)', async () => {
    // While another generated video of this content lives (the `fresh` one), it serves: the content dies with the
    // last video made from it, never with a copy.
    await stack.api.requestAction(UID, source.requestId, { type: 'delete' });
    await stack.waitForState(UID, source.requestId, ['deleted'], 10_000);
    expect((await entry(source))?.requestId).toBe(freshOne.requestId);
    await stack.api.requestAction(UID, freshOne.requestId, { type: 'delete' });
    await stack.waitForState(UID, freshOne.requestId, ['deleted'], 10_000);
    for (const deadline = Date.now() + 5000; (await entry(source)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(await entry(source)).toBeNull();
    expect((await decrypted(hit)).length).toBe(hit.outputs!.encryption.plaintextBytes);

    const before = creates();
    const again = await make('demo-sunrise');
    expect(again.cachedFrom).toBeUndefined();
    expect(creates()).toBe(before + 1);
    expect((await entry(again))!.requestId).toBe(again.requestId);
  }, 60_000);
});

describe('a draft with images', () => {
  it('keys on the images\' bytes: identical → hit; the same path with other bytes → a new generation', async () => {
    const first = await make('demo-portrait');
    expect(first.state).toBe('ready');
    const before = creates();
    const second = await make('demo-portrait');
    expect(second.cachedFrom).toBe(first.requestId);
    expect(creates()).toBe(before);

    // The person replaces a reference image with another picture under the same name.
    const path = 'users/demo-user/uploads/ref-neon.jpg';
    const other = await readFile(stack.blobFile('users/demo-user/uploads/ref-street.jpg'));
    await stack.ports.blobs.upload(path, Readable.from([other]), { contentType: 'image/jpeg' });
    const third = await make('demo-portrait');
    expect(third.cachedFrom).toBeUndefined();
    expect(third.contentKey).not.toBe(first.contentKey);
    expect(creates()).toBe(before + 2); // keyframe image + video
  }, 120_000);
});
