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
  /** Cuts each input to its first `durationMs` and joins them in order (H.264, yuv420p, +faststart, no audio). */
  concat?(inputs: { file: string; durationMs: number }[], output: string): Promise<MediaProbe>;
}
