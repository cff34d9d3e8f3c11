/**
 * The media side of the pipeline's ports. These mirror `MediaProbe`, `EncryptResult` and `MediaPort` in
 * packages/core/src/ports.ts field for field: @d2v/core imports this package's consumers, so this package must not
 * import @d2v/core; TypeScript's structural typing makes the two declarations interchangeable.
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

export interface MediaPort {
  validate(file: string): Promise<MediaProbe>;
  compress(input: string, output: string, onProgress?: (fraction: number) => void): Promise<MediaProbe>;
  poster(input: string, output: string): Promise<void>;
  encrypt(input: Readable): { stream: Readable; result: Promise<EncryptResult> };
  decrypt(input: Readable, info: WrappedKeyInfo): Readable;
}
