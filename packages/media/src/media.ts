/**
 * The MediaPort implementation both runtimes use: validation and compression through ffmpeg, encryption through
 * the keyring. `createMedia` returns a plain object whose shape matches MediaPort in @d2v/core.
 */
import type { Readable } from 'node:stream';
import { compress, poster } from './compress';
import { defaultMediaConfig, type MediaConfig } from './config';
import { createDecryptStream, createEncryptStream } from './crypto';
import type { Keyring } from './keyring';
import { validate } from './validate';
import type { EncryptResult, MediaPort, MediaProbe, WrappedKeyInfo } from './types';

export { mediaConfigFromEnv } from './config';

export interface CreateMediaOptions {
  /** Defaults: see config.ts (or build one with mediaConfigFromEnv). */
  config?: MediaConfig;
  keyring: Keyring;
}

export function createMedia({ config = defaultMediaConfig(), keyring }: CreateMediaOptions): MediaPort {
  return {
    validate(file: string): Promise<MediaProbe> {
      return validate(file, config.limits);
    },
    compress(input: string, output: string, onProgress?: (fraction: number) => void): Promise<MediaProbe> {
      return compress(input, output, config.compress, onProgress);
    },
    poster(input: string, output: string): Promise<void> {
      return poster(input, output, { longEdge: config.compress.longEdge, shortEdge: config.compress.shortEdge });
    },
    encrypt(input: Readable): { stream: Readable; result: Promise<EncryptResult> } {
      const { stream, result } = createEncryptStream(keyring, { segmentSize: config.segmentSize });
      // Errors on the source must reach the consumer of the ciphertext (pipe() alone would leave it hanging).
      input.once('error', (err) => stream.destroy(err));
      input.pipe(stream);
      return { stream, result };
    },
    decrypt(input: Readable, info: WrappedKeyInfo): Readable {
      const stream = createDecryptStream(keyring, info);
      input.once('error', (err) => stream.destroy(err));
      input.pipe(stream);
      return stream;
    },
  };
}
