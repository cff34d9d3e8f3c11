import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_COMPRESS_SETTINGS, MediaError, buildCompressArgs, compress, fitWithinBox, inspectIsoBmff, poster, probe, probeDetailed, runFfmpeg, runFfprobe, type CompressSettings } from '../src';
import { makeClip, makeTempDir, removeDir } from './helpers';

let dir: string;
let landscapeWithAudio: string;
beforeAll(async () => {
  dir = await makeTempDir('compress');
  landscapeWithAudio = await makeClip(join(dir, 'landscape.mp4'), { width: 320, height: 240, seconds: 1, audio: true, extra: ['-metadata', 'location=+48.8577+002.2950/'] });
});
afterAll(() => removeDir(dir));

/** Fast settings for tests; the shape of the output does not depend on the preset. */
const FAST: Partial<CompressSettings> = { preset: 'ultrafast' };

async function leftoverTempFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.includes('.part'));
}

describe('fitWithinBox', () => {
  it.each([
    [3840, 2160, 1920, 1080], // 4K landscape → 1080p
    [2160, 3840, 1080, 1920], // 4K portrait → 1080×1920
    [4096, 2160, 1920, 1012], // cinema 4K: aspect kept, even height
    [1920, 1080, 1920, 1080], // already inside the box
    [1280, 720, 1280, 720], // never upscaled
    [1080, 1080, 1080, 1080], // square fits both boxes
    [2000, 2000, 1080, 1080],
    [321, 241, 320, 240], // odd sides rounded down to even, never up
    [1920, 800, 1920, 800],
    [1080, 2400, 864, 1920], // tall phone screen
  ])('%i×%i → %i×%i', (w, h, expectedWidth, expectedHeight) => {
    expect(fitWithinBox(w, h, 1920, 1080)).toEqual({ width: expectedWidth, height: expectedHeight });
  });
});

describe('buildCompressArgs', () => {
  it('spells out the upload-flow settings', async () => {
    const source = await probeDetailed(landscapeWithAudio);
    const args = buildCompressArgs('in.mp4', 'out.mp4', source, DEFAULT_COMPRESS_SETTINGS).join(' ');
    expect(args).toContain('-map 0:0 -map 0:1 -c:a aac -b:a 128k');
    expect(args).toContain('-vf scale=320:240:flags=lanczos,setsar=1,format=yuv420p');
    expect(args).toContain('-c:v libx264 -profile:v high -pix_fmt yuv420p -preset medium -crf 23 -maxrate 8M -bufsize 16M');
    expect(args).toContain('-map_metadata -1');
    expect(args).toContain('-movflags +faststart');
    expect(args).not.toContain('fps=');
  });
});

describe('compress', () => {
  it('makes H.264 High / yuv420p / AAC / faststart without upscaling, reporting progress to 1', async () => {
    const out = join(dir, 'landscape-out.mp4');
    const progress: number[] = [];
    // (ultrafast turns off the tools that make a stream High profile, so this one runs a real preset.)
    const result = await compress(landscapeWithAudio, out, { preset: 'veryfast' }, (f) => progress.push(f));
    expect(result).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', pixelFormat: 'yuv420p', width: 320, height: 240, frameRate: 30 });
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);

    const streams = JSON.parse(await runFfprobe(['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', out]));
    expect(streams.streams[0].profile).toBe('High');
    expect(streams.format.tags?.location).toBeUndefined(); // metadata stripped

    const shape = await inspectIsoBmff(out);
    if (shape.kind !== 'complete') throw new Error(`unexpected shape ${shape.kind}`);
    const types = shape.boxes.map((b) => b.type);
    expect(types.indexOf('moov')).toBeLessThan(types.indexOf('mdat')); // +faststart
    expect(await leftoverTempFiles()).toEqual([]);
  });

  it('fits landscape and portrait into their boxes with the aspect kept', async () => {
    const box = { ...FAST, longEdge: 160, shortEdge: 90 };
    const landscape = await compress(landscapeWithAudio, join(dir, 'small-landscape.mp4'), box);
    expect([landscape.width, landscape.height]).toEqual([120, 90]);

    const portraitSource = await makeClip(join(dir, 'portrait.mp4'), { width: 240, height: 320 });
    const portrait = await compress(portraitSource, join(dir, 'small-portrait.mp4'), box);
    expect([portrait.width, portrait.height]).toEqual([90, 120]);
    expect(portrait.audioCodec).toBeNull(); // no audio in, no audio track out
  });

  it('honours rotation metadata: a phone video stored sideways comes out upright, without the flag', async () => {
    const sideways = join(dir, 'sideways.mp4');
    await runFfmpeg(['-i', landscapeWithAudio, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', sideways]);
    const out = join(dir, 'upright.mp4');
    const result = await compress(sideways, out, FAST);
    expect([result.width, result.height]).toEqual([240, 320]);
    const { details } = await probeDetailed(out);
    expect(details.rotation).toBe(0);
    expect([details.storedWidth, details.storedHeight]).toEqual([240, 320]);
  });

  it('caps the frame rate at 30 fps and keeps slower rates', async () => {
    const fast = await makeClip(join(dir, '60fps.mp4'), { width: 160, height: 120, fps: 60, seconds: 1 });
    expect((await compress(fast, join(dir, '60fps-out.mp4'), FAST)).frameRate).toBe(30);
    const film = await makeClip(join(dir, '24fps.mp4'), { width: 160, height: 120, fps: 24, seconds: 1 });
    expect((await compress(film, join(dir, '24fps-out.mp4'), FAST)).frameRate).toBe(24);
  });

  it('turns 10-bit and odd-sized input into even-sized 8-bit yuv420p', async () => {
    const tenBit = await makeClip(join(dir, '10bit.mp4'), {
      width: 321,
      height: 241,
      videoEncoder: 'libx265',
      pixelFormat: 'yuv420p10le',
      extra: ['-preset', 'ultrafast', '-x265-params', 'log-level=error'],
    }).catch(() => makeClip(join(dir, '10bit.mp4'), { width: 321, height: 241, pixelFormat: 'yuv444p' }));
    const result = await compress(tenBit, join(dir, '10bit-out.mp4'), FAST);
    expect(result).toMatchObject({ pixelFormat: 'yuv420p', width: 320, height: 240, videoCodec: 'h264' });
  });

  it('fails with MEDIA_PROCESSING_FAILED and leaves no files behind when ffmpeg fails', async () => {
    const out = join(dir, 'never.mp4');
    const err = await compress(landscapeWithAudio, out, { preset: 'not-a-preset' as CompressSettings['preset'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('MEDIA_PROCESSING_FAILED');
    expect((err as MediaError).message).toMatch(/^Compressing the video failed: /);
    expect((err as MediaError).retryable).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(await leftoverTempFiles()).toEqual([]);
  });

  it('reports an unreadable input as the media problem it is', async () => {
    const text = join(dir, 'text.mp4');
    await import('node:fs/promises').then((fs) => fs.writeFile(text, 'not a video'));
    await expect(compress(text, join(dir, 'x.mp4'), FAST)).rejects.toMatchObject({ code: 'MEDIA_CORRUPT' });
  });

  it('stops when aborted and cleans up', async () => {
    const longer = await makeClip(join(dir, 'longer.mp4'), { width: 320, height: 240, seconds: 20, plain: false });
    const controller = new AbortController();
    const out = join(dir, 'aborted.mp4');
    const run = compress(longer, out, { preset: 'veryslow', signal: controller.signal }, (f) => {
      if (f > 0) controller.abort(new Error('user cancelled'));
    });
    setTimeout(() => controller.abort(new Error('user cancelled')), 1500);
    await expect(run).rejects.toThrow('user cancelled');
    expect(existsSync(out)).toBe(false);
    expect(await leftoverTempFiles()).toEqual([]);
  });
});

describe('poster', () => {
  it('writes one JPEG frame fitted in the same box', async () => {
    const out = join(dir, 'poster.jpg');
    await poster(landscapeWithAudio, out);
    const result = await probe(out);
    expect(result).toMatchObject({ videoCodec: 'mjpeg', width: 320, height: 240 });
    expect(await leftoverTempFiles()).toEqual([]);
  });

  it('scales a portrait video down and works on clips shorter than a second', async () => {
    const shortPortrait = await makeClip(join(dir, 'short-portrait.mp4'), { width: 240, height: 320, seconds: 0.6 });
    const out = join(dir, 'portrait-poster.jpg');
    await poster(shortPortrait, out, { longEdge: 160, shortEdge: 90 });
    expect(await probe(out)).toMatchObject({ videoCodec: 'mjpeg', width: 90, height: 120 });
  });

  it('falls back to the first frame when asked for a moment past the end', async () => {
    const out = join(dir, 'late-poster.jpg');
    await poster(landscapeWithAudio, out, { atMs: 10_000 });
    expect(await probe(out)).toMatchObject({ videoCodec: 'mjpeg' });
  });
});
