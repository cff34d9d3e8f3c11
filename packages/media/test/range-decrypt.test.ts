/**
 * The random-access decryptor (range-decrypt.ts) against real ciphertext from the streaming encryptor: every
 * range gives exactly the plaintext bytes, only the covering segments are read and decrypted, and every kind of
 * damage is an error — never a wrong byte.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import {
  DecryptError,
  Keyring,
  TAG_BYTES,
  createEncryptStream,
  createMedia,
  generateKek,
  openEncryptedVideo,
  readHeader,
  type ByteRange,
  type CiphertextSource,
  type EncryptResult,
} from '../src';

const SEG = 1024;

async function encrypt(keyring: Keyring, data: Buffer, segmentSize = SEG): Promise<{ ciphertext: Buffer; result: EncryptResult }> {
  const { stream, result } = createEncryptStream(keyring, { segmentSize });
  const sink: Buffer[] = [];
  await pipeline(Readable.from([data]), stream, new Writable({ write(chunk: Buffer, _e, cb) { sink.push(chunk); cb(); } }));
  return { ciphertext: Buffer.concat(sink), result: await result };
}

/** An in-memory object read by range, recording every read; `chunk` cuts what it returns into small pieces. */
function memorySource(bytes: Buffer, opts: { chunk?: number; size?: number } = {}): CiphertextSource & { reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  return {
    reads,
    size: opts.size ?? bytes.length,
    read(range: ByteRange) {
      reads.push(range);
      const slice = bytes.subarray(range.start, range.end + 1);
      const step = opts.chunk ?? (slice.length || 1);
      const parts: Buffer[] = [];
      for (let at = 0; at < slice.length; at += step) parts.push(slice.subarray(at, at + step));
      return Readable.from(parts);
    },
  };
}

/** Everything the read released before it ended or failed, and the error. */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part as Buffer);
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

const keyring = new Keyring(generateKek('range-test'));
const info = (r: EncryptResult) => ({ keyId: r.keyId, wrappedKey: r.wrappedKey, plaintextBytes: r.plaintextBytes });

describe('openEncryptedVideo: ranged reads', () => {
  const plaintext = randomBytes(SEG * 37 + 123);
  let ciphertext: Buffer;
  let result: EncryptResult;
  beforeAll(async () => ({ ciphertext, result } = await encrypt(keyring, plaintext)));

  it('knows the plaintext size from the stored size and reads only the header to open', async () => {
    const source = memorySource(ciphertext);
    const video = await openEncryptedVideo(keyring, source, info(result));
    expect(video.plaintextBytes).toBe(plaintext.length);
    expect(video.segmentSize).toBe(SEG);
    expect(source.reads).toEqual([{ start: 0, end: Math.min(ciphertext.length, 1024) - 1 }]);
    expect(video.headerBytesRead).toBe(1024);
  });

  it('reads the whole video when no range is given', async () => {
    const video = await openEncryptedVideo(keyring, memorySource(ciphertext, { chunk: 777 }), info(result));
    const { stream, stats } = video.read();
    const { bytes, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(bytes.equals(plaintext)).toBe(true);
    expect(stats).toEqual({ segments: 38, bytesDecrypted: plaintext.length, ciphertextBytesRead: ciphertext.length - readHeader(ciphertext).raw.length });
  });

  const edges: [string, number, number][] = [
    ['the first byte', 0, 0],
    ['the last byte', SEG * 37 + 122, SEG * 37 + 122],
    ['a segment exactly', SEG * 3, SEG * 4 - 1],
    ['across one boundary', SEG * 5 - 1, SEG * 5],
    ['across many boundaries', SEG * 2 + 17, SEG * 20 + 5],
    ['the last segment, which is short', SEG * 37, SEG * 37 + 122],
    ['everything as a range', 0, SEG * 37 + 122],
    ['the last full segment up to the last byte', SEG * 36, SEG * 37 + 122],
  ];
  it.each(edges)('gives exactly the plaintext for %s (%d-%d), decrypting only the covering segments', async (_name, start, end) => {
    const source = memorySource(ciphertext, { chunk: 500 });
    const video = await openEncryptedVideo(keyring, source, info(result));
    const { stream, stats } = video.read({ start, end });
    const { bytes, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(bytes.equals(plaintext.subarray(start, end + 1))).toBe(true);
    const segments = Math.floor(end / SEG) - Math.floor(start / SEG) + 1;
    expect(stats.segments).toBe(segments);
    expect(stats.bytesDecrypted).toBeLessThanOrEqual(segments * SEG);
    expect(stats.ciphertextBytesRead).toBe(stats.bytesDecrypted + segments * TAG_BYTES);
    expect(source.reads).toHaveLength(2);
  });

  it('matches the plaintext at many random ranges (property)', async () => {
    const video = await openEncryptedVideo(keyring, memorySource(ciphertext, { chunk: 333 }), info(result));
    await fc.assert(
      fc.asyncProperty(fc.nat(plaintext.length - 1), fc.nat(plaintext.length - 1), async (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const { bytes, error } = await drain(video.read({ start, end }).stream);
        return error === undefined && bytes.equals(plaintext.subarray(start, end + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a range outside the video before reading anything', async () => {
    const source = memorySource(ciphertext);
    const video = await openEncryptedVideo(keyring, source, info(result));
    for (const range of [{ start: 0, end: plaintext.length }, { start: 5, end: 4 }, { start: -1, end: 2 }, { start: 1.5, end: 2 }]) {
      expect(() => video.read(range)).toThrow(RangeError);
    }
    expect(source.reads).toHaveLength(1);
  });

  it('works through createMedia (the MediaPort) with the default 64 KiB segments', async () => {
    const big = randomBytes(64 * 1024 * 5 + 9);
    const media = createMedia({ keyring });
    const { ciphertext: sealed, result: sealedResult } = await encrypt(keyring, big, 64 * 1024);
    const video = await media.openEncrypted(memorySource(sealed), info(sealedResult));
    const { bytes } = await drain(video.read({ start: 64 * 1024 * 5 - 3, end: big.length - 1 }).stream);
    expect(bytes.equals(big.subarray(64 * 1024 * 5 - 3))).toBe(true);
  });
});

describe('openEncryptedVideo: damage is an error, never wrong bytes', () => {
  const plaintext = randomBytes(SEG * 10 + 50);
  let ciphertext: Buffer;
  let result: EncryptResult;
  let headerLength: number;
  beforeAll(async () => {
    ({ ciphertext, result } = await encrypt(keyring, plaintext));
    headerLength = readHeader(ciphertext).raw.length;
  });
  const segmentAt = (i: number) => headerLength + i * (SEG + TAG_BYTES);

  async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise;
      return undefined;
    } catch (err) {
      return err instanceof DecryptError ? err.reason : `not a DecryptError: ${String(err)}`;
    }
  }

  it('a flipped byte fails the segment it is in, and releases nothing of it; other segments still read', async () => {
    const damaged = Buffer.from(ciphertext);
    damaged[segmentAt(4) + 100]! ^= 0x01;
    const video = await openEncryptedVideo(keyring, memorySource(damaged), info(result));
    const across = await drain(video.read({ start: SEG * 3 + 10, end: SEG * 5 }).stream);
    expect(across.error).toBeInstanceOf(DecryptError);
    expect((across.error as DecryptError).reason).toBe('tampered');
    // Segment 3's tail is authentic and may have been released; not one byte of segment 4.
    expect(across.bytes.equals(plaintext.subarray(SEG * 3 + 10, SEG * 3 + 10 + across.bytes.length))).toBe(true);
    expect(across.bytes.length).toBeLessThanOrEqual(SEG - 10);
    const elsewhere = await drain(video.read({ start: SEG * 6, end: SEG * 7 }).stream);
    expect(elsewhere.error).toBeUndefined();
    expect(elsewhere.bytes.equals(plaintext.subarray(SEG * 6, SEG * 7 + 1))).toBe(true);
  });

  it('a flipped tag byte, swapped segments and an altered header all fail', async () => {
    const tag = Buffer.from(ciphertext);
    tag[segmentAt(2) + SEG + 3]! ^= 0x80;
    const swapped = Buffer.from(ciphertext);
    ciphertext.copy(swapped, segmentAt(1), segmentAt(2), segmentAt(3));
    ciphertext.copy(swapped, segmentAt(2), segmentAt(1), segmentAt(2));
    for (const [bytes, range] of [[tag, { start: SEG * 2, end: SEG * 2 }], [swapped, { start: SEG, end: SEG }]] as const) {
      const video = await openEncryptedVideo(keyring, memorySource(bytes), info(result));
      const { error } = await drain(video.read(range).stream);
      expect((error as DecryptError).reason).toBe('tampered');
    }
    // The nonce prefix is in the header (and every segment's AD): changing it fails every segment.
    const header = Buffer.from(ciphertext);
    header[11]! ^= 0x01;
    const video = await openEncryptedVideo(keyring, memorySource(header), info(result));
    expect((((await drain(video.read({ start: 0, end: 0 }).stream)).error) as DecryptError).reason).toBe('tampered');
  });

  it('a file cut at a segment boundary or appended to is refused at open when the size was recorded…', async () => {
    const cut = ciphertext.subarray(0, segmentAt(8));
    const appended = Buffer.concat([ciphertext, ciphertext.subarray(segmentAt(1), segmentAt(2))]);
    for (const bytes of [cut, appended]) {
      expect(await reasonOf(openEncryptedVideo(keyring, memorySource(bytes), info(result)))).toBe('truncated');
    }
  });

  it('…and fails at the new end when it was not: the last segment there was not sealed as final', async () => {
    const cut = ciphertext.subarray(0, segmentAt(8));
    const video = await openEncryptedVideo(keyring, memorySource(cut), { keyId: result.keyId, wrappedKey: result.wrappedKey });
    expect(video.plaintextBytes).toBe(SEG * 8);
    const { error } = await drain(video.read({ start: SEG * 8 - 1, end: SEG * 8 - 1 }).stream);
    expect((error as DecryptError).reason).toBe('tampered');
  });

  it('a cut inside a segment is refused, and a store that returns short reads fails the read', async () => {
    expect(await reasonOf(openEncryptedVideo(keyring, memorySource(ciphertext.subarray(0, segmentAt(3) + 5)), info(result)))).toBe('truncated');
    // The metadata says the object is whole, but the bytes stop early (an object replaced mid-read).
    const short = memorySource(ciphertext.subarray(0, segmentAt(6)), { size: ciphertext.length });
    const video = await openEncryptedVideo(keyring, short, info(result));
    const { error } = await drain(video.read({ start: SEG * 5, end: SEG * 7 }).stream);
    expect((error as DecryptError).reason).toBe('truncated');
  });

  it('refuses other files, other keys and other wrapped keys at open', async () => {
    expect(await reasonOf(openEncryptedVideo(keyring, memorySource(randomBytes(5000)), info(result)))).toBe('not-encrypted');
    expect(await reasonOf(openEncryptedVideo(keyring, memorySource(Buffer.from('D2')), info(result)))).toBe('truncated');
    expect(await reasonOf(openEncryptedVideo(keyring, memorySource(ciphertext), { ...info(result), keyId: 'other' }))).toBe('key-mismatch');
    expect(await reasonOf(openEncryptedVideo(keyring, memorySource(ciphertext), { ...info(result), wrappedKey: 'AAAA' }))).toBe('key-mismatch');
    const stranger = new Keyring(generateKek('range-test'));
    expect(await reasonOf(openEncryptedVideo(stranger, memorySource(ciphertext), info(result)))).toBe('unwrap-failed');
  });

  it('an empty video opens with 0 bytes, reads as empty (its final segment verified) and has no ranges', async () => {
    const empty = await encrypt(keyring, Buffer.alloc(0));
    const video = await openEncryptedVideo(keyring, memorySource(empty.ciphertext), info(empty.result));
    expect(video.plaintextBytes).toBe(0);
    const { bytes, error } = await drain(video.read().stream);
    expect(error).toBeUndefined();
    expect(bytes.length).toBe(0);
    expect(() => video.read({ start: 0, end: 0 })).toThrow(RangeError);
  });
});
