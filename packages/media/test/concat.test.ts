import { join } from 'node:path';
import { buildConcatArgs, concatVideos, probe } from '../src';
import { makeClip, makeTempDir, removeDir } from './helpers';

describe('concatVideos (Create Script: shots cut and joined)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('concat');
  });
  afterAll(() => removeDir(dir));

  it('cuts each input to its duration and joins them in order into one H.264 file', async () => {
    const a = await makeClip(join(dir, 'a.mp4'), { seconds: 2, width: 320, height: 240 });
    const b = await makeClip(join(dir, 'b.mp4'), { seconds: 2, width: 320, height: 240 });
    const out = join(dir, 'joined.mp4');
    const result = await concatVideos([{ file: a, durationMs: 1200 }, { file: b, durationMs: 700 }], out);
    expect(result.videoCodec).toBe('h264');
    expect(result.pixelFormat).toBe('yuv420p');
    expect(result.audioCodec).toBeNull();
    expect(result.width).toBe(320);
    expect(result.height).toBe(240);
    expect(Math.abs(result.durationMs - 1900)).toBeLessThanOrEqual(100);
    expect((await probe(out)).durationMs).toBe(result.durationMs);
  });

  it('scales every input to the first one\'s size', async () => {
    const a = await makeClip(join(dir, 'c.mp4'), { seconds: 1, width: 320, height: 240 });
    const b = await makeClip(join(dir, 'd.mp4'), { seconds: 1, width: 160, height: 120 });
    const result = await concatVideos([{ file: a, durationMs: 500 }, { file: b, durationMs: 500 }], join(dir, 'mixed.mp4'));
    expect([result.width, result.height]).toEqual([320, 240]);
    expect(Math.abs(result.durationMs - 1000)).toBeLessThanOrEqual(100);
  });

  it('builds one trim per input and a concat of all of them', () => {
    const args = buildConcatArgs([{ file: 'x.mp4', durationMs: 4000 }, { file: 'y.mp4', durationMs: 5000 }], 'out.mp4', { width: 640, height: 360 });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('[0:v]trim=duration=4.000,setpts=PTS-STARTPTS');
    expect(graph).toContain('[1:v]trim=duration=5.000,setpts=PTS-STARTPTS');
    expect(graph).toContain('[v0][v1]concat=n=2:v=1:a=0[out]');
    expect(args).toEqual(expect.arrayContaining(['libx264', 'veryfast', '18', 'yuv420p', '+faststart']));
  });

  it('refuses an empty list', async () => {
    await expect(concatVideos([], join(dir, 'none.mp4'))).rejects.toMatchObject({ code: 'MEDIA_PROCESSING_FAILED' });
  });
});
