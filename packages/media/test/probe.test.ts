import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaError, probe, probeDetailed, runFfmpeg } from '../src';
import { makeClip, makeTempDir, removeDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('probe');
});
afterAll(() => removeDir(dir));

describe('probe', () => {
  it('reports exactly the MediaProbe fields of an MP4 with audio', async () => {
    const file = await makeClip(join(dir, 'av.mp4'), { width: 320, height: 240, fps: 30, seconds: 1, audio: true });
    const result = await probe(file);
    expect(Object.keys(result).sort()).toEqual(
      ['audioCodec', 'bytes', 'container', 'durationMs', 'frameRate', 'height', 'pixelFormat', 'streams', 'videoCodec', 'width'].sort(),
    );
    expect(result).toMatchObject({
      container: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 320,
      height: 240,
      frameRate: 30,
      pixelFormat: 'yuv420p',
      streams: 2,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(result.durationMs).toBeLessThanOrEqual(1100);
    const { size } = await import('node:fs').then((fs) => fs.statSync(file));
    expect(result.bytes).toBe(size);
  });

  it('tells MOV from MP4 by the major brand, and reads NTSC frame rates', async () => {
    const file = await makeClip(join(dir, 'clip.mov'), { fps: 30000 / 1001, extra: ['-r', '30000/1001'] });
    const result = await probe(file);
    expect(result.container).toBe('mov');
    expect(result.frameRate).toBeCloseTo(29.97, 2);
    expect(result.audioCodec).toBeNull();
  });

  it('names other containers by their demuxer', async () => {
    const file = await makeClip(join(dir, 'clip.mkv'));
    expect((await probe(file)).container).toBe('matroska');
  });

  it('reports the displayed size of a rotated video and its rotation', async () => {
    const plain = await makeClip(join(dir, 'landscape.mp4'), { width: 320, height: 240 });
    const rotated = join(dir, 'rotated.mp4');
    // Phones store portrait video as landscape frames plus a rotation flag.
    await runFfmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const { probe: p, details } = await probeDetailed(rotated);
    // (This ffmpeg build's muxer stores the tag with the opposite sign, so the matrix reads back as 270° clockwise;
    // either way it is a quarter turn, which is what decides the displayed size.)
    expect([90, 270]).toContain(details.rotation);
    expect([p.width, p.height]).toEqual([240, 320]);
    expect([details.storedWidth, details.storedHeight]).toEqual([320, 240]);
  });

  it('applies a non-square sample aspect ratio to the width', async () => {
    const file = await makeClip(join(dir, 'anamorphic.mp4'), { width: 320, height: 240, extra: ['-vf', 'setsar=4/3'] });
    const result = await probe(file);
    expect([result.width, result.height]).toEqual([427, 240]);
  });

  it('does not count cover art as the video', async () => {
    const audioOnly = join(dir, 'song.mp4');
    const cover = join(dir, 'cover.png');
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=red:size=64x64', '-frames:v', '1', cover]);
    await runFfmpeg([
      '-f', 'lavfi', '-i', 'sine=duration=1', '-i', cover,
      '-map', '0:a', '-map', '1:v', '-c:a', 'aac', '-c:v', 'png', '-disposition:v:0', 'attached_pic', audioOnly,
    ]);
    const { probe: p, details } = await probeDetailed(audioOnly);
    expect(p.videoCodec).toBeNull();
    expect(details.videoStreamIndex).toBeNull();
    expect(p.streams).toBe(2);
  });

  it('throws MEDIA_EMPTY for a zero-length file and MEDIA_CORRUPT for garbage', async () => {
    const empty = join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await expect(probe(empty)).rejects.toMatchObject({ name: 'MediaError', code: 'MEDIA_EMPTY' });
    const garbage = join(dir, 'garbage.bin');
    await writeFile(garbage, Buffer.alloc(4096, 0x5a));
    const err = await probe(garbage).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('MEDIA_CORRUPT');
    expect((err as MediaError).retryable).toBe(false);
  });

  it('lets a missing file fail as the filesystem error it is', async () => {
    await expect(probe(join(dir, 'nope.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
