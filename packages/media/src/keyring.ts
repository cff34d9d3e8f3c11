/**
 * Key-encryption keys (KEKs). Every video gets its own random data key; the data key is stored wrapped by the
 * current KEK, next to its id. Rotating means: make a new KEK current and keep the old ones so that existing
 * videos still decrypt (or rewrap them at leisure). The key bytes never leave this module except through wrap
 * and unwrap, and a Keyring prints as its ids only, so it can't end up in a log by accident.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { DecryptError } from './crypto-errors';

export const KEK_BYTES = 32;
export const DATA_KEY_BYTES = 32;
const WRAP_IV_BYTES = 12;
const WRAP_TAG_BYTES = 16;
/** iv ‖ wrapped data key ‖ tag. */
export const WRAPPED_KEY_BYTES = WRAP_IV_BYTES + DATA_KEY_BYTES + WRAP_TAG_BYTES;
/** Binds a wrapped key to its scheme and KEK id: a wrapped key copied under another id fails to unwrap. */
const WRAP_CONTEXT = 'd2v-kek-wrap-v1:';

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

function checkKey(kek: KeyEncryptionKey, what: string): void {
  if (!KEY_ID_PATTERN.test(kek.id)) {
    throw new KeyringError(`${what} key id must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-'.`);
  }
  if (kek.key.length !== KEK_BYTES) {
    throw new KeyringError(`${what} key "${kek.id}" must be exactly ${KEK_BYTES} bytes; it is ${kek.key.length}.`);
  }
}

export class Keyring {
  readonly #keys = new Map<string, Buffer>();
  readonly #currentId: string;

  constructor(current: KeyEncryptionKey, previous: readonly KeyEncryptionKey[] = []) {
    checkKey(current, 'The current');
    this.#currentId = current.id;
    this.#keys.set(current.id, Buffer.from(current.key));
    for (const old of previous) {
      checkKey(old, 'A previous');
      if (this.#keys.has(old.id)) throw new KeyringError(`Key id "${old.id}" appears twice in the keyring.`);
      this.#keys.set(old.id, Buffer.from(old.key));
    }
  }

  /** The id new videos are wrapped under. */
  get currentId(): string {
    return this.#currentId;
  }

  /** Every id this keyring can unwrap, current first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /** A keyring whose current key is `next`, keeping every key of this one for decryption. */
  rotatedTo(next: KeyEncryptionKey): Keyring {
    const previous = [...this.#keys.entries()].filter(([id]) => id !== next.id).map(([id, key]) => ({ id, key }));
    return new Keyring(next, previous);
  }

  /** Wraps a data key with the current KEK (AES-256-GCM, random IV, the key id as associated data). */
  wrap(dataKey: Buffer): { keyId: string; wrappedKey: Buffer } {
    if (dataKey.length !== DATA_KEY_BYTES) throw new KeyringError(`A data key must be ${DATA_KEY_BYTES} bytes.`);
    const keyId = this.#currentId;
    const kek = this.#keys.get(keyId)!;
    const iv = randomBytes(WRAP_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: WRAP_TAG_BYTES });
    cipher.setAAD(Buffer.from(WRAP_CONTEXT + keyId, 'utf8'));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { keyId, wrappedKey: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  /** Recovers a data key; DecryptError if the id is unknown or the wrapped key was not made by that KEK. */
  unwrap(keyId: string, wrappedKey: Buffer): Buffer {
    const kek = this.#keys.get(keyId);
    if (!kek) {
      throw new DecryptError('unknown-key', `The video was encrypted under key "${keyId}", which this keyring does not hold (it has ${this.ids.join(', ')}).`);
    }
    if (wrappedKey.length !== WRAPPED_KEY_BYTES) {
      throw new DecryptError('bad-header', `The wrapped data key is ${wrappedKey.length} bytes; expected ${WRAPPED_KEY_BYTES}.`);
    }
    const iv = wrappedKey.subarray(0, WRAP_IV_BYTES);
    const body = wrappedKey.subarray(WRAP_IV_BYTES, WRAP_IV_BYTES + DATA_KEY_BYTES);
    const tag = wrappedKey.subarray(WRAP_IV_BYTES + DATA_KEY_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: WRAP_TAG_BYTES });
      decipher.setAAD(Buffer.from(WRAP_CONTEXT + keyId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new DecryptError('unwrap-failed', `The data key does not unwrap with key "${keyId}": the key material for that id is wrong or the wrapped key was altered.`);
    }
  }

  toJSON(): { currentId: string; ids: string[] } {
    return { currentId: this.currentId, ids: this.ids };
  }

  [inspect.custom](): string {
    return `Keyring { current: ${this.currentId}, ids: [${this.ids.join(', ')}] }`;
  }
}

type Env = Record<string, string | undefined>;

/** Strict base64 (standard or URL alphabet) of exactly 32 bytes. Never echoes the value in an error. */
function decodeKek(value: string, name: string): Buffer {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new KeyringError(`${name} must be base64 (e.g. the output of \`openssl rand -base64 32\`); it contains other characters.`);
  }
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== KEK_BYTES) {
    throw new KeyringError(`${name} must be the base64 of exactly ${KEK_BYTES} random bytes (\`openssl rand -base64 32\`); it decodes to ${bytes.length} bytes.`);
  }
  return bytes;
}

/** A stable id for a key given without one: a short fingerprint (safe to log; says nothing about the key). */
export function keyFingerprint(key: Buffer): string {
  return 'kek-' + createHash('sha256').update('d2v-kek-id:').update(key).digest('hex').slice(0, 12);
}

/**
 * Reads the keyring from the environment:
 *   VIDEO_KEK            base64 of exactly 32 bytes — the current KEK (required)
 *   VIDEO_KEK_ID         its id (default: a fingerprint of the key, so a new key always gets a new id)
 *   VIDEO_KEKS_PREVIOUS  older KEKs still needed for decryption: "id:base64,id:base64"
 */
export function keyringFromEnv(env: Env = process.env): Keyring {
  const rawKek = env.VIDEO_KEK;
  if (rawKek === undefined || rawKek.trim() === '') {
    throw new KeyringError('VIDEO_KEK is not set: it must be the base64 of 32 random bytes (`openssl rand -base64 32`).');
  }
  const key = decodeKek(rawKek, 'VIDEO_KEK');
  const id = env.VIDEO_KEK_ID?.trim() || keyFingerprint(key);
  if (!KEY_ID_PATTERN.test(id)) throw new KeyringError("VIDEO_KEK_ID must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-'.");

  const previous: KeyEncryptionKey[] = [];
  const rawPrevious = env.VIDEO_KEKS_PREVIOUS?.trim() ?? '';
  if (rawPrevious !== '') {
    rawPrevious.split(',').forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const name = `VIDEO_KEKS_PREVIOUS entry ${index + 1}`;
      if (colon <= 0) throw new KeyringError(`${name} must look like "id:base64".`);
      const previousId = entry.slice(0, colon).trim();
      if (!KEY_ID_PATTERN.test(previousId)) throw new KeyringError(`${name} has an invalid key id.`);
      previous.push({ id: previousId, key: decodeKek(entry.slice(colon + 1), `${name} ("${previousId}")`) });
    });
  }
  return new Keyring({ id, key }, previous);
}

/** A fresh random KEK, for tests, benchmarks and `openssl`-less setups. */
export function generateKek(id: string): KeyEncryptionKey {
  return { id, key: randomBytes(KEK_BYTES) };
}
