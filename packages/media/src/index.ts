export * from './types';
export { ffmpegPath, ffprobePath } from './binaries';
export { runFfmpeg, runFfprobe, ffmpegInvocation, FfmpegError, type RunFfmpegOptions, type RunFfmpegResult, type RunFfprobeOptions } from './ffmpeg';
export { probe, probeDetailed, type DetailedProbe, type ProbeDetails } from './probe';
export { inspectIsoBmff, type IsoBmffShape, type TopLevelBox } from './isobmff';
export {
  MediaError,
  isMediaError,
  type MediaErrorCode,
  type MediaErrorDetails,
} from './errors';
export * from './config';
export { validate, validateDetailed, checkProbeAgainstLimits, formatBytes } from './validate';
export { compress, poster, fitWithinBox, buildCompressArgs, type CompressOptions, type PosterOptions, type Size } from './compress';
export { DecryptError, type DecryptFailure } from './crypto-errors';
export {
  Keyring,
  KeyringError,
  keyringFromEnv,
  generateKek,
  keyFingerprint,
  KEK_BYTES,
  DATA_KEY_BYTES,
  WRAPPED_KEY_BYTES,
  type KeyEncryptionKey,
} from './keyring';
export { createEncryptStream, createDecryptStream, type EncryptStream, type EncryptStreamOptions } from './crypto';
export { openEncryptedVideo } from './range-decrypt';
export {
  readHeader,
  encodeHeader,
  decodeHeader,
  headerLengthFromPreamble,
  ciphertextLength,
  plaintextLength,
  sealedSegmentBytes,
  segmentCount,
  segmentIndexOf,
  segmentPlaintextOffset,
  segmentPlaintextLength,
  segmentCiphertextOffset,
  SegmentSealer,
  ENCRYPTION_SCHEME,
  FORMAT_MAGIC,
  FORMAT_VERSION,
  TAG_BYTES,
  NONCE_PREFIX_BYTES,
  HEADER_PREAMBLE_BYTES,
  MAX_HEADER_BYTES,
  type EncryptedFileHeader,
} from './segment-format';
export { concatVideos, buildConcatArgs, type ConcatInput } from './concat';
export { createMedia, type CreateMediaOptions } from './media';
