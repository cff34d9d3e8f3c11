/**
 * Random-access decryption of the d2v encrypted format: what a video player seeking through a stored video needs.
 * The file's header is read once (one small ranged read), then each request reads only the sealed segments that
 * cover the asked-for plaintext bytes — a seek near the end of a 100 MB video decrypts one or two 64 KiB
 * segments, not the whole file. Offsets, nonces and associated data all come from segment-format.ts, the same
 * module the streaming encryptor uses, so the two cannot disagree.
 *
 * Integrity is that of the streaming decryptor, segment by segment: each segment's tag is verified before any of
 * its bytes are released; the segment index is in the nonce and the AD, so a segment moved elsewhere fails; and
 * the segment that ends the file is opened as final, so a cut or an append fails once a read reaches the end. A
 * read that stops short of the end cannot see the end, so opening compares the stored size with the size
 * recorded at encryption (`info.plaintextBytes`): a file cut short or appended to is refused up front.
 *
 * Memory: one segment plus one incoming chunk per read, like crypto.ts (chunks are sliced, never concatenated).
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { ChunkQueue, splitTail } from './chunk-queue';
import { DecryptError } from './crypto-errors';
import type { Keyring } from './keyring';
import {
  HEADER_PREAMBLE_BYTES,
  MAX_HEADER_BYTES,
  SegmentSealer,
  TAG_BYTES,
  plaintextLength,
  readHeader,
  segmentCiphertextOffset,
  segmentCount,
  segmentIndexOf,
  segmentPlaintextLength,
  segmentPlaintextOffset,
  type EncryptedFileHeader,
} from './segment-format';
import type { ByteRange, CiphertextSource, DecryptStats, EncryptedVideo, WrappedKeyInfo } from './types';

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of stream) {
    parts.push(part as Buffer);
    length += (part as Buffer).length;
    if (length > limit) break;
  }
  return Buffer.concat(parts, length);
}

/** Reads and checks the header: ours, the recorded key, and a size consistent with what was encrypted. */
async function openHeader(
  source: CiphertextSource,
  info: WrappedKeyInfo & { plaintextBytes?: number },
): Promise<{ header: EncryptedFileHeader; plaintextBytes: number; headerBytesRead: number }> {
  if (!Number.isSafeInteger(source.size) || source.size < HEADER_PREAMBLE_BYTES) {
    throw new DecryptError('truncated', 'The encrypted video ends inside its header.');
  }
  const headerBytesRead = Math.min(source.size, MAX_HEADER_BYTES);
  const first = await readAll(source.read({ start: 0, end: headerBytesRead - 1 }), headerBytesRead);
  const header = readHeader(first);
  if (info.keyId !== header.keyId) {
    throw new DecryptError('key-mismatch', `The file is encrypted under key "${header.keyId}", not "${info.keyId}" as recorded.`);
  }
  if (info.wrappedKey !== header.wrappedKey.toString('base64')) {
    throw new DecryptError('key-mismatch', 'The wrapped data key recorded for this video does not match the one in its header.');
  }
  const plaintextBytes = plaintextLength(source.size, header.segmentSize, header.raw.length);
  if (info.plaintextBytes !== undefined && info.plaintextBytes !== plaintextBytes) {
    throw new DecryptError(
      'truncated',
      `The stored video holds ${plaintextBytes} bytes, not the ${info.plaintextBytes} recorded when it was encrypted: it was cut short or appended to.`,
    );
  }
  return { header, plaintextBytes, headerBytesRead };
}

function checkRange(range: ByteRange, plaintextBytes: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= plaintextBytes) {
    throw new RangeError(`bytes ${start}-${end} are not inside the ${plaintextBytes}-byte video`);
  }
}

/**
 * A Transform from the sealed segments `first`…`last` (exactly those bytes, in order) to the plaintext bytes
 * `want.start`…`want.end`, which those segments cover.
 */
function segmentRangeDecryptor(opts: {
  keyring: Keyring;
  header: EncryptedFileHeader;
  plaintextBytes: number;
  first: number;
  last: number;
  want: ByteRange | null;
  stats: DecryptStats;
}): Transform {
  const { header, plaintextBytes, first, last, want, stats } = opts;
  const { segmentSize } = header;
  const finalIndex = segmentCount(plaintextBytes, segmentSize) - 1;
  let dataKey: Buffer | null = opts.keyring.unwrap(header.keyId, header.wrappedKey);
  const sealer = new SegmentSealer(dataKey, header.raw, header.noncePrefix);
  const pending = new ChunkQueue();
  let index = first;
  const sealedLength = (i: number) => segmentPlaintextLength(i, plaintextBytes, segmentSize) + TAG_BYTES;

  const openSegment = (stream: Transform): void => {
    const segment = index++;
    const length = sealedLength(segment);
    const { body, tail: tag } = splitTail(pending.take(length), TAG_BYTES);
    const decipher = sealer.decipher(segment, segment === finalIndex);
    decipher.setAuthTag(tag);
    const plaintext: Buffer[] = [];
    try {
      for (const part of body) plaintext.push(decipher.update(part));
      plaintext.push(decipher.final());
    } catch {
      throw new DecryptError(
        'tampered',
        `Segment ${segment} of the encrypted video failed authentication: the file was altered, reordered, cut short or appended to.`,
      );
    }
    stats.segments++;
    stats.bytesDecrypted += length - TAG_BYTES;
    // Release only the wanted part of the segment (the first and last segments of a range are partial).
    const segmentStart = segmentPlaintextOffset(segment, segmentSize);
    const from = want ? Math.max(0, want.start - segmentStart) : 0;
    const to = want ? Math.min(length - TAG_BYTES, want.end - segmentStart + 1) : length - TAG_BYTES;
    let at = 0;
    for (const chunk of plaintext) {
      const lo = Math.max(from - at, 0);
      const hi = Math.min(to - at, chunk.length);
      if (hi > lo) stream.push(lo === 0 && hi === chunk.length ? chunk : chunk.subarray(lo, hi));
      at += chunk.length;
    }
  };

  const fail = (err: unknown): Error =>
    err instanceof DecryptError ? err : new DecryptError('bad-header', `The encrypted video could not be read: ${(err as Error).message}`);

  return new Transform({
    readableHighWaterMark: segmentSize,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        stats.ciphertextBytesRead += chunk.length;
        pending.push(chunk);
        while (index <= last && pending.length >= sealedLength(index)) openSegment(this);
        if (index > last && pending.length > 0) throw new DecryptError('bad-header', 'The store returned more bytes than the segments asked for.');
        callback();
      } catch (err) {
        callback(fail(err));
      }
    },
    flush(callback: TransformCallback) {
      if (index <= last) return callback(new DecryptError('truncated', `The encrypted video ends inside segment ${index}: it was cut short.`));
      callback();
    },
    destroy(err, callback) {
      dataKey?.fill(0);
      dataKey = null;
      callback(err);
    },
  });
}

/**
 * Opens `source` for ranged reads. The data key is unwrapped here once (so a wrong KEK fails the open, before a
 * response starts) and again per read, whose stream zeroes its copy when it ends.
 */
export async function openEncryptedVideo(
  keyring: Keyring,
  source: CiphertextSource,
  info: WrappedKeyInfo & { plaintextBytes?: number },
): Promise<EncryptedVideo> {
  const { header, plaintextBytes, headerBytesRead } = await openHeader(source, info);
  keyring.unwrap(header.keyId, header.wrappedKey).fill(0);
  const { segmentSize } = header;
  const headerLength = header.raw.length;
  return {
    plaintextBytes,
    segmentSize,
    headerBytesRead,
    read(range?: ByteRange) {
      if (range) checkRange(range, plaintextBytes);
      // No range: every segment (an empty video still has its one, empty, final segment to verify).
      const first = range ? segmentIndexOf(range.start, segmentSize) : 0;
      const last = range ? segmentIndexOf(range.end, segmentSize) : segmentCount(plaintextBytes, segmentSize) - 1;
      const start = segmentCiphertextOffset(first, segmentSize, headerLength);
      const end = segmentCiphertextOffset(last, segmentSize, headerLength) + segmentPlaintextLength(last, plaintextBytes, segmentSize) + TAG_BYTES - 1;
      const stats: DecryptStats = { segments: 0, bytesDecrypted: 0, ciphertextBytesRead: 0 };
      const stream = segmentRangeDecryptor({ keyring, header, plaintextBytes, first, last, want: range ?? null, stats });
      // pipeline(): a source error reaches the consumer through `stream`, and a consumer that stops early
      // (a player seeking elsewhere closes the connection) destroys the source read too.
      pipeline(source.read({ start, end }), stream, () => undefined);
      return { stream, stats };
    },
  };
}
