import { copyFile, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MEDIA_LIMITS, MediaError, formatBytes, mediaConfigFromEnv, runFfmpeg, validate, type MediaErrorCode, type MediaLimits } from '../src';
import { makeClip, makeTempDir, removeDir } from './helpers';

let dir: string;
let good: string;
beforeAll(async () => {
  dir = await makeTempDir('validate');
  good = await makeClip(join(dir, 'good.mp4'), { seconds: 1, audio: true });
});
afterAll(() => removeDir(dir));

async function refusal(file: string, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): Promise<MediaError> {
  const err = await validate(file, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MediaError)) throw new Error(`expected a MediaError for ${file}, got ${String(err)}`);
  return err;
}

async function expectRefused(file: string, code: MediaErrorCode, message: RegExp, limits?: MediaLimits): Promise<MediaError> {
  const err = await refusal(file, limits);
  expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.stringMatching(message) });
  return err;
}

describe('validate accepts', () => {
  it('a small H.264 MP4 with audio and returns its probe', async () => {
    const result = await validate(good);
    expect(result).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', width: 320, height: 240 });
  });

  it('a MOV and an HEVC MP4', async () => {
    await expect(validate(await makeClip(join(dir, 'ok.mov')))).resolves.toMatchObject({ container: 'mov' });
    const hevc = await makeClip(join(dir, 'hevc.mp4'), { videoEncoder: 'libx265', extra: ['-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'] });
    await expect(validate(hevc)).resolves.toMatchObject({ videoCodec: 'hevc' });
  });

  it('a file without an extension (temp names) by its content', async () => {
    const bare = join(dir, 'raw-download');
    await copyFile(good, bare);
    await expect(validate(bare)).resolves.toMatchObject({ container: 'mp4' });
  });
});

describe('validate refuses, with a specific code and a sentence naming the limit and the value', () => {
  it('a zero-length file: MEDIA_EMPTY', async () => {
    const file = join(dir, 'empty.mp4');
    await writeFile(file, '');
    await expectRefused(file, 'MEDIA_EMPTY', /^The video file is empty \(0 bytes\)\.$/);
  });

  it('a file over the size limit: MEDIA_TOO_LARGE, before reading any of it', async () => {
    const file = join(dir, 'huge.mp4');
    await writeFile(file, '');
    await truncate(file, 201 * 1024 * 1024); // sparse: costs no disk
    const err = await expectRefused(file, 'MEDIA_TOO_LARGE', /^The video is 201 MB; the limit is 200 MB\.$/);
    expect(err.retryable).toBe(false);
    expect(err).toMatchObject({ limit: 200 * 1024 * 1024, actual: 201 * 1024 * 1024, retryable: false });
    expect(formatBytes(412 * 1024 * 1024)).toBe('412 MB');
    expect(formatBytes(3.5 * 1024 * 1024)).toBe('3.5 MB');
    expect(formatBytes(2 * 1024 * 1024)).toBe('2 MB');
  });

  it('a text file named .mp4: MEDIA_EXTENSION_MISMATCH', async () => {
    const file = join(dir, 'notes.mp4');
    await writeFile(file, 'Dear diary, today I renamed a text file to .mp4 and uploaded it.\n'.repeat(20));
    await expectRefused(file, 'MEDIA_EXTENSION_MISMATCH', /named \.mp4 but its content is not an MP4 or MOV video/);
  });

  it('a Matroska file named .mp4, and an MP4 named .mkv: MEDIA_EXTENSION_MISMATCH', async () => {
    const mkv = await makeClip(join(dir, 'real.mkv'));
    const lyingMp4 = join(dir, 'lying.mp4');
    await copyFile(mkv, lyingMp4);
    await expectRefused(lyingMp4, 'MEDIA_EXTENSION_MISMATCH', /named \.mp4/);
    const lyingMkv = join(dir, 'lying.mkv');
    await copyFile(good, lyingMkv);
    await expectRefused(lyingMkv, 'MEDIA_EXTENSION_MISMATCH', /^The file is named \.mkv but contains a mp4 video\.$/);
  });

  it('a truncated MP4 (index at the end): MEDIA_CORRUPT', async () => {
    const bytes = await readFile(good);
    const file = join(dir, 'truncated.mp4');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefused(file, 'MEDIA_CORRUPT', /incomplete: it was cut off/);
  });

  it('a truncated +faststart MP4 (index intact, media cut): MEDIA_CORRUPT', async () => {
    const faststart = join(dir, 'faststart.mp4');
    await runFfmpeg(['-i', good, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const bytes = await readFile(faststart);
    const file = join(dir, 'truncated-faststart.mp4');
    await writeFile(file, bytes.subarray(0, bytes.length - 1000));
    await expectRefused(file, 'MEDIA_CORRUPT', /'mdat' box is missing 1000 bytes/);
  });

  it('an MP4 whose box structure breaks mid-file: MEDIA_CORRUPT', async () => {
    const file = join(dir, 'broken-box.mp4');
    await copyFile(good, file);
    const handle = await open(file, 'r+');
    const first = Buffer.alloc(4);
    await handle.read(first, 0, 4, 0);
    // Second box's size field set to 3 (smaller than a box header).
    await handle.write(Buffer.from([0, 0, 0, 3]), 0, 4, first.readUInt32BE(0));
    await handle.close();
    await expectRefused(file, 'MEDIA_CORRUPT', /damaged: its structure breaks at byte/);
  });

  it('an audio-only MP4: MEDIA_NO_VIDEO', async () => {
    const file = join(dir, 'audio-only.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', file]);
    const err = await expectRefused(file, 'MEDIA_NO_VIDEO', /^The file has no video track \(it has only aac audio\)\.$/);
    expect(err.retryable).toBe(false);
  });

  it('MPEG-4 Part 2 video in an MP4: MEDIA_BAD_CODEC', async () => {
    const file = await makeClip(join(dir, 'mpeg4.mp4'), { videoEncoder: 'mpeg4' });
    await expectRefused(file, 'MEDIA_BAD_CODEC', /^The video codec is mpeg4; accepted codecs are h264, hevc\.$/);
  });

  it('VP9 in Matroska: MEDIA_BAD_CONTAINER', async () => {
    const file = await makeClip(join(dir, 'vp9.mkv'), { videoEncoder: 'libvpx-vp9', seconds: 0.6, extra: ['-deadline', 'realtime', '-cpu-used', '8'] });
    await expectRefused(file, 'MEDIA_BAD_CONTAINER', /^The video is a matroska file; accepted containers are mp4, mov\.$/);
  });

  it('a video longer than the limit or shorter than the minimum: MEDIA_BAD_DURATION', async () => {
    const long = await makeClip(join(dir, 'long.mp4'), { width: 64, height: 64, fps: 2, seconds: 61, plain: true });
    await expectRefused(long, 'MEDIA_BAD_DURATION', /^The video is 61 s long; the limit is 60 s\.$/);
    const short = await makeClip(join(dir, 'short.mp4'), { width: 64, height: 64, fps: 10, seconds: 0.2, plain: true });
    await expectRefused(short, 'MEDIA_BAD_DURATION', /^The video is 0\.2 s long; the minimum is 0\.5 s\.$/);
  });

  it('a frame too large or too small: MEDIA_BAD_DIMENSIONS', async () => {
    const wide = await makeClip(join(dir, 'wide.mp4'), { width: 4200, height: 64, fps: 2, seconds: 1, plain: true });
    await expectRefused(wide, 'MEDIA_BAD_DIMENSIONS', /^The video is 4200×64; the largest allowed is 4096×4096\.$/);
    const tiny = await makeClip(join(dir, 'tiny.mp4'), { width: 32, height: 32, seconds: 1, plain: true });
    await expectRefused(tiny, 'MEDIA_BAD_DIMENSIONS', /^The video is 32×32; the smallest allowed is 64×64\.$/);
  });

  it('a frame rate above the limit: MEDIA_BAD_FRAME_RATE', async () => {
    const fast = await makeClip(join(dir, 'fast.mp4'), { width: 64, height: 64, fps: 150, seconds: 0.6, plain: true });
    await expectRefused(fast, 'MEDIA_BAD_FRAME_RATE', /^The video runs at 150 fps; the allowed range is 1–120 fps\.$/);
  });

  it('more tracks than allowed: MEDIA_TOO_MANY_STREAMS', async () => {
    const file = join(dir, 'many-tracks.mp4');
    await runFfmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:duration=1',
      '-f', 'lavfi', '-i', 'sine=duration=1',
      '-map', '0:v', '-map', '1:a', '-map', '1:a', '-map', '1:a', '-map', '1:a',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', file,
    ]);
    await expectRefused(file, 'MEDIA_TOO_MANY_STREAMS', /^The video has 5 tracks; the limit is 4\.$/);
  });

  it('a pixel format outside the list: MEDIA_BAD_PIXEL_FORMAT', async () => {
    const file = await makeClip(join(dir, 'yuv444.mp4'), { pixelFormat: 'yuv444p' });
    await expectRefused(file, 'MEDIA_BAD_PIXEL_FORMAT', /^The video’s pixel format is yuv444p; accepted formats are yuv420p, /);
  });

  it('whatever the configured limits say (from MEDIA_* variables)', async () => {
    const { limits } = mediaConfigFromEnv({ MEDIA_MAX_BYTES: '1000', MEDIA_MAX_DURATION_MS: '500' });
    await expectRefused(good, 'MEDIA_TOO_LARGE', /^The video is \d+ kB; the limit is 1000 bytes\.$/, limits);
    await expectRefused(good, 'MEDIA_BAD_DURATION', /the limit is 0\.5 s\.$/, { ...limits, maxBytes: DEFAULT_MEDIA_LIMITS.maxBytes });
  });
});
