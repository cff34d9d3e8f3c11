/**
 * The MediaPort implementation both runtimes use: validation and compression through ffmpeg, encryption through
 * the keyring. `createMedia` returns a plain object whose shape matches MediaPort in @d2v/core.
 */
import { pipeline, type Readable, type Transform } from 'node:stream';
import { compress, poster } from './compress';
import { concatVideos } from './concat';
import { defaultMediaConfig, type MediaConfig } from './config';
import { createDecryptStream, createEncryptStream } from './crypto';
import { openEncryptedVideo } from './range-decrypt';
import type { Keyring } from './keyring';
import { validate } from './validate';
import type { CiphertextSource, EncryptResult, EncryptedVideo, MediaPort, MediaProbe, WrappedKeyInfo } from './types';

export { mediaConfigFromEnv } from './config';

export interface CreateMediaOptions {
  /** Defaults: see config.ts (or build one with mediaConfigFromEnv). */
  config?: MediaConfig;
  keyring: Keyring;
}

/**
 * Feeds `source` into `transform`, whose readable side the caller consumes. pipeline() rather than pipe(): a source
 * error destroys the transform (so the consumer sees it), and a consumer that destroys the transform also
 * destroys the source (so no file handle or socket is left open). Errors surface on the transform itself.
 */
function connect(source: Readable, transform: Transform): void {
  pipeline(source, transform, () => undefined);
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
      connect(input, stream);
      return { stream, result };
    },
    decrypt(input: Readable, info: WrappedKeyInfo): Readable {
      const stream = createDecryptStream(keyring, info);
      connect(input, stream);
      return stream;
    },
    openEncrypted(source: CiphertextSource, info: WrappedKeyInfo & { plaintextBytes?: number }): Promise<EncryptedVideo> {
      return openEncryptedVideo(keyring, source, info);
    },
    concat(inputs: { file: string; durationMs: number }[], output: string): Promise<MediaProbe> {
      return concatVideos(inputs, output);
    },
  };
}
