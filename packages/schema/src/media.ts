/**
 * The media port's types, shared by the pipeline core (which calls it) and @d2v/media (which implements it for
 * both runtimes) without either importing the other.
 */
import type { Readable } from 'node:stream';

export interface MediaProbe {
  /** 'mp4', 'mov', or ffprobe's first format name for anything else ('matroska', 'avi', …). */
  container: string;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Displayed size: rotation metadata and non-square pixels already applied. */
  width: number;
  height: number;
  durationMs: number;
  frameRate: number;
  pixelFormat: string | null;
  bytes: number;
  /** Every stream in the file (video, audio, subtitle, data, cover art). */
  streams: number;
}

export interface EncryptResult {
  scheme: string;
  keyId: string;
  wrappedKey: string;
  segmentSize: number;
  plaintextBytes: number;
  ciphertextBytes: number;
}

/** What the decryptor needs besides the key-encryption keys. Every file header carries it too. */
export interface WrappedKeyInfo {
  keyId: string;
  wrappedKey: string;
}

/** Bytes `start` to `end` of something, both included (as in an HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Throws a RangeError unless `range` is whole numbers with 0 ≤ start ≤ end (what every ranged read takes). */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range ?? ({} as ByteRange);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}: need whole numbers with 0 <= start <= end`);
  }
}

/** Where a random-access decryptor reads ciphertext from: a stored object of known size, read by byte range. */
export interface CiphertextSource {
  /** The encrypted file's size in bytes (from the store's metadata). */
  size: number;
  /** Streams bytes `range.start`…`range.end` (inclusive) of the encrypted file. */
  read(range: ByteRange): Readable;
}

/** What one ranged read cost: the benchmark and the logs report these. */
export interface DecryptStats {
  /** Segments authenticated and decrypted. */
  segments: number;
  /** Plaintext bytes decrypted (whole segments: at least the bytes asked for). */
  bytesDecrypted: number;
  /** Ciphertext bytes read from the source for the segments (the header read is counted apart). */
  ciphertextBytesRead: number;
}

/** An encrypted video opened for random access: its header read and checked, its data key unwrappable. */
export interface EncryptedVideo {
  /** The plaintext size, from the stored size and the header (checked against the recorded size, if given). */
  plaintextBytes: number;
  segmentSize: number;
  /** Bytes of the source read to open it (the header). */
  headerBytesRead: number;
  /**
   * Plaintext bytes `range` (default: all), decrypting only the segments that cover it; each segment's tag is
   * verified before any of its bytes are released, so a damaged file makes the stream error, never lie.
   */
  read(range?: ByteRange): { stream: Readable; stats: DecryptStats };
}

export interface MediaPort {
  /** Probes and checks a file against the configured limits; throws a MediaError with a specific code. */
  validate(file: string): Promise<MediaProbe>;
  /** H.264 High, yuv420p, ≤1080p, ≤30 fps, +faststart. `onProgress` gets 0–1. */
  compress(input: string, output: string, onProgress?: (fraction: number) => void): Promise<MediaProbe>;
  poster(input: string, output: string): Promise<void>;
  /** Streams `input` through chunked AES-256-GCM; the data key is wrapped by the current KEK. */
  encrypt(input: Readable): { stream: Readable; result: Promise<EncryptResult> };
  /** Streams ciphertext back to plaintext; any tampering makes the stream error. */
  decrypt(input: Readable, info: WrappedKeyInfo): Readable;
  /**
   * Opens an encrypted video for ranged reads (a player seeking). Rejects with a DecryptError when the header is
   * not ours, names another key, or the stored size cannot be (or is not `info.plaintextBytes`).
   */
  openEncrypted(source: CiphertextSource, info: WrappedKeyInfo & { plaintextBytes?: number }): Promise<EncryptedVideo>;
  /** Cuts each input to its first `durationMs` and joins them in order (H.264, yuv420p, +faststart, no audio). */
  concat?(inputs: { file: string; durationMs: number }[], output: string): Promise<MediaProbe>;
}
