/** Why an encrypted video could not be turned back into plaintext. */
export type DecryptFailure =
  /** The data does not start with the D2VE magic: not one of our files. */
  | 'not-encrypted'
  | 'unsupported-version'
  | 'bad-header'
  /** The header names a key id the keyring does not hold. */
  | 'unknown-key'
  /** The key id / wrapped key passed in do not match the ones in the file header. */
  | 'key-mismatch'
  /** The KEK for that id did not unwrap the data key (wrong key material, altered wrapped key). */
  | 'unwrap-failed'
  /** A segment failed authentication: altered, reordered, swapped in from another file, or cut at a boundary. */
  | 'tampered'
  /** The data ends inside the header or inside a segment's tag. */
  | 'truncated';

export class DecryptError extends Error {
  override readonly name = 'DecryptError';
  constructor(
    readonly reason: DecryptFailure,
    message: string,
  ) {
    super(message);
  }
}
