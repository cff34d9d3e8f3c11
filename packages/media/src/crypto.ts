/**
 * Chunked streaming AES-256-GCM for videos at rest (the "STREAM" construction of Hoang, Reyhanitabar, Rogaway and
 * Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance"): Node Transforms from plaintext
 * to the d2v encrypted format and back. The format — header, segment layout, nonces and associated data, and why
 * it resists tampering — lives in segment-format.ts; this module only drives it over a stream: it cuts plaintext
 * into segments, seals each under a fresh per-file data key wrapped by the keyring (see keyring.ts), and on the
 * way back releases plaintext only after its segment's tag has been verified.
 *
 * Memory: at most one segment plus one incoming chunk is held per stream. Chunks are sliced, never concatenated,
 * on their way into the cipher (the only copy is the cipher's own output; see chunk-queue.ts).
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ChunkQueue, splitTail } from './chunk-queue';
import { DecryptError } from './crypto-errors';
import { DATA_KEY_BYTES, type Keyring } from './keyring';
import { DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE } from './config';
import {
  ENCRYPTION_SCHEME,
  HEADER_PREAMBLE_BYTES,
  NONCE_PREFIX_BYTES,
  SegmentSealer,
  TAG_BYTES,
  decodeHeader,
  encodeHeader,
  headerLengthFromPreamble,
  sealedSegmentBytes,
  type EncryptedFileHeader,
} from './segment-format';
import type { EncryptResult, WrappedKeyInfo } from './types';

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
    segmentBytes = sealedSegmentBytes(header.segmentSize);
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
