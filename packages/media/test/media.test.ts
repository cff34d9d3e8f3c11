import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecryptError, Keyring, createMedia, generateKek, mediaConfigFromEnv, type MediaPort } from '../src';
import { makeClip, makeTempDir, removeDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('port');
});
afterAll(() => removeDir(dir));

describe('createMedia (the MediaPort both runtimes use)', () => {
  const keyring = new Keyring(generateKek('k1'));
  const media: MediaPort = createMedia({ config: mediaConfigFromEnv({ MEDIA_X264_PRESET: 'ultrafast', MEDIA_SEGMENT_SIZE: '4096' }), keyring });

  it('runs validate → compress → poster → encrypt → decrypt on a file', async () => {
    const raw = await makeClip(join(dir, 'raw.mp4'), { width: 320, height: 240, seconds: 1, audio: true });
    const probe = await media.validate(raw);
    expect(probe.videoCodec).toBe('h264');

    const compressed = join(dir, 'video.mp4');
    const fractions: number[] = [];
    const out = await media.compress(raw, compressed, (f) => fractions.push(f));
    expect(out).toMatchObject({ videoCodec: 'h264', width: 320, height: 240 });
    expect(fractions.at(-1)).toBe(1);

    await media.poster(compressed, join(dir, 'poster.jpg'));

    const { stream, result } = media.encrypt(createReadStream(compressed));
    await pipeline(stream, createWriteStream(join(dir, 'video.enc')));
    const info = await result;
    expect(info).toMatchObject({ scheme: 'd2v-aes256gcm-stream-v1', keyId: 'k1', segmentSize: 4096, plaintextBytes: out.bytes });

    const decrypted = join(dir, 'video.dec.mp4');
    await pipeline(media.decrypt(createReadStream(join(dir, 'video.enc')), info), createWriteStream(decrypted));
    expect((await readFile(decrypted)).equals(await readFile(compressed))).toBe(true);
  });

  it('passes a source error on to the ciphertext stream and the result', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk went away'));
      },
    });
    const { stream, result } = media.encrypt(failing);
    await expect(pipeline(stream, createWriteStream(join(dir, 'never.enc')))).rejects.toThrow('disk went away');
    await expect(result).rejects.toThrow('disk went away');
  });

  it('makes tampered ciphertext error the plaintext stream', async () => {
    const { stream, result } = media.encrypt(Readable.from([Buffer.alloc(10_000, 1)]));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const ciphertext = Buffer.concat(chunks);
    ciphertext[ciphertext.length - 20]! ^= 0xff;
    const plain = media.decrypt(Readable.from([ciphertext]), await result);
    await expect(async () => {
      for await (const _ of plain) void _;
    }).rejects.toBeInstanceOf(DecryptError);
  });
});

describe('createMedia stream plumbing', () => {
  it('closes the source when the consumer gives up on the ciphertext', async () => {
    const media = createMedia({ keyring: new Keyring(generateKek('k1')) });
    let sourceDestroyed = false;
    const source = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024));
      },
      destroy(err, cb) {
        sourceDestroyed = true;
        cb(err);
      },
    });
    const { stream, result } = media.encrypt(source);
    // Give up on the first chunk (synchronously: a flowing stream with no listener would otherwise spin the source).
    await new Promise<void>((resolve) =>
      stream.once('data', () => {
        stream.destroy();
        resolve();
      }),
    );
    await expect(result).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sourceDestroyed).toBe(true);
  });
});
