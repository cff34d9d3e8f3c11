import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Post, VideoRequest, VideoState } from '@d2v/schema';
import type { LocalStack } from '../src';
import { ffprobeJson, generationsFor, startTestStack } from './helpers';

/**
 * Issue #13 follow-ups end to end: actions on a posted video over real HTTP, each making a new request
 * (`followUpOf`) that runs the whole pipeline against the simulator (its upscale, audio, modify and reframe
 * endpoints, extend as a video with a generation frame0), ffmpeg and SQLite; the stored (encrypted) result is
 * decrypted and probed.
 */

const UID = 'demo-user';
const DEMO = 'demo-token';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

let stack: LocalStack;
let cleanup: () => Promise<void>;
let dataDir: string;
// A short extension limit, so that extending an extension is refused (Luma's own is 30 s).
beforeAll(async () => {
  ({ stack, cleanup } = await startTestStack({ core: { maxExtendedSeconds: 12 } }));
  dataDir = stack.config.dataDir;
});
afterAll(() => cleanup?.());

async function call(method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : text };
}

async function act(requestId: string, body: Record<string, unknown>): Promise<NonNullable<VideoRequest['lastActionResult']>> {
  const res = await call('POST', `/v1/requests/${requestId}/actions`, body);
  expect(res.status).toBe(202);
  const actionId = res.body.actionId as string;
  for (const deadline = Date.now() + 20_000; ; ) {
    const doc = await stack.api.getRequest(UID, requestId);
    if (doc.lastActionResult?.id === actionId) return doc.lastActionResult;
    if (Date.now() > deadline) throw new Error(`no result for ${actionId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const waitFor = (requestId: string, states: VideoState[]) => stack.waitForState(UID, requestId, states, 60_000);

async function probe(doc: VideoRequest): Promise<Awaited<ReturnType<typeof ffprobeJson>>> {
  const chunks: Buffer[] = [];
  for await (const c of stack.ports.media.decrypt(stack.ports.blobs.download(doc.outputs!.videoPath), doc.outputs!.encryption)) chunks.push(c as Buffer);
  const file = join(dataDir, `probe-${doc.requestId}.mp4`);
  writeFileSync(file, Buffer.concat(chunks));
  return ffprobeJson(file);
}

const videoStream = (p: Awaited<ReturnType<typeof ffprobeJson>>) => p.streams.find((s) => s.codec_type === 'video')!;

describe('follow-ups of a posted video', () => {
  let original: VideoRequest;
  let originalProbe: Awaited<ReturnType<typeof ffprobeJson>>;
  const made: Record<string, VideoRequest> = {};

  beforeAll(async () => {
    const res = await call('POST', '/v1/requests', { draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, fresh: true } });
    expect(res.status).toBe(201);
    original = await waitFor(res.body.requestId, ['posted', 'failed']);
    expect(original.state).toBe('posted');
    originalProbe = await probe(original);
  }, 90_000);

  it('makes each follow-up as a new request through the whole pipeline, and probes longer, larger, with audio, reframed', async () => {
    const asks = {
      extend: { type: 'extend', duration: '5s' },
      upscale: { type: 'upscale', resolution: '720p' },
      addAudio: { type: 'addAudio', prompt: 'birds at dawn and a soft wind' },
      restyle: { type: 'restyle', mode: 'reimagine_2', prompt: 'as a watercolour painting' },
      reframe: { type: 'reframe', aspectRatio: '9:16' },
    } as const;
    const started: Record<string, string> = {};
    for (const [name, body] of Object.entries(asks)) {
      const result = await act(original.requestId, body);
      expect(result).toMatchObject({ ok: true });
      started[name] = result.versionRequestId!;
    }
    for (const [name, id] of Object.entries(started)) {
      made[name] = await waitFor(id, ['ready', 'failed']);
      expect({ name, state: made[name]!.state, error: made[name]!.error ?? null }).toEqual({ name, state: 'ready', error: null });
      expect(made[name]!.followUpOf).toBe(original.requestId);
      expect(generationsFor(stack, id)).toHaveLength(1);
    }
    const base = videoStream(originalProbe);
    const extended = await probe(made.extend!);
    expect(Number(extended.format.duration)).toBeGreaterThan(Number(originalProbe.format.duration) + 3);
    const upscaled = videoStream(await probe(made.upscale!));
    expect(upscaled.height!).toBeGreaterThan(base.height!);
    expect([upscaled.width, upscaled.height]).toEqual([1280, 720]);
    expect(originalProbe.streams.some((s) => s.codec_type === 'audio')).toBe(false);
    expect((await probe(made.addAudio!)).streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(videoStream(await probe(made.restyle!)).width).toBe(base.width);
    const reframed = videoStream(await probe(made.reframe!));
    expect(reframed.height! / reframed.width!).toBeCloseTo(16 / 9, 1);

    // The original stays as it was and lists its versions; the post still shows the original.
    const after = await stack.api.getRequest(UID, original.requestId);
    expect(after.state).toBe('posted');
    expect(after.outputs).toEqual(original.outputs);
    expect(after.versions!.map((v) => v.type)).toEqual(['extend', 'upscale', 'addAudio', 'restyle', 'reframe']);
    const listed = await call('GET', `/v1/requests/${original.requestId}/versions`);
    expect(listed.status).toBe(200);
    expect(listed.body.versions.map((v: { type: string; state: string; inPost: boolean }) => [v.type, v.state, v.inPost])).toEqual([
      ['original', 'posted', true], ['extend', 'ready', false], ['upscale', 'ready', false], ['addAudio', 'ready', false], ['restyle', 'ready', false], ['reframe', 'ready', false],
    ]);
  }, 180_000);

  it('replaces the post’s video with a version only when asked (useVersion), and back', async () => {
    const upscaled = made.upscale!;
    const result = await act(original.requestId, { type: 'useVersion', versionRequestId: upscaled.requestId });
    expect(result).toMatchObject({ ok: true, versionRequestId: upscaled.requestId });
    const post = (await stack.ports.store.get<Post>(`posts/${original.postId}`))!.data;
    expect(post).toMatchObject({ videoPath: upscaled.outputs!.videoPath, width: 1280, height: 720, requestId: original.requestId });
    // The version the post shows cannot be deleted from under it.
    expect(await act(upscaled.requestId, { type: 'delete' })).toMatchObject({ ok: false, code: 'ACTION_NOT_ALLOWED' });
    expect(await act(original.requestId, { type: 'useVersion', versionRequestId: 'not-a-version' })).toMatchObject({ ok: false, code: 'VERSION_NOT_FOUND' });
    expect(await act(original.requestId, { type: 'useVersion', versionRequestId: original.requestId })).toMatchObject({ ok: true });
    expect((await stack.ports.store.get<Post>(`posts/${original.postId}`))!.data.videoPath).toBe(original.outputs!.videoPath);
  });

  it('applies a follow-up delivered twice once: one request, one Luma call', async () => {
    const before = stack.simulator!.generations().length;
    const body = { id: 'dup-upscale-1', type: 'upscale', resolution: '1080p' };
    const first = await act(original.requestId, body);
    // The same action written again (a double tap, a retried write) and the update event delivered again.
    await call('POST', `/v1/requests/${original.requestId}/actions`, body);
    const doc = await waitFor(first.versionRequestId!, ['ready', 'failed']);
    expect(doc.state).toBe('ready');
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.simulator!.generations().length - before).toBe(1);
    expect(generationsFor(stack, first.versionRequestId!)).toHaveLength(1);
    const versions = (await stack.api.getRequest(UID, original.requestId)).versions!;
    expect(versions.filter((v) => v.actionId === 'dup-upscale-1')).toHaveLength(1);
  }, 90_000);

  it('refuses impossible follow-ups with a FOLLOW_UP_* code and a sentence, without calling Luma', async () => {
    const before = stack.simulator!.generations().length;
    const credits = (await stack.ports.luma.getCredits()).credit_balance;
    const cases: [string, VideoRequest, Record<string, unknown>, string][] = [
      ['upscale to the same resolution', original, { type: 'upscale', resolution: '540p' }, 'FOLLOW_UP_RESOLUTION'],
      ['reframe to the same ratio', original, { type: 'reframe', aspectRatio: '16:9' }, 'FOLLOW_UP_SAME_RATIO'],
      ['extend past the limit (10 s + 5 s > 12 s)', made.extend!, { type: 'extend', duration: '5s' }, 'FOLLOW_UP_TOO_LONG'],
      ['upscale without a resolution', original, { type: 'upscale' }, 'FOLLOW_UP_INVALID'],
      ['extend an upscale', made.upscale!, { type: 'extend' }, 'FOLLOW_UP_UNSUPPORTED'],
    ];
    for (const [what, target, body, code] of cases) {
      const result = await act(target.requestId, body);
      expect({ what, ok: result.ok, code: result.code }).toEqual({ what, ok: false, code });
      expect(result.message!.length).toBeGreaterThan(20);
    }
    // Not ready yet: a video still being made.
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 4000 });
    const res = await call('POST', '/v1/requests', { draftId: 'demo-sunrise', options: { ...FAST, fresh: true } });
    const working = await act(res.body.requestId, { type: 'upscale', resolution: '1080p' });
    expect(working).toMatchObject({ ok: false, code: 'FOLLOW_UP_NOT_READY' });
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 1200 });
    await waitFor(res.body.requestId, ['ready', 'failed']);
    // Only the working request's own generation was created; nothing was billed for the refusals.
    expect(stack.simulator!.generations().length - before).toBe(1);
    const spent = credits - (await stack.ports.luma.getCredits()).credit_balance;
    const own = stack.simulator!.generations().at(-1)!.chargedCents;
    expect(spent).toBeCloseTo(own, 5);
  }, 90_000);
});
