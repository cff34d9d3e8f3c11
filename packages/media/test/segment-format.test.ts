/**
 * The segment format on its own (segment-format.ts): its offsets, lengths and per-segment nonce/AD checked
 * against real files written by the encrypt stream, by opening single segments with real AES-GCM at the offsets
 * the arithmetic gives — the way a random-access reader will.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptError,
  Keyring,
  SegmentSealer,
  TAG_BYTES,
  ciphertextLength,
  createEncryptStream,
  generateKek,
  plaintextLength,
  readHeader,
  sealedSegmentBytes,
  segmentCiphertextOffset,
  segmentCount,
  segmentIndexOf,
  segmentPlaintextLength,
  segmentPlaintextOffset,
} from '../src';

const SEG = 1024;
const keyring = new Keyring(generateKek('seg'));

async function encrypt(data: Buffer): Promise<Buffer> {
  const { stream } = createEncryptStream(keyring, { segmentSize: SEG });
  const sink: Buffer[] = [];
  await pipeline(Readable.from([data]), stream, new Writable({ write(chunk: Buffer, _e, cb) { sink.push(chunk); cb(); } }));
  return Buffer.concat(sink);
}

/** Opens segment `index` of `file` alone, from the offsets the format module computes. */
function openSegment(file: Buffer, index: number, plaintextBytes: number): Buffer {
  const header = readHeader(file);
  const sealer = new SegmentSealer(keyring.unwrap(header.keyId, header.wrappedKey), header.raw, header.noncePrefix);
  const start = segmentCiphertextOffset(index, header.segmentSize, header.raw.length);
  const bodyLength = segmentPlaintextLength(index, plaintextBytes, header.segmentSize);
  const final = index === segmentCount(plaintextBytes, header.segmentSize) - 1;
  const decipher = sealer.decipher(index, final);
  decipher.setAuthTag(file.subarray(start + bodyLength, start + bodyLength + TAG_BYTES));
  return Buffer.concat([decipher.update(file.subarray(start, start + bodyLength)), decipher.final()]);
}

describe('segment format', () => {
  it.each([0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 17])('%i bytes: every segment opens alone at its computed offset', async (size) => {
    const data = randomBytes(size);
    const file = await encrypt(data);
    const headerBytes = readHeader(file).raw.length;
    expect(file.length).toBe(ciphertextLength(size, SEG, headerBytes));
    expect(plaintextLength(file.length, SEG, headerBytes)).toBe(size);
    const count = segmentCount(size, SEG);
    expect(count).toBe(Math.max(1, Math.ceil(size / SEG)));
    // The last segment ends exactly at the end of the file.
    expect(segmentCiphertextOffset(count - 1, SEG, headerBytes) + segmentPlaintextLength(count - 1, size, SEG) + TAG_BYTES).toBe(file.length);
    for (let index = 0; index < count; index++) {
      const from = segmentPlaintextOffset(index, SEG);
      const plaintext = openSegment(file, index, size);
      expect(plaintext.equals(data.subarray(from, from + segmentPlaintextLength(index, size, SEG)))).toBe(true);
    }
  });

  it('a segment opened with the wrong final flag or at the wrong index fails its tag', async () => {
    const size = 2 * SEG + 5;
    const file = await encrypt(randomBytes(size));
    const header = readHeader(file);
    const sealer = new SegmentSealer(keyring.unwrap(header.keyId, header.wrappedKey), header.raw, header.noncePrefix);
    const start = segmentCiphertextOffset(0, SEG, header.raw.length);
    const tryOpen = (index: number, final: boolean): void => {
      const decipher = sealer.decipher(index, final);
      decipher.setAuthTag(file.subarray(start + SEG, start + SEG + TAG_BYTES));
      decipher.update(file.subarray(start, start + SEG));
      decipher.final();
    };
    expect(() => tryOpen(0, false)).not.toThrow();
    expect(() => tryOpen(0, true)).toThrow();
    expect(() => tryOpen(1, false)).toThrow();
  });

  it('maps plaintext offsets to segment indexes and back', () => {
    expect(segmentIndexOf(0, SEG)).toBe(0);
    expect(segmentIndexOf(SEG - 1, SEG)).toBe(0);
    expect(segmentIndexOf(SEG, SEG)).toBe(1);
    expect(segmentIndexOf(5 * SEG + 3, SEG)).toBe(5);
    for (const offset of [0, 1, SEG - 1, SEG, 7 * SEG + 100]) {
      const index = segmentIndexOf(offset, SEG);
      expect(segmentPlaintextOffset(index, SEG)).toBeLessThanOrEqual(offset);
      expect(offset).toBeLessThan(segmentPlaintextOffset(index + 1, SEG));
    }
    expect(sealedSegmentBytes(SEG)).toBe(SEG + TAG_BYTES);
    expect(segmentCiphertextOffset(3, SEG, 100)).toBe(100 + 3 * (SEG + TAG_BYTES));
  });

  it('refuses file sizes no encryption produces (cut inside a tag, or an empty segment after full ones)', () => {
    const headerBytes = 60;
    const refuse = (bytes: number): void => {
      let error: unknown;
      try {
        plaintextLength(bytes, SEG, headerBytes);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DecryptError);
      expect((error as DecryptError).reason).toBe('truncated');
    };
    refuse(headerBytes);
    refuse(headerBytes + TAG_BYTES - 1);
    refuse(headerBytes + sealedSegmentBytes(SEG) + TAG_BYTES); // a full segment, then an empty one
    refuse(headerBytes + sealedSegmentBytes(SEG) + TAG_BYTES - 1);
    expect(plaintextLength(headerBytes + TAG_BYTES, SEG, headerBytes)).toBe(0);
    expect(plaintextLength(headerBytes + sealedSegmentBytes(SEG) + TAG_BYTES + 1, SEG, headerBytes)).toBe(SEG + 1);
  });
});
