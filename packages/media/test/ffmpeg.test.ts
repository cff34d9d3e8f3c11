import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FfmpegError, ffmpegPath, ffprobePath, runFfmpeg, runFfprobe } from '../src';
import { makeTempDir, removeDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('ffmpeg');
});
afterAll(() => removeDir(dir));

describe('binaries', () => {
  const saved = { ffmpeg: process.env.FFMPEG_PATH, ffprobe: process.env.FFPROBE_PATH };
  afterEach(() => {
    for (const [name, value] of [['FFMPEG_PATH', saved.ffmpeg], ['FFPROBE_PATH', saved.ffprobe]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('uses the installer packages by default', () => {
    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    expect(existsSync(ffmpegPath())).toBe(true);
    expect(existsSync(ffprobePath())).toBe(true);
    expect(ffmpegPath()).toMatch(/ffmpeg$/);
    expect(ffprobePath()).toMatch(/ffprobe$/);
  });

  it('lets FFMPEG_PATH / FFPROBE_PATH override them', () => {
    process.env.FFMPEG_PATH = '/opt/ffmpeg/bin/ffmpeg';
    process.env.FFPROBE_PATH = '/opt/ffmpeg/bin/ffprobe';
    expect(ffmpegPath()).toBe('/opt/ffmpeg/bin/ffmpeg');
    expect(ffprobePath()).toBe('/opt/ffmpeg/bin/ffprobe');
  });

  it('reports a missing binary as an FfmpegError that says it could not start', async () => {
    process.env.FFMPEG_PATH = join(dir, 'no-such-ffmpeg');
    const err = await runFfmpeg(['-version']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).exitCode).toBeNull();
    expect((err as FfmpegError).message).toMatch(/could not be started/);
  });
});

describe('runFfmpeg', () => {
  it('reports non-decreasing progress that ends at exactly 1', async () => {
    const seen: number[] = [];
    const out = join(dir, 'progress.mp4');
    // -re paces the input in real time so that ffmpeg's twice-a-second progress reports land mid-run.
    await runFfmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30:duration=1.6', '-c:v', 'libx264', '-preset', 'ultrafast', out], {
      durationMs: 1600,
      onProgress: (f) => seen.push(f),
    });
    expect(existsSync(out)).toBe(true);
    expect(seen.some((f) => f > 0 && f < 1)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    for (const f of seen) expect(f).toBeGreaterThan(0);
  });

  it('reports no progress without a duration, and resolves with stderr', async () => {
    const onProgress = jest.fn();
    const result = await runFfmpeg(['-v', 'info', '-f', 'lavfi', '-i', 'color=size=64x64:duration=0.2', '-f', 'null', '-'], { onProgress });
    // Only the completion call: without a duration there is no fraction to compute.
    expect(onProgress.mock.calls).toEqual([[1]]);
    expect(result.stderr).toMatch(/Output #0, null/);
  });

  it('rejects with the exit code and the last stderr lines on failure', async () => {
    const err = await runFfmpeg(['-i', join(dir, 'missing.mp4'), join(dir, 'never.mp4')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    const failure = err as FfmpegError;
    expect(failure.exitCode).not.toBe(0);
    expect(failure.exitCode).not.toBeNull();
    expect(failure.message).toMatch(/missing\.mp4: No such file or directory/);
    expect(failure.lastLines.length).toBeGreaterThan(0);
    expect(failure.args).toEqual(expect.arrayContaining(['-nostdin', '-y', '-progress', 'pipe:1']));
  });

  it('keeps only a bounded tail of a very chatty stderr', async () => {
    // showinfo logs one ~250-byte line per frame: 500 frames is well over 64 KB of stderr.
    const { stderr } = await runFfmpeg(['-v', 'info', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=100:duration=5', '-vf', 'showinfo', '-f', 'null', '-']);
    expect(Buffer.byteLength(stderr)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(stderr)).toBeGreaterThan(32 * 1024);
    expect(stderr).toMatch(/n: *499 /); // the end is kept…
    expect(stderr).not.toMatch(/n: *0 /); // …the beginning is not
  });

  it('kills ffmpeg and rejects with the abort reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    const started = Date.now();
    const run = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10:duration=30', '-f', 'null', '-'], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 200);
    await expect(run).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects at once with an already-aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(runFfmpeg(['-version'], { signal: controller.signal })).rejects.toThrow('too late');
  });
});

describe('runFfprobe', () => {
  it('returns stdout', async () => {
    const out = await runFfprobe(['-v', 'error', '-print_format', 'json', '-show_format', '-f', 'lavfi', 'color=size=64x64:duration=1']);
    expect(JSON.parse(out).format.format_name).toBe('lavfi');
  });

  it('rejects with an FfmpegError naming ffprobe', async () => {
    const err = await runFfprobe(['-v', 'error', join(dir, 'missing.mp4')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).program).toBe('ffprobe');
    expect((err as FfmpegError).message).toMatch(/^ffprobe exited with code \d+: .*No such file/);
  });
});
