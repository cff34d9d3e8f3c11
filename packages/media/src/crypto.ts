/**
 * Chunked streaming AES-256-GCM for videos at rest (the "STREAM" construction of Hoang, Reyhanitabar, Rogaway and
 * Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance").
 *
 * File layout, all integers big-endian:
 *
 *   header   'D2VE' | version u8 (=1) | header length u16 | segment size u32 | nonce prefix (8 bytes)
 *            | key id length u8 | key id (ASCII) | wrapped key length u8 | wrapped data key
 *   segments ciphertext ‖ 16-byte GCM tag, for each plaintext segment in order
 *
 * Plaintext is cut into fixed-size segments; only the last may be shorter (possibly empty, so even an empty file
 * has one authenticated segment). Segment i is sealed with the file's data key under nonce = prefix ‖ u32(i) and
 * associated data = header ‖ u32(i) ‖ final-flag u8. Hence:
 *   - altering any byte fails that segment's tag;
 *   - swapping or reordering segments fails (the index is in the nonce and the AD);
 *   - cutting the file at a segment boundary fails (the new last segment was sealed as not-final);
 *   - appending data fails (the old last segment is then read as not-final);
 *   - editing or swapping the header fails (the header is in every segment's AD, and the data key is per file).
 * Plaintext is released only after its segment's tag has been verified.
 *
 * The data key is random per file and stored wrapped by a KEK (see keyring.ts) in the header, with the KEK's id,
 * so a file is self-describing: decrypting needs only the keyring.
 *
 * Memory: at most one segment plus one incoming chunk is held per stream. Chunks are sliced, never concatenated,
 * on their way into the cipher (the only copy is the cipher's own output).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DecryptError } from './crypto-errors';
import { DATA_KEY_BYTES, type Keyring } from './keyring';
import { DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE } from './config';
import type { EncryptResult, WrappedKeyInfo } from './types';

export const ENCRYPTION_SCHEME = 'd2v-aes256gcm-stream-v1';
export const FORMAT_MAGIC = Buffer.from('D2VE', 'latin1');
export const FORMAT_VERSION = 1;
export const TAG_BYTES = 16;
const NONCE_PREFIX_BYTES = 8;
/** magic + version + header length. */
const HEADER_PREAMBLE_BYTES = 7;
/** Largest header we will buffer while parsing (a key id of 64 and a 60-byte wrapped key need ~150). */
const MAX_HEADER_BYTES = 1024;
const MAX_SEGMENTS = 2 ** 32;

export interface EncryptedFileHeader {
  version: number;
  segmentSize: number;
  noncePrefix: Buffer;
  keyId: string;
  wrappedKey: Buffer;
  /** The exact header bytes, which every segment authenticates. */
  raw: Buffer;
}

export function encodeHeader(fields: { segmentSize: number; noncePrefix: Buffer; keyId: string; wrappedKey: Buffer }): Buffer {
  const keyId = Buffer.from(fields.keyId, 'latin1');
  const length = HEADER_PREAMBLE_BYTES + 4 + NONCE_PREFIX_BYTES + 1 + keyId.length + 1 + fields.wrappedKey.length;
  const header = Buffer.alloc(length);
  let at = FORMAT_MAGIC.copy(header, 0);
  at = header.writeUInt8(FORMAT_VERSION, at);
  at = header.writeUInt16BE(length, at);
  at = header.writeUInt32BE(fields.segmentSize, at);
  at += fields.noncePrefix.copy(header, at);
  at = header.writeUInt8(keyId.length, at);
  at += keyId.copy(header, at);
  at = header.writeUInt8(fields.wrappedKey.length, at);
  fields.wrappedKey.copy(header, at);
  return header;
}

/** How long the header is, from its first 7 bytes; throws on anything that is not one of our files. */
function headerLengthFromPreamble(preamble: Buffer): number {
  if (!preamble.subarray(0, 4).equals(FORMAT_MAGIC)) {
    throw new DecryptError('not-encrypted', 'The data is not a d2v encrypted video (it does not start with "D2VE").');
  }
  const version = preamble.readUInt8(4);
  if (version !== FORMAT_VERSION) {
    throw new DecryptError('unsupported-version', `The encrypted video uses format version ${version}; this build reads version ${FORMAT_VERSION}.`);
  }
  const length = preamble.readUInt16BE(5);
  if (length < HEADER_PREAMBLE_BYTES + 4 + NONCE_PREFIX_BYTES + 2 || length > MAX_HEADER_BYTES) {
    throw new DecryptError('bad-header', `The encrypted video's header claims ${length} bytes, which is not a valid header size.`);
  }
  return length;
}

export function decodeHeader(raw: Buffer): EncryptedFileHeader {
  const length = headerLengthFromPreamble(raw);
  if (raw.length !== length) throw new DecryptError('bad-header', 'The encrypted video header has the wrong length.');
  let at = HEADER_PREAMBLE_BYTES;
  const segmentSize = raw.readUInt32BE(at);
  at += 4;
  const noncePrefix = raw.subarray(at, at + NONCE_PREFIX_BYTES);
  at += NONCE_PREFIX_BYTES;
  const keyIdLength = raw.readUInt8(at++);
  const keyId = raw.subarray(at, at + keyIdLength).toString('latin1');
  at += keyIdLength;
  if (at >= length) throw new DecryptError('bad-header', 'The encrypted video header is cut short.');
  const wrappedKeyLength = raw.readUInt8(at++);
  const wrappedKey = raw.subarray(at, at + wrappedKeyLength);
  at += wrappedKeyLength;
  if (at !== length || keyIdLength === 0 || wrappedKeyLength === 0) {
    throw new DecryptError('bad-header', 'The encrypted video header fields do not add up to its length.');
  }
  if (segmentSize < 1 || segmentSize > MAX_SEGMENT_SIZE) {
    throw new DecryptError('bad-header', `The encrypted video's segment size ${segmentSize} is out of range.`);
  }
  return { version: FORMAT_VERSION, segmentSize, noncePrefix, keyId, wrappedKey, raw };
}

/** Reads just the header of an encrypted file's first bytes (for tools that want the key id). */
export function readHeader(firstBytes: Buffer): EncryptedFileHeader {
  if (firstBytes.length < HEADER_PREAMBLE_BYTES) throw new DecryptError('truncated', 'The data ends inside the encrypted video header.');
  const length = headerLengthFromPreamble(firstBytes);
  if (firstBytes.length < length) throw new DecryptError('truncated', 'The data ends inside the encrypted video header.');
  return decodeHeader(Buffer.from(firstBytes.subarray(0, length)));
}

/** The exact ciphertext size for `plaintextBytes` (header included), e.g. for Content-Length. */
export function ciphertextLength(plaintextBytes: number, segmentSize: number, headerBytes: number): number {
  const segments = Math.max(1, Math.ceil(plaintextBytes / segmentSize));
  return headerBytes + plaintextBytes + segments * TAG_BYTES;
}

/** Per-segment nonce and associated data. */
class SegmentSealer {
  private readonly adSuffixAt: number;
  private readonly ad: Buffer;
  private readonly nonce: Buffer;

  constructor(
    private readonly dataKey: Buffer,
    header: Buffer,
    noncePrefix: Buffer,
  ) {
    this.nonce = Buffer.alloc(NONCE_PREFIX_BYTES + 4);
    noncePrefix.copy(this.nonce, 0);
    this.adSuffixAt = header.length;
    this.ad = Buffer.alloc(header.length + 5);
    header.copy(this.ad, 0);
  }

  private prepare(index: number, final: boolean): void {
    if (index >= MAX_SEGMENTS) throw new Error('Too many segments for one encrypted stream.');
    this.nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
    this.ad.writeUInt32BE(index, this.adSuffixAt);
    this.ad.writeUInt8(final ? 1 : 0, this.adSuffixAt + 4);
  }

  cipher(index: number, final: boolean) {
    this.prepare(index, final);
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, this.nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.ad);
    return cipher;
  }

  decipher(index: number, final: boolean) {
    this.prepare(index, final);
    const decipher = createDecipheriv('aes-256-gcm', this.dataKey, this.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.ad);
    return decipher;
  }
}

/** A FIFO of buffers that hands out byte ranges as slices of the original chunks (no copying). */
class ChunkQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes the first `count` bytes and returns them as slices. */
  take(count: number): Buffer[] {
    const out: Buffer[] = [];
    let remaining = count;
    while (remaining > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.head;
      if (available <= remaining) {
        out.push(this.head === 0 ? first : first.subarray(this.head));
        this.chunks.shift();
        this.head = 0;
        remaining -= available;
      } else {
        out.push(first.subarray(this.head, this.head + remaining));
        this.head += remaining;
        remaining = 0;
      }
    }
    this.length -= count;
    return out;
  }

  /** A copy of the first `count` bytes, left in the queue (for small fields). */
  peek(count: number): Buffer {
    const out = Buffer.alloc(count);
    let at = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      at += chunk.copy(out, at, offset, Math.min(chunk.length, offset + count - at));
      offset = 0;
      if (at === count) break;
    }
    return out;
  }

  /** Removes the first `count` bytes into one buffer (for small fields: headers, tags). */
  takeContiguous(count: number): Buffer {
    const parts = this.take(count);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, count);
  }
}

/** Splits slices `parts` (totalling `total` bytes) into the first `total - tail` bytes and the last `tail`. */
function splitTail(parts: Buffer[], tail: number): { body: Buffer[]; tail: Buffer } {
  const last = parts[parts.length - 1];
  if (last && last.length >= tail) {
    // The usual case: the tag sits inside the last slice.
    const body = parts.slice(0, -1);
    if (last.length > tail) body.push(last.subarray(0, last.length - tail));
    return { body, tail: last.subarray(last.length - tail) };
  }
  const queue = new ChunkQueue();
  let total = 0;
  for (const part of parts) {
    queue.push(part);
    total += part.length;
  }
  const body = queue.take(total - tail);
  return { body, tail: queue.takeContiguous(tail) };
}

function settleable<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The stream's own 'error' event reports failures; callers that only watch the stream must not crash the
  // process with an unhandled rejection. Awaiting `promise` still sees the rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface EncryptStreamOptions {
  /** Plaintext bytes per segment (default 64 KiB). */
  segmentSize?: number;
}

export interface EncryptStream {
  stream: Transform;
  /** Resolves when the stream has ended; rejects if it was destroyed first. */
  result: Promise<EncryptResult>;
}

/** A Transform from plaintext to the encrypted format, under a fresh data key wrapped by the keyring's current KEK. */
export function createEncryptStream(keyring: Keyring, opts: EncryptStreamOptions = {}): EncryptStream {
  const segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > MAX_SEGMENT_SIZE) {
    throw new RangeError(`segmentSize must be an integer from 1 to ${MAX_SEGMENT_SIZE}.`);
  }
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const { keyId, wrappedKey } = keyring.wrap(dataKey);
  const header = encodeHeader({ segmentSize, noncePrefix, keyId, wrappedKey });
  const sealer = new SegmentSealer(dataKey, header, noncePrefix);
  const pending = new ChunkQueue();
  const outcome = settleable<EncryptResult>();
  let headerSent = false;
  let index = 0;
  let plaintextBytes = 0;
  let ciphertextBytes = 0;

  const emit = (stream: Transform, chunk: Buffer): void => {
    if (chunk.length === 0) return;
    ciphertextBytes += chunk.length;
    stream.push(chunk);
  };
  const sendHeader = (stream: Transform): void => {
    if (headerSent) return;
    headerSent = true;
    emit(stream, header);
  };
  const sealSegment = (stream: Transform, parts: Buffer[], final: boolean): void => {
    const cipher = sealer.cipher(index++, final);
    for (const part of parts) emit(stream, cipher.update(part));
    emit(stream, cipher.final());
    emit(stream, cipher.getAuthTag());
  };

  const stream = new Transform({
    writableHighWaterMark: segmentSize,
    readableHighWaterMark: segmentSize + TAG_BYTES,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        sendHeader(this);
        plaintextBytes += chunk.length;
        pending.push(chunk);
        // Strictly more than a segment: only then do we know the segment is not the last one.
        while (pending.length > segmentSize) sealSegment(this, pending.take(segmentSize), false);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        sendHeader(this);
        sealSegment(this, pending.take(pending.length), true);
        outcome.resolve({
          scheme: ENCRYPTION_SCHEME,
          keyId,
          wrappedKey: wrappedKey.toString('base64'),
          segmentSize,
          plaintextBytes,
          ciphertextBytes,
        });
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    destroy(err, callback) {
      outcome.reject(err ?? new Error('The encrypt stream was destroyed before it finished.'));
      dataKey.fill(0);
      callback(err);
    },
  });
  return { stream, result: outcome.promise };
}

/**
 * A Transform from the encrypted format back to plaintext. The keyring must hold the KEK named in the header.
 * `info` (as recorded next to the file) is optional: the header carries it; when given it must match the header.
 * Any damage makes the stream error with a DecryptError; no unauthenticated byte is ever emitted.
 */
export function createDecryptStream(keyring: Keyring, info?: Partial<WrappedKeyInfo>): Transform {
  const pending = new ChunkQueue();
  let header: EncryptedFileHeader | null = null;
  let headerLength = 0;
  let sealer: SegmentSealer | null = null;
  let dataKey: Buffer | null = null;
  let segmentBytes = 0; // ciphertext bytes of a full segment (plaintext + tag)
  let index = 0;

  const openHeader = (): boolean => {
    if (headerLength === 0) {
      if (pending.length < HEADER_PREAMBLE_BYTES) return false;
      headerLength = headerLengthFromPreamble(pending.peek(HEADER_PREAMBLE_BYTES));
    }
    if (pending.length < headerLength) return false;
    header = decodeHeader(Buffer.from(pending.takeContiguous(headerLength)));
    if (info?.keyId !== undefined && info.keyId !== header.keyId) {
      throw new DecryptError('key-mismatch', `The file is encrypted under key "${header.keyId}", not "${info.keyId}" as recorded.`);
    }
    if (info?.wrappedKey !== undefined && info.wrappedKey !== header.wrappedKey.toString('base64')) {
      throw new DecryptError('key-mismatch', 'The wrapped data key recorded for this video does not match the one in its header.');
    }
    dataKey = keyring.unwrap(header.keyId, header.wrappedKey);
    sealer = new SegmentSealer(dataKey, header.raw, header.noncePrefix);
    segmentBytes = header.segmentSize + TAG_BYTES;
    return true;
  };

  const openSegment = (stream: Transform, parts: Buffer[], final: boolean): void => {
    const { body, tail: tag } = splitTail(parts, TAG_BYTES);
    const segment = index++;
    const decipher = sealer!.decipher(segment, final);
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
    for (const chunk of plaintext) if (chunk.length > 0) stream.push(chunk);
  };

  const fail = (err: unknown): Error =>
    err instanceof DecryptError ? err : new DecryptError('bad-header', `The encrypted video could not be read: ${(err as Error).message}`);

  return new Transform({
    writableHighWaterMark: DEFAULT_SEGMENT_SIZE + TAG_BYTES,
    readableHighWaterMark: DEFAULT_SEGMENT_SIZE,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        if (!header && !openHeader()) return callback();
        // Strictly more than a full segment: only then is the segment known not to be the last.
        while (pending.length > segmentBytes) openSegment(this, pending.take(segmentBytes), false);
        callback();
      } catch (err) {
        callback(fail(err));
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!header && !openHeader()) {
          throw new DecryptError('truncated', 'The encrypted video ends inside its header.');
        }
        if (pending.length < TAG_BYTES) {
          throw new DecryptError('truncated', 'The encrypted video ends before its last segment: it was cut short.');
        }
        openSegment(this, pending.take(pending.length), true);
        callback();
      } catch (err) {
        callback(fail(err));
      }
    },
    destroy(err, callback) {
      dataKey?.fill(0);
      callback(err);
    },
  });
}
