/** The media port's types live in @d2v/schema, shared with the pipeline core that calls the port. */
export type { MediaProbe, EncryptResult, WrappedKeyInfo, MediaPort, ByteRange, CiphertextSource, DecryptStats, EncryptedVideo } from '@d2v/schema';
