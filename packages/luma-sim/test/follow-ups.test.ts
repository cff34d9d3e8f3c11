/**
 * The follow-ups end to end through our own Luma client (real HTTP, real ffmpeg, ffprobe on what comes back):
 * extend is longer, upscale is larger, add_audio has an audio track, modify differs from its source, reframes
 * have the new aspect ratio; each is its own generation with states, callbacks, GET, list and delete.
 */
import fs from 'node:fs';
import { extendVideoRequest, LumaClient, LumaError, type Generation } from '@d2v/luma';
import { LumaSimulator, startLumaSimulator } from '../src';
import {
  delay,
  download,
  eventually,
  FAST,
  ffprobe,
  frameDifference,
  greyFrame,
  KEY,
  Probe,
  Receiver,
  startReceiver,
  tempDir,
  videoStream,
} from './helpers';

let scratch: string;
let sim: LumaSimulator;
let client: LumaClient;
let receiver: Receiver;
let source: Generation;
let sourceFile: string;
let sourceProbe: Probe;
let image: Generation;

/** Polls through our client until the generation ends; fails the test on `failed`. */
async function finished(id: string): Promise<Generation> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(50)) {
    const g = await client.getGeneration(id);
    if (g.state === 'completed') return g;
    if (g.state === 'failed') throw new Error(`generation ${id} failed: ${g.failure_reason}`);
  }
  throw new Error(`generation ${id} did not finish`);
}

async function probeAsset(g: Generation, name: string): Promise<{ file: string; probe: Probe }> {
  const url = g.assets?.video ?? g.assets?.image;
  if (!url) throw new Error(`generation ${g.id} has no asset`);
  const { file } = await download(url, scratch, name);
  return { file, probe: await ffprobe(file) };
}

beforeAll(async () => {
  scratch = tempDir();
  receiver = await startReceiver();
  // 720 lets the 540p → 720p upscale really grow; everything else stays at 540p.
  sim = await startLumaSimulator({ timing: FAST, maxRenderHeight: 720, seed: 13 });
  client = new LumaClient({ apiKey: KEY, baseUrl: sim.url, maxRetries: 0 });
  source = await client.createVideo({ model: 'ray-2', prompt: 'a lighthouse at dusk', resolution: '540p', aspect_ratio: '16:9', duration: '5s' });
  image = await client.createImage({ model: 'photon-flash-1', prompt: 'a lighthouse poster', aspect_ratio: '16:9', sync: true });
  source = await finished(source.id);
  ({ file: sourceFile, probe: sourceProbe } = await probeAsset(source, 'source.mp4'));
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('follow-ups through the Luma client', () => {
  it('starts from a 960x540, 5 s source without audio', () => {
    expect(videoStream(sourceProbe)).toMatchObject({ width: 960, height: 540 });
    expect(Number(sourceProbe.format.duration)).toBeCloseTo(5, 0);
    expect(sourceProbe.streams.some((s) => s.codec_type === 'audio')).toBe(false);
  });

  it('upscales into a new upscale_video generation that is really larger, with callbacks', async () => {
    const created = await client.upscaleGeneration(source.id, { resolution: '720p', callback_url: `${receiver.url}/cb/upscale` });
    expect(created).toMatchObject({ generation_type: 'upscale_video', state: 'queued', model: 'ray-2' });
    expect(created.request).toMatchObject({ resolution: '720p', generation_type: 'upscale_video' });
    const done = await finished(created.id);
    const { probe } = await probeAsset(done, 'upscaled.mp4');
    expect(videoStream(probe)).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(Number(probe.format.duration)).toBeCloseTo(Number(sourceProbe.format.duration), 0);

    const states = () => receiver.received.filter((r) => r.url === '/cb/upscale').map((r) => r.body.state);
    await eventually(() => states().length >= 4, 5000, 'upscale callbacks');
    expect(states()).toEqual(['dreaming', 'dreaming', 'completed', 'completed']);
  });

  it('adds a real audio track in a new add_audio generation, and refuses a second one', async () => {
    const created = await client.addAudio(source.id, { prompt: 'waves and gulls', negative_prompt: 'music' });
    expect(created.generation_type).toBe('add_audio');
    const done = await finished(created.id);
    const { probe } = await probeAsset(done, 'audio.mp4');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(audio).toMatchObject({ codec_name: 'aac' });
    expect(videoStream(probe)).toMatchObject({ width: 960, height: 540 });
    expect(Number(probe.format.duration)).toBeCloseTo(5, 0);

    const again = await client.addAudio(done.id, { prompt: 'more waves' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(LumaError);
    expect(again).toMatchObject({ kind: 'bad_request', status: 400, retryable: false, detail: `Generation ${done.id} already has audio` });
  });

  it('extends through createVideo with a generation keyframe: the result is the source plus a new clip', async () => {
    const req = extendVideoRequest(source.id, { model: 'ray-flash-2', prompt: 'the light sweeps out to sea', resolution: '540p', aspect_ratio: '16:9' });
    expect(req.keyframes).toEqual({ frame0: { type: 'generation', id: source.id } });
    const created = await client.createVideo(req);
    expect(created.generation_type).toBe('video');
    const done = await finished(created.id);
    const { file, probe } = await probeAsset(done, 'extended.mp4');
    expect(Number(probe.format.duration)).toBeCloseTo(10, 0);
    expect(Number(probe.format.duration)).toBeGreaterThan(Number(sourceProbe.format.duration) + 4);
    // The first part is the source itself; the new clip starts on the source's last frame.
    expect(frameDifference(await greyFrame(file, 1), await greyFrame(sourceFile, 1))).toBeLessThan(6);
    expect(frameDifference(await greyFrame(file, 5.05), await greyFrame(sourceFile, 4.95))).toBeLessThan(40);
    expect(sim.generations().find((g) => g.id === done.id)!.facts).toMatchObject({ durationSeconds: 10, chainSeconds: 10 });
  });

  it('modifies the video at a URL into a restyled modify_video generation', async () => {
    const created = await client.modifyVideo({
      model: 'ray-2',
      mode: 'flex_3',
      media: { url: source.assets!.video! },
      first_frame: { url: image.assets!.image! },
      prompt: 'as a neon wireframe',
    });
    expect(created).toMatchObject({ generation_type: 'modify_video', model: 'ray-2' });
    const done = await finished(created.id);
    const { file, probe } = await probeAsset(done, 'modified.mp4');
    expect(videoStream(probe)).toMatchObject({ codec_name: 'h264', width: 960, height: 540 });
    expect(Number(probe.format.duration)).toBeCloseTo(5, 0);
    // Well into the clip (after the first-frame guide): the same motion, visibly another look.
    expect(frameDifference(await greyFrame(file, 2.5), await greyFrame(sourceFile, 2.5))).toBeGreaterThan(20);
  });

  it('reframes the video to 9:16 in a reframe_video generation', async () => {
    const created = await client.reframeVideo({ model: 'ray-flash-2', aspect_ratio: '9:16', media: { url: source.assets!.video! }, prompt: 'more sky' });
    expect(created.generation_type).toBe('reframe_video');
    const done = await finished(created.id);
    const { probe } = await probeAsset(done, 'reframed.mp4');
    expect(videoStream(probe)).toMatchObject({ width: 540, height: 960 });
    expect(Number(probe.format.duration)).toBeCloseTo(5, 0);
  });

  it('reframes an image to 1:1 in a reframe_image generation, placed by crop bounds', async () => {
    const created = await client.reframeImage({
      model: 'photon-flash-1',
      aspect_ratio: '1:1',
      format: 'png',
      media: { url: image.assets!.image! },
      x_start: 0,
      x_end: 576,
      y_start: 100,
      y_end: 424,
    });
    expect(created.generation_type).toBe('reframe_image');
    const done = await finished(created.id);
    expect(done.assets?.image).toMatch(/image\.png/);
    const { probe } = await probeAsset(done, 'reframed.png');
    expect(videoStream(probe)).toMatchObject({ codec_name: 'png', width: 576, height: 576 });
  });

  it('lists, gets and deletes follow-up generations like any other', async () => {
    const { generations } = await client.listGenerations({ limit: 100 });
    const types = new Set(generations.map((g) => g.generation_type));
    for (const t of ['video', 'image', 'upscale_video', 'add_audio', 'modify_video', 'reframe_video', 'reframe_image']) {
      expect(types).toContain(t);
    }
    const reframed = generations.find((g) => g.generation_type === 'reframe_video')!;
    await client.deleteGeneration(reframed.id);
    await expect(client.getGeneration(reframed.id)).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    expect(sim.stats().creates).toMatchObject({ upscale_video: 1, add_audio: 1, modify_video: 1, reframe_video: 1, reframe_image: 1 });
  });

  it('chains: an upscale of an edit follows the edit, not the original', async () => {
    const reframed = await finished((await client.reframeVideo({ model: 'ray-2', aspect_ratio: '1:1', media: { url: source.assets!.video! } })).id);
    const up = await finished((await client.upscaleGeneration(reframed.id, { resolution: '720p' })).id);
    const { probe } = await probeAsset(up, 'square-720.mp4');
    expect(videoStream(probe)).toMatchObject({ width: 720, height: 720 });
  });
});
