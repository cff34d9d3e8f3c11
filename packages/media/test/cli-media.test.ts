/** The `d2v media …` command bodies (packages/cli/src/commands/media.ts), run in-process with captured output. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { mediaCompress, mediaDecrypt, mediaEncrypt, mediaPoster, mediaProbe, mediaValidate, type MediaCliIo } from '../../cli/src/commands/media';
import { makeClip, makeTempDir, removeDir } from './helpers';

let dir: string;
let clip: string;
beforeAll(async () => {
  dir = await makeTempDir('cli');
  clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 1, audio: true });
});
afterAll(() => removeDir(dir));

const kek = randomBytes(32).toString('base64');

function capture(env: Record<string, string | undefined> = {}): MediaCliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env: { VIDEO_KEK: kek, VIDEO_KEK_ID: 'cli-key', ...env },
    out: () => out,
    err: () => err,
  };
}

async function partFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.includes('.part'));
}

describe('d2v media', () => {
  it('probe prints the probe as JSON', async () => {
    const io = capture();
    expect(await mediaProbe(clip, io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ container: 'mp4', videoCodec: 'h264', width: 320 });
  });

  it('probe of a missing file exits 1 with one line', async () => {
    const io = capture();
    expect(await mediaProbe(join(dir, 'nope.mp4'), io)).toBe(1);
    expect(io.err()).toMatch(/^d2v media probe: NOT_FOUND: .*nope\.mp4 does not exist\.\n$/);
    expect(io.out()).toBe('');
  });

  it('validate names the error code and reason on bad input', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'just text');
    const io = capture();
    expect(await mediaValidate(text, io)).toBe(1);
    expect(io.err()).toBe('d2v media validate: MEDIA_EXTENSION_MISMATCH: The file is named .mp4 but its content is not an MP4 or MOV video.\n');
    const limited = capture({ MEDIA_MAX_DURATION_MS: '800' });
    expect(await mediaValidate(clip, limited)).toBe(1);
    expect(limited.err()).toMatch(/MEDIA_BAD_DURATION: The video is 1 s long; the limit is 0\.8 s\./);
  });

  it('compress and poster write their outputs and print the result', async () => {
    const io = capture();
    expect(await mediaCompress(clip, join(dir, 'out.mp4'), { preset: 'ultrafast', crf: '28' }, io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', pixelFormat: 'yuv420p' });
    const posterIo = capture();
    expect(await mediaPoster(join(dir, 'out.mp4'), join(dir, 'poster.jpg'), posterIo)).toBe(0);
    expect(JSON.parse(posterIo.out())).toMatchObject({ videoCodec: 'mjpeg' });
  });

  it('compress refuses a bad preset with a config error', async () => {
    const io = capture();
    expect(await mediaCompress(clip, join(dir, 'x.mp4'), { preset: 'warp' }, io)).toBe(1);
    expect(io.err()).toMatch(/^d2v media compress: CONFIG: MEDIA_X264_PRESET must be one of/);
  });

  it('encrypt then decrypt with only the KEK round-trips the file', async () => {
    const enc = join(dir, 'clip.enc');
    const io = capture();
    expect(await mediaEncrypt(clip, enc, io)).toBe(0);
    const info = JSON.parse(io.out());
    expect(info).toMatchObject({ scheme: 'd2v-aes256gcm-stream-v1', keyId: 'cli-key' });

    const decIo = capture();
    expect(await mediaDecrypt(enc, join(dir, 'clip.dec.mp4'), {}, decIo)).toBe(0);
    expect((await readFile(join(dir, 'clip.dec.mp4'))).equals(await readFile(clip))).toBe(true);

    // After rotation the old key is a previous key and the file still decrypts.
    const rotated = capture({ VIDEO_KEK: randomBytes(32).toString('base64'), VIDEO_KEK_ID: 'new-key', VIDEO_KEKS_PREVIOUS: `cli-key:${kek}` });
    expect(await mediaDecrypt(enc, join(dir, 'clip.dec2.mp4'), { keyId: 'cli-key', wrappedKey: info.wrappedKey }, rotated)).toBe(0);
  });

  it('decrypt of a tampered file fails and leaves no plaintext behind', async () => {
    const enc = join(dir, 'tamper.enc');
    expect(await mediaEncrypt(clip, enc, capture())).toBe(0);
    const bytes = await readFile(enc);
    bytes[bytes.length - 100]! ^= 1;
    await writeFile(enc, bytes);
    const io = capture();
    const out = join(dir, 'tamper.dec.mp4');
    expect(await mediaDecrypt(enc, out, {}, io)).toBe(1);
    expect(io.err()).toMatch(/^d2v media decrypt: DECRYPT_FAILED \(tampered\): Segment \d+ of the encrypted video failed authentication/);
    expect(existsSync(out)).toBe(false);
    expect(await partFiles()).toEqual([]);
  });

  it('encrypt without a usable VIDEO_KEK explains what is needed', async () => {
    const io = capture({ VIDEO_KEK: 'c2hvcnQ=' });
    expect(await mediaEncrypt(clip, join(dir, 'never.enc'), io)).toBe(1);
    expect(io.err()).toMatch(/^d2v media encrypt: CONFIG: VIDEO_KEK must be the base64 of exactly 32 random bytes .* decodes to 5 bytes\.\n$/);
    expect(existsSync(join(dir, 'never.enc'))).toBe(false);
  });
});
