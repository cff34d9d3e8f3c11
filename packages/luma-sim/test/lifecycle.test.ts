/**
 * Generations over time with real ffmpeg renders: states, assets (checked with ffprobe), callbacks, failures,
 * refunds, asset expiry and input images. Short timings and 540p keep it fast.
 */
import fs from 'node:fs';
import { GenerationSchema } from '../../luma/src/types';
import { CALLBACK_RETRIES, INPUT_FRAMES_FAILURE, LumaSimulator, startLumaSimulator } from '../src';
import {
  call,
  delay,
  download,
  eventually,
  FAST,
  ffprobe,
  makePng,
  Receiver,
  startReceiver,
  tempDir,
  waitForGeneration,
} from './helpers';

let scratch: string;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('a video generation with a callback receiver', () => {
  let sim: LumaSimulator;
  let receiver: Receiver;
  let created: { id: string; state: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let finished: any;
  const observedStates: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startLumaSimulator({ timing: { ...FAST, queuedMs: 300, dreamingMs: 600 }, seed: 11 });
    const res = await call(sim, 'POST', '/generations/video', {
      model: 'ray-2',
      prompt: 'a paper boat drifting down a rainy street, "quoted" 100% : [odd] chars; \\ backslash',
      resolution: '540p',
      aspect_ratio: '16:9',
      duration: '5s',
      callback_url: `${receiver.url}/luma/webhook?token=abc`,
    });
    expect(res.status).toBe(201);
    created = res.body;
    finished = await waitForGeneration(sim, created.id, (s) => {
      if (observedStates[observedStates.length - 1] !== s) observedStates.push(s);
      return s === 'completed' || s === 'failed';
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('goes queued → dreaming → completed over the configured times', () => {
    expect(created.state).toBe('queued');
    expect(observedStates).toEqual(['queued', 'dreaming', 'completed']);
    expect(finished).toMatchObject({ state: 'completed', failure_reason: null });
    expect(GenerationSchema.parse(finished)).toBeTruthy();
    const gen = sim.generations()[0];
    expect(gen.renderedSize).toEqual({ width: 960, height: 540 });
    // How long it held a concurrency slot: at least queued + dreaming (d2v bench pipeline's slot use).
    expect(gen.endedAt! - Date.parse(gen.generation.created_at)).toBeGreaterThanOrEqual(900 - 5);
  });

  it('serves a downloadable H.264 MP4 of the requested size and duration', async () => {
    expect(finished.assets.video).toMatch(new RegExp(`^${sim.origin}/assets/${created.id}/video\\.mp4\\?exp=\\d+&sig=`));
    const { file, res } = await download(finished.assets.video, scratch, 'video.mp4');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const probe = await ffprobe(file);
    const v = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(v).toMatchObject({ codec_name: 'h264', width: 960, height: 540, pix_fmt: 'yuv420p', r_frame_rate: '24/1' });
    expect(Number(probe.format.duration)).toBeCloseTo(5, 0);
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(false);
  });

  it('refuses a tampered asset signature with 403', async () => {
    const tampered = finished.assets.video.replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('POSTs the generation JSON twice per state to the callback URL', async () => {
    await eventually(() => receiver.received.length >= 4, 5000, 'four callbacks');
    await delay(200); // no extra copies trickle in
    expect(receiver.received).toHaveLength(4);
    for (const r of receiver.received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/luma/webhook?token=abc');
      expect(r.body.id).toBe(created.id);
      expect(GenerationSchema.parse(r.body)).toBeTruthy();
    }
    expect(receiver.received.map((r) => r.body.state)).toEqual(['dreaming', 'dreaming', 'completed', 'completed']);
    expect(receiver.received[3].body.assets.video).toBe(finished.assets.video);
    expect(sim.stats().callbacks).toMatchObject({ sent: 4, failed: 0, attempts: 4 });
  });

  it('upscales into a new, larger video generation', async () => {
    const res = await call(sim, 'POST', `/generations/${created.id}/upscale`, { generation_type: 'upscale_video', resolution: '720p' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ generation_type: 'upscale_video', state: 'queued', model: 'ray-2' });
    expect(res.body.id).not.toBe(created.id);
    const done = await waitForGeneration(sim, res.body.id);
    expect(done.state).toBe('completed');
    const probe = await ffprobe((await download(done.assets.video, scratch, 'up.mp4')).file);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
  });

  it('adds audio into a new video generation with an audio track', async () => {
    const res = await call(sim, 'POST', `/generations/${created.id}/audio`, { generation_type: 'add_audio', prompt: 'gentle rain' });
    expect(res.status).toBe(201);
    expect(res.body.generation_type).toBe('add_audio');
    const done = await waitForGeneration(sim, res.body.id);
    const probe = await ffprobe((await download(done.assets.video, scratch, 'audio.mp4')).file);
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
  });

  it('extends a completed generation (frame0 = generation)', async () => {
    const res = await call(sim, 'POST', '/generations/video', {
      model: 'ray-flash-2',
      prompt: 'the boat reaches the sea',
      resolution: '540p',
      aspect_ratio: '1:1',
      keyframes: { frame0: { type: 'generation', id: created.id } },
    });
    expect(res.status).toBe(201);
    const done = await waitForGeneration(sim, res.body.id);
    expect(done.state).toBe('completed');
    expect(sim.generations().find((g) => g.id === res.body.id)!.renderedSize).toEqual({ width: 540, height: 540 });
  });
});

describe('image generations', () => {
  let sim: LumaSimulator;
  beforeAll(async () => {
    sim = await startLumaSimulator({ timing: FAST, faults: { assetTtlMs: 1500 } });
  });
  afterAll(() => sim.close());

  it('produce a JPEG of the aspect ratio (sync=true answers once done)', async () => {
    const res = await call(sim, 'POST', '/generations/image', { model: 'photon-1', prompt: 'a teapot on the moon', aspect_ratio: '16:9', sync: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ generation_type: 'image', state: 'completed', model: 'photon-1' });
    const { file, res: asset, bytes } = await download(res.body.assets.image, scratch, 'img.jpg');
    expect(asset.headers.get('content-type')).toBe('image/jpeg');
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const probe = await ffprobe(file);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 1024, height: 576 });
  });

  it('produce a PNG when format is png', async () => {
    const res = await call(sim, 'POST', '/generations/image', { model: 'photon-flash-1', prompt: 'a teapot', aspect_ratio: '9:16', format: 'png' });
    const done = await waitForGeneration(sim, res.body.id);
    const { file, bytes } = await download(done.assets.image, scratch, 'img.png');
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await ffprobe(file)).streams[0]).toMatchObject({ codec_name: 'png', width: 576, height: 1024 });
  });

  it('expire their asset URL after assetTtlMs (403)', async () => {
    const res = await call(sim, 'POST', '/generations/image', { model: 'photon-1', prompt: 'a short-lived teapot', sync: true });
    expect((await fetch(res.body.assets.image)).status).toBe(200);
    await delay(1600);
    const expired = await fetch(res.body.assets.image);
    expect(expired.status).toBe(403);
    // Re-reading the generation does not renew the link.
    expect((await call(sim, 'GET', `/generations/${res.body.id}`)).body.assets.image).toBe(res.body.assets.image);
  });
});

describe('failures', () => {
  let sim: LumaSimulator | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await sim?.close();
    await receiver?.close();
    sim = undefined;
    receiver = undefined;
  });

  it('injects failures with a reason from the list and refunds the credits', async () => {
    sim = await startLumaSimulator({ timing: FAST, faults: { failureRate: 1, failureReasons: ['Frame moderation failed'] } });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', prompt: 'a harmless sunset', resolution: '1080p' });
    expect(res.status).toBe(201);
    expect(sim.stats().creditBalance).toBe(100_000 - 159);
    const done = await waitForGeneration(sim, res.body.id);
    expect(done).toMatchObject({ state: 'failed', failure_reason: 'Frame moderation failed', assets: null });
    expect(sim.stats().creditBalance).toBe(100_000);
    expect(sim.generations()[0]).toMatchObject({ refunded: true, chargedCents: 159 });
    expect(sim.stats().failed).toBe(1);
  });

  it('picks reasons from Luma\'s list reproducibly for a seed', async () => {
    const reasons = async () => {
      const s = await startLumaSimulator({ timing: { ...FAST, dreamingMs: 10 }, faults: { failureRate: 0.5 }, seed: 'replay-me' });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await call(s, 'POST', '/generations/video', { model: 'ray-2', prompt: `take ${i}` })).body.id);
      const planned = s.generations().map((g) => g.plannedFailure);
      await s.close();
      return planned;
    };
    const first = await reasons();
    expect(await reasons()).toEqual(first);
    expect(first.some((r) => r === null)).toBe(true);
    expect(first.some((r) => typeof r === 'string')).toBe(true);
  });

  it('fails prompts with blacklisted words as "Contains blacklisted words"', async () => {
    sim = await startLumaSimulator({ timing: FAST, faults: { blacklistedWords: ['forbidden'] } });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', prompt: 'a FORBIDDEN dance' });
    expect((await waitForGeneration(sim, res.body.id)).failure_reason).toBe('Contains blacklisted words');
  });

  it(`retries a non-200 callback ${CALLBACK_RETRIES} times, 100 ms apart, then gives up`, async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    sim = await startLumaSimulator({ timing: FAST, faults: { duplicateCallbacks: 1, blacklistedWords: ['doomed'] } });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', prompt: 'a doomed take', callback_url: `${receiver.url}/cb` });
    await waitForGeneration(sim, res.body.id);
    await eventually(() => sim!.stats().callbacks.failed === 2, 5000, 'both deliveries to give up');
    const byState = (state: string) => receiver!.received.filter((r) => r.body.state === state);
    expect(byState('dreaming')).toHaveLength(1 + CALLBACK_RETRIES);
    expect(byState('failed')).toHaveLength(1 + CALLBACK_RETRIES);
    const gaps = byState('dreaming')
      .slice(1)
      .map((r, i) => r.at - byState('dreaming')[i].at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(90);
    expect(sim.stats().callbacks).toMatchObject({ sent: 0, failed: 2, attempts: 2 * (1 + CALLBACK_RETRIES) });
  });

  it('counts a 204 answer as a failed callback attempt (only 200 counts)', async () => {
    let answered = 0;
    receiver = await startReceiver(() => ({ status: answered++ === 0 ? 204 : 200 }));
    sim = await startLumaSimulator({ timing: FAST, faults: { duplicateCallbacks: 1, blacklistedWords: ['doomed'] } });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', prompt: 'a doomed take', callback_url: `${receiver.url}/cb` });
    await waitForGeneration(sim, res.body.id);
    await eventually(() => sim!.stats().callbacks.sent === 2, 5000, 'both deliveries');
    expect(sim.stats().callbacks).toMatchObject({ sent: 2, failed: 0, attempts: 3 });
  });

  it('loses callbacks on purpose with callbackFailureRate, so polling has to back them up', async () => {
    receiver = await startReceiver();
    sim = await startLumaSimulator({ timing: FAST, faults: { callbackFailureRate: 1, blacklistedWords: ['doomed'] } });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', prompt: 'a doomed take', callback_url: `${receiver.url}/cb` });
    expect((await waitForGeneration(sim, res.body.id)).state).toBe('failed');
    await delay(100);
    expect(receiver.received).toHaveLength(0);
    expect(sim.stats().callbacks).toMatchObject({ lost: 4, sent: 0, attempts: 0 }); // 2 states × 2 copies
  });

  it('fails with "Failed to read user input frames" when an input image cannot be read', async () => {
    const png = makePng();
    receiver = await startReceiver((req) => {
      if (req.url === '/ok.png') return { status: 200, type: 'image/png', body: png };
      if (req.url === '/page.html') return { status: 200, type: 'text/html', body: '<html></html>' };
      if (req.url === '/garbage.png') return { status: 200, type: 'image/png', body: 'not really a png' };
      return { status: 404 };
    });
    sim = await startLumaSimulator({ timing: { ...FAST, dreamingMs: 50 }, inputFetchTimeoutMs: 2000 });
    const cases = {
      refused: 'http://127.0.0.1:1/a.png',
      remote: 'http://images.example.com/a.png',
      missing: `${receiver.url}/missing.png`,
      html: `${receiver.url}/page.html`,
      garbage: `${receiver.url}/garbage.png`,
    };
    const ids: Record<string, string> = {};
    for (const [name, url] of Object.entries(cases)) {
      const res = await call(sim, 'POST', '/generations/video', { model: 'ray-2', keyframes: { frame0: { type: 'image', url } } });
      expect(res.status).toBe(201);
      ids[name] = res.body.id;
    }
    const photon = await call(sim, 'POST', '/generations/image', {
      model: 'photon-1',
      prompt: 'same character, new pose',
      character_ref: { identity0: { images: [`${receiver.url}/ok.png`, `${receiver.url}/missing.png`] } },
    });
    ids.photon = photon.body.id;
    const t0 = Date.now();
    for (const [name, id] of Object.entries(ids)) {
      const done = await waitForGeneration(sim, id);
      expect({ name, state: done.state, reason: done.failure_reason }).toEqual({ name, state: 'failed', reason: INPUT_FRAMES_FAILURE });
    }
    expect(Date.now() - t0).toBeLessThan(5000); // unreachable hosts fail fast, they do not hang
    expect(sim.stats().creditBalance).toBe(100_000); // all refunded
  });

  it('reads a reachable image keyframe and paints it into the video', async () => {
    const png = makePng();
    receiver = await startReceiver(() => ({ status: 200, type: 'image/png', body: png }));
    sim = await startLumaSimulator({ timing: FAST });
    const res = await call(sim, 'POST', '/generations/video', {
      model: 'ray-flash-2',
      resolution: '540p',
      aspect_ratio: '9:16',
      keyframes: { frame0: { type: 'image', url: `${receiver.url}/red.png` } },
    });
    const done = await waitForGeneration(sim, res.body.id);
    expect(done.state).toBe('completed');
    expect(receiver.received.map((r) => [r.method, r.url])).toEqual([['GET', '/red.png']]);
    const probe = await ffprobe((await download(done.assets.video, scratch, 'kf.mp4')).file);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 540, height: 960 });
  });

  it('renders 4k at most at maxRenderHeight while reporting 4k', async () => {
    sim = await startLumaSimulator({ timing: FAST, maxRenderHeight: 270 });
    const res = await call(sim, 'POST', '/generations/video', { model: 'ray-flash-2', prompt: 'a huge vista', resolution: '4k', aspect_ratio: '21:9' });
    const done = await waitForGeneration(sim, res.body.id);
    expect(done.request.resolution).toBe('4k');
    expect(sim.generations()[0].renderedSize).toEqual({ width: 630, height: 270 });
  });

  it('close() aborts in-flight renders and removes its temp dir', async () => {
    const s = await startLumaSimulator({ timing: { ...FAST, dreamingMs: 60_000 } });
    await call(s, 'POST', '/generations/video', { model: 'ray-2', prompt: 'never finishes', resolution: '1080p', duration: '9s' });
    await waitForGeneration(s, s.generations()[0].id, (st) => st === 'dreaming');
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(fs.existsSync(s.assetDir)).toBe(false);
    await s.close(); // idempotent
  });
});
