/**
 * The d2v encrypted-video format itself, apart from any stream: the header (encode, decode, read from a file's
 * first bytes), the per-segment nonce and associated data, and the segment arithmetic that maps segment indexes
 * to plaintext and ciphertext byte offsets. It is its own module so that every reader of the format — the
 * streaming encryptor/decryptor in crypto.ts today, a random-access (range) decryptor later — derives offsets,
 * nonces and AD from one place and cannot drift apart. Nothing here holds more than a header and a segment.
 *
 * File layout, all integers big-endian:
 *
 *   header   'D2VE' | version u8 (=1) | header length u16 | segment size u32 | nonce prefix (8 bytes)
 *            | key id length u8 | key id (ASCII) | wrapped key length u8 | wrapped data key
 *   segments ciphertext ‖ 16-byte GCM tag, for each plaintext segment in order
 *
 * Plaintext is cut into fixed-size segments; only the last may be shorter (and it is empty only when the whole
 * plaintext is, so even an empty file has one authenticated segment). Segment i is sealed with the file's data
 * key (AES-256-GCM) under nonce = prefix ‖ u32(i) and associated data = header ‖ u32(i) ‖ final-flag u8. Hence:
 *   - altering any byte fails that segment's tag;
 *   - swapping or reordering segments fails (the index is in the nonce and the AD);
 *   - cutting the file at a segment boundary fails (the new last segment was sealed as not-final);
 *   - appending data fails (the old last segment is then read as not-final);
 *   - editing or swapping the header fails (the header is in every segment's AD, and the data key is per file).
 * A reader that opens segment i alone must therefore know whether i is the last segment: `segmentCount` of the
 * plaintext length (`plaintextLength` of the file size) tells it.
 */
import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { DecryptError } from './crypto-errors';
import { MAX_SEGMENT_SIZE } from './config';

export const ENCRYPTION_SCHEME = 'd2v-aes256gcm-stream-v1';
export const FORMAT_MAGIC = Buffer.from('D2VE', 'latin1');
export const FORMAT_VERSION = 1;
export const TAG_BYTES = 16;
export const NONCE_PREFIX_BYTES = 8;
/** magic + version + header length: enough to learn how long the whole header is. */
export const HEADER_PREAMBLE_BYTES = 7;
/** Largest header we will buffer while parsing (a key id of 64 and a 60-byte wrapped key need ~150). */
export const MAX_HEADER_BYTES = 1024;
/** The segment index is a u32 in the nonce. */
export const MAX_SEGMENTS = 2 ** 32;

// ---------------------------------------------------------------------------------------------------------------
// Header

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

/**
 * How long the header is, from its first HEADER_PREAMBLE_BYTES bytes; throws a DecryptError on anything that is
 * not one of our files (wrong magic, other version, impossible length).
 */
export function headerLengthFromPreamble(preamble: Buffer): number {
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

/** Parses exactly one header (`raw` must be the whole header, no more); throws a DecryptError if it is malformed. */
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

/**
 * Reads just the header of an encrypted file's first bytes (for tools that want the key id, and for readers that
 * fetch the header before seeking to a segment). `firstBytes` may run past the header; `raw` is a copy.
 */
export function readHeader(firstBytes: Buffer): EncryptedFileHeader {
  if (firstBytes.length < HEADER_PREAMBLE_BYTES) throw new DecryptError('truncated', 'The data ends inside the encrypted video header.');
  const length = headerLengthFromPreamble(firstBytes);
  if (firstBytes.length < length) throw new DecryptError('truncated', 'The data ends inside the encrypted video header.');
  return decodeHeader(Buffer.from(firstBytes.subarray(0, length)));
}

// ---------------------------------------------------------------------------------------------------------------
// Segment arithmetic. Indexes count from 0; `headerBytes` is the header's length (`header.raw.length`).

/** Bytes a full segment takes in the file: its plaintext size plus the tag. */
export function sealedSegmentBytes(segmentSize: number): number {
  return segmentSize + TAG_BYTES;
}

/** How many segments `plaintextBytes` are cut into: at least one, since even an empty file has a final segment. */
export function segmentCount(plaintextBytes: number, segmentSize: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / segmentSize));
}

/** The segment holding plaintext byte `plaintextOffset`. */
export function segmentIndexOf(plaintextOffset: number, segmentSize: number): number {
  return Math.floor(plaintextOffset / segmentSize);
}

/** The plaintext offset at which segment `index` starts. */
export function segmentPlaintextOffset(index: number, segmentSize: number): number {
  return index * segmentSize;
}

/** The plaintext bytes segment `index` holds (every segment is full but the last). */
export function segmentPlaintextLength(index: number, plaintextBytes: number, segmentSize: number): number {
  return Math.max(0, Math.min(segmentSize, plaintextBytes - index * segmentSize));
}

/** The file offset at which segment `index` starts: after the header and `index` full sealed segments. */
export function segmentCiphertextOffset(index: number, segmentSize: number, headerBytes: number): number {
  return headerBytes + index * sealedSegmentBytes(segmentSize);
}

/** The exact ciphertext size for `plaintextBytes` (header included), e.g. for Content-Length. */
export function ciphertextLength(plaintextBytes: number, segmentSize: number, headerBytes: number): number {
  return headerBytes + plaintextBytes + segmentCount(plaintextBytes, segmentSize) * TAG_BYTES;
}

/**
 * The plaintext size of a file of `ciphertextBytes` (the inverse of ciphertextLength), e.g. to answer a range
 * request without reading the file. Throws DecryptError('truncated') for a size no encryption can produce (a
 * last segment shorter than its tag, or an empty last segment after full ones): the file was cut or padded.
 */
export function plaintextLength(ciphertextBytes: number, segmentSize: number, headerBytes: number): number {
  const body = ciphertextBytes - headerBytes;
  const sealed = sealedSegmentBytes(segmentSize);
  const segments = Math.max(1, Math.ceil(body / sealed));
  const lastSealed = body - (segments - 1) * sealed;
  if (lastSealed < TAG_BYTES || (lastSealed === TAG_BYTES && segments > 1)) {
    throw new DecryptError('truncated', `An encrypted video of ${ciphertextBytes} bytes cannot be whole: it was cut short or padded.`);
  }
  return body - segments * TAG_BYTES;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-segment nonce and associated data

/**
 * Builds the AES-256-GCM cipher or decipher for segment i of one file: nonce = prefix ‖ u32(i), AD = header ‖
 * u32(i) ‖ final-flag. The nonce and AD buffers are allocated once per file and rewritten per segment (a stream
 * seals thousands of segments), so a cipher must be finished before the next one is asked for.
 */
export class SegmentSealer {
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

  cipher(index: number, final: boolean): CipherGCM {
    this.prepare(index, final);
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, this.nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.ad);
    return cipher;
  }

  decipher(index: number, final: boolean): DecipherGCM {
    this.prepare(index, final);
    const decipher = createDecipheriv('aes-256-gcm', this.dataKey, this.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.ad);
    return decipher;
  }

  private prepare(index: number, final: boolean): void {
    if (index >= MAX_SEGMENTS) throw new Error('Too many segments for one encrypted stream.');
    this.nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
    this.ad.writeUInt32BE(index, this.adSuffixAt);
    this.ad.writeUInt8(final ? 1 : 0, this.adSuffixAt + 4);
  }
}
