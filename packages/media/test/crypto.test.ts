import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptError,
  ENCRYPTION_SCHEME,
  Keyring,
  TAG_BYTES,
  ciphertextLength,
  createDecryptStream,
  createEncryptStream,
  generateKek,
  readHeader,
  type DecryptFailure,
  type EncryptResult,
  type WrappedKeyInfo,
} from '../src';

const SEG = 1024; // small segments keep the matrix fast; one test uses the 64 KiB default

/** Feeds `data` in chunks of the given sizes (cycled), the way sockets and files hand data over. */
function chunked(data: Buffer, sizes: number[] = [data.length || 1]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function encrypt(keyring: Keyring, data: Buffer, opts: { segmentSize?: number; sizes?: number[] } = {}): Promise<{ ciphertext: Buffer; result: EncryptResult }> {
  const { stream, result } = createEncryptStream(keyring, 'segmentSize' in opts ? { segmentSize: opts.segmentSize } : { segmentSize: SEG });
  const sink: Buffer[] = [];
  await pipeline(chunked(data, opts.sizes), stream, new Writable({ write(chunk: Buffer, _e, cb) { sink.push(chunk); cb(); } }));
  return { ciphertext: Buffer.concat(sink), result: await result };
}

/** Decrypts, returning what was released before any error and the error. */
async function decrypt(keyring: Keyring, ciphertext: Buffer, info?: Partial<WrappedKeyInfo>, sizes?: number[]): Promise<{ plaintext: Buffer; error?: DecryptError }> {
  const released: Buffer[] = [];
  try {
    await pipeline(chunked(ciphertext, sizes), createDecryptStream(keyring, info), new Writable({ write(chunk: Buffer, _e, cb) { released.push(chunk); cb(); } }));
    return { plaintext: Buffer.concat(released) };
  } catch (err) {
    if (!(err instanceof DecryptError)) throw err;
    return { plaintext: Buffer.concat(released), error: err };
  }
}

async function expectFailure(keyring: Keyring, ciphertext: Buffer, reason: DecryptFailure, original?: Buffer, info?: Partial<WrappedKeyInfo>): Promise<DecryptError> {
  const { plaintext, error } = await decrypt(keyring, ciphertext, info);
  expect(error).toBeInstanceOf(DecryptError);
  expect(error!.reason).toBe(reason);
  // Nothing unauthenticated is ever released: what came out is whole verified segments of the original.
  if (original) {
    expect(plaintext.length % SEG).toBe(0);
    expect(plaintext.equals(original.subarray(0, plaintext.length))).toBe(true);
  }
  return error!;
}

const keyring = new Keyring(generateKek('k1'));

describe('round trip', () => {
  const sizes = [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 17];
  it.each(sizes)('%i bytes, whatever the chunking', async (size) => {
    const data = randomBytes(size);
    for (const chunking of [undefined, [1], [7, 300, 1024, 5000], [SEG], [SEG + TAG_BYTES]]) {
      const { ciphertext, result } = await encrypt(keyring, data, { sizes: chunking });
      const header = readHeader(ciphertext);
      expect(ciphertext.length).toBe(ciphertextLength(size, SEG, header.raw.length));
      expect(result).toEqual({
        scheme: ENCRYPTION_SCHEME,
        keyId: 'k1',
        wrappedKey: header.wrappedKey.toString('base64'),
        segmentSize: SEG,
        plaintextBytes: size,
        ciphertextBytes: ciphertext.length,
      });
      for (const decryptChunking of [undefined, [1], [13, 2000]]) {
        const { plaintext, error } = await decrypt(keyring, ciphertext, result, decryptChunking);
        expect(error).toBeUndefined();
        expect(plaintext.equals(data)).toBe(true);
      }
    }
  });

  it('with the default 64 KiB segments, and without the key info (the header carries it)', async () => {
    const data = randomBytes(3 * 64 * 1024 + 5);
    const { ciphertext, result } = await encrypt(keyring, data, { segmentSize: undefined, sizes: [16 * 1024] });
    expect(result.segmentSize).toBe(64 * 1024);
    const { plaintext, error } = await decrypt(keyring, ciphertext);
    expect(error).toBeUndefined();
    expect(plaintext.equals(data)).toBe(true);
  });

  it('never reuses a data key or nonce prefix: the same plaintext encrypts differently each time', async () => {
    const data = randomBytes(100);
    const a = await encrypt(keyring, data);
    const b = await encrypt(keyring, data);
    expect(a.result.wrappedKey).not.toBe(b.result.wrappedKey);
    expect(readHeader(a.ciphertext).noncePrefix.equals(readHeader(b.ciphertext).noncePrefix)).toBe(false);
    expect(a.ciphertext.subarray(-116).equals(b.ciphertext.subarray(-116))).toBe(false);
  });

  it('streams: plaintext comes out before the ciphertext has all arrived', async () => {
    const data = randomBytes(4 * SEG);
    const { ciphertext } = await encrypt(keyring, data);
    const decryptor = createDecryptStream(keyring);
    const firstOutput = new Promise<Buffer>((resolve) => decryptor.once('data', resolve));
    decryptor.write(ciphertext.subarray(0, ciphertext.length - SEG)); // hold back the last segment
    const first = await firstOutput;
    expect(first.equals(data.subarray(0, first.length))).toBe(true);
    decryptor.end(ciphertext.subarray(ciphertext.length - SEG));
  });
});

describe('tampering is detected', () => {
  const data = randomBytes(3 * SEG + 100);
  let ciphertext: Buffer;
  let headerLength: number;
  beforeAll(async () => {
    ciphertext = (await encrypt(keyring, data)).ciphertext;
    headerLength = readHeader(ciphertext).raw.length;
  });
  const segmentStart = (i: number): number => headerLength + i * (SEG + TAG_BYTES);
  const flip = (at: number): Buffer => {
    const copy = Buffer.from(ciphertext);
    copy[at]! ^= 0x01;
    return copy;
  };

  it('a flipped bit in the body of any segment', async () => {
    for (const segment of [0, 1, 3]) await expectFailure(keyring, flip(segmentStart(segment) + 5), 'tampered', data);
  });

  it('a flipped bit in a tag', async () => {
    await expectFailure(keyring, flip(segmentStart(1) + SEG + 3), 'tampered', data);
    await expectFailure(keyring, flip(ciphertext.length - 1), 'tampered', data);
  });

  it('a flipped bit in the nonce prefix, the segment size or the wrapped key in the header', async () => {
    await expectFailure(keyring, flip(11), 'tampered', data); // nonce prefix: in every segment's nonce and AD
    await expectFailure(keyring, flip(headerLength - 5), 'unwrap-failed'); // wrapped key
    const err = await decrypt(keyring, flip(9)); // segment size: different segment boundaries, or out of range
    expect(['tampered', 'bad-header']).toContain(err.error?.reason);
  });

  it('a wrong magic or version', async () => {
    await expectFailure(keyring, flip(0), 'not-encrypted');
    await expectFailure(keyring, flip(4), 'unsupported-version');
    await expectFailure(keyring, Buffer.from('plain old mp4 bytes, not encrypted at all'), 'not-encrypted');
  });

  it('truncation at every segment boundary', async () => {
    for (const segments of [1, 2, 3]) await expectFailure(keyring, ciphertext.subarray(0, segmentStart(segments)), 'tampered', data);
  });

  it('truncation inside a segment, inside a tag, right after the header, and inside the header', async () => {
    await expectFailure(keyring, ciphertext.subarray(0, segmentStart(1) + 100), 'tampered', data);
    await expectFailure(keyring, ciphertext.subarray(0, ciphertext.length - 3), 'tampered', data);
    await expectFailure(keyring, ciphertext.subarray(0, headerLength), 'truncated');
    await expectFailure(keyring, ciphertext.subarray(0, headerLength + 10), 'truncated');
    await expectFailure(keyring, ciphertext.subarray(0, headerLength - 1), 'truncated');
    await expectFailure(keyring, ciphertext.subarray(0, 3), 'truncated');
    await expectFailure(keyring, Buffer.alloc(0), 'truncated');
  });

  it('reordered or duplicated segments', async () => {
    const s0 = ciphertext.subarray(segmentStart(0), segmentStart(1));
    const s1 = ciphertext.subarray(segmentStart(1), segmentStart(2));
    const rest = ciphertext.subarray(segmentStart(2));
    const header = ciphertext.subarray(0, headerLength);
    await expectFailure(keyring, Buffer.concat([header, s1, s0, rest]), 'tampered', data);
    await expectFailure(keyring, Buffer.concat([header, s0, s0, s1, rest]), 'tampered', data);
    await expectFailure(keyring, Buffer.concat([header, s0, rest]), 'tampered', data); // a segment dropped
  });

  it('data appended after the last segment', async () => {
    await expectFailure(keyring, Buffer.concat([ciphertext, Buffer.alloc(1)]), 'tampered', data);
    await expectFailure(keyring, Buffer.concat([ciphertext, ciphertext.subarray(segmentStart(0), segmentStart(1))]), 'tampered', data);
  });

  it('a header swapped in from another file, or segments spliced from another file', async () => {
    const other = (await encrypt(keyring, data)).ciphertext;
    await expectFailure(keyring, Buffer.concat([other.subarray(0, headerLength), ciphertext.subarray(headerLength)]), 'tampered', data);
    const spliced = Buffer.concat([ciphertext.subarray(0, segmentStart(1)), other.subarray(segmentStart(1))]);
    await expectFailure(keyring, spliced, 'tampered', data);
  });

  it('key info that does not match the header', async () => {
    const { ciphertext: c, result } = await encrypt(keyring, data);
    await expectFailure(keyring, c, 'key-mismatch', undefined, { keyId: 'k0', wrappedKey: result.wrappedKey });
    const otherWrapped = (await encrypt(keyring, data)).result.wrappedKey;
    await expectFailure(keyring, c, 'key-mismatch', undefined, { keyId: 'k1', wrappedKey: otherWrapped });
  });
});

describe('keys', () => {
  it('a keyring with the same key id but different key material cannot unwrap', async () => {
    const { ciphertext } = await encrypt(keyring, randomBytes(10));
    const impostor = new Keyring(generateKek('k1'));
    const err = await expectFailure(impostor, ciphertext, 'unwrap-failed');
    expect(err.message).toMatch(/does not unwrap with key "k1"/);
  });

  it('an unknown key id is named in the error', async () => {
    const { ciphertext } = await encrypt(keyring, randomBytes(10));
    const err = await expectFailure(new Keyring(generateKek('k9')), ciphertext, 'unknown-key');
    expect(err.message).toMatch(/key "k1", which this keyring does not hold \(it has k9\)/);
  });

  it('rotation: videos encrypted under the old key still decrypt after the current key changes', async () => {
    const old = new Keyring(generateKek('2024-01'));
    const data = randomBytes(2 * SEG + 3);
    const before = await encrypt(old, data);
    expect(before.result.keyId).toBe('2024-01');

    const rotated = old.rotatedTo(generateKek('2025-06'));
    expect(rotated.currentId).toBe('2025-06');
    expect(rotated.ids).toEqual(['2025-06', '2024-01']);
    const after = await encrypt(rotated, data);
    expect(after.result.keyId).toBe('2025-06');

    for (const { ciphertext, result } of [before, after]) {
      const { plaintext, error } = await decrypt(rotated, ciphertext, result);
      expect(error).toBeUndefined();
      expect(plaintext.equals(data)).toBe(true);
    }
    // Once the old key is gone, old videos say which key they need.
    await expectFailure(new Keyring(generateKek('2025-06')), before.ciphertext, 'unknown-key');
  });
});

describe('stream lifecycle', () => {
  it('the encrypt result rejects (without an unhandled rejection) when the stream is destroyed', async () => {
    const { stream, result } = createEncryptStream(keyring);
    stream.on('error', () => undefined);
    stream.destroy(new Error('source failed'));
    await expect(result).rejects.toThrow('source failed');
  });

  it('holds at most about one segment in memory however the data arrives', async () => {
    // A slow consumer with backpressure: the transform must not run ahead and buffer the input.
    const { stream } = createEncryptStream(keyring, { segmentSize: 64 * 1024 });
    let maxBuffered = 0;
    const source = Readable.from((function* () {
      for (let i = 0; i < 64; i++) yield randomBytes(64 * 1024);
    })());
    await pipeline(
      source,
      stream,
      new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _e, cb) {
          maxBuffered = Math.max(maxBuffered, stream.readableLength + stream.writableLength);
          setImmediate(cb);
        },
      }),
    );
    expect(maxBuffered).toBeLessThanOrEqual(4 * 64 * 1024);
  });
});
