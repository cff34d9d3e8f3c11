import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { DecryptError, Keyring, KeyringError, generateKek, keyFingerprint, keyringFromEnv } from '../src';

const kekA = randomBytes(32);
const kekB = randomBytes(32);
const b64 = (key: Buffer): string => key.toString('base64');

describe('keyringFromEnv', () => {
  it('reads the current key, its id and previous keys', () => {
    const keyring = keyringFromEnv({
      VIDEO_KEK: b64(kekA),
      VIDEO_KEK_ID: '2025-06',
      VIDEO_KEKS_PREVIOUS: `2024-01:${b64(kekB)}, 2023-01:${randomBytes(32).toString('base64url')}`,
    });
    expect(keyring.currentId).toBe('2025-06');
    expect(keyring.ids).toEqual(['2025-06', '2024-01', '2023-01']);
  });

  it('accepts URL-safe base64 and derives a stable id from the key when none is given', () => {
    const keyring = keyringFromEnv({ VIDEO_KEK: kekA.toString('base64url') });
    expect(keyring.currentId).toBe(keyFingerprint(kekA));
    expect(keyring.currentId).toMatch(/^kek-[0-9a-f]{12}$/);
    expect(keyringFromEnv({ VIDEO_KEK: b64(kekA) }).currentId).toBe(keyring.currentId);
  });

  it('unwraps what a keyring with the same key wrapped', () => {
    const a = keyringFromEnv({ VIDEO_KEK: b64(kekA), VIDEO_KEK_ID: 'k' });
    const b = new Keyring({ id: 'k', key: Buffer.from(kekA) });
    const dataKey = randomBytes(32);
    const { keyId, wrappedKey } = a.wrap(dataKey);
    expect(b.unwrap(keyId, wrappedKey).equals(dataKey)).toBe(true);
  });

  it.each([
    [{}, /VIDEO_KEK is not set/],
    [{ VIDEO_KEK: '   ' }, /VIDEO_KEK is not set/],
    [{ VIDEO_KEK: 'not base64 at all!' }, /VIDEO_KEK must be base64/],
    [{ VIDEO_KEK: randomBytes(16).toString('base64') }, /exactly 32 random bytes .* decodes to 16 bytes/],
    [{ VIDEO_KEK: randomBytes(33).toString('base64') }, /decodes to 33 bytes/],
    [{ VIDEO_KEK: b64(kekA), VIDEO_KEK_ID: 'has space' }, /VIDEO_KEK_ID must be/],
    [{ VIDEO_KEK: b64(kekA), VIDEO_KEKS_PREVIOUS: 'no-colon' }, /VIDEO_KEKS_PREVIOUS entry 1 must look like "id:base64"/],
    [{ VIDEO_KEK: b64(kekA), VIDEO_KEKS_PREVIOUS: `old:${b64(randomBytes(20))}` }, /entry 1 \("old"\) .* decodes to 20 bytes/],
    [{ VIDEO_KEK: b64(kekA), VIDEO_KEK_ID: 'k', VIDEO_KEKS_PREVIOUS: `k:${b64(kekB)}` }, /Key id "k" appears twice/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => keyringFromEnv(env)).toThrow(KeyringError);
    expect(() => keyringFromEnv(env)).toThrow(message);
  });

  it('never puts key material in an error message', () => {
    const short = randomBytes(31).toString('base64');
    try {
      keyringFromEnv({ VIDEO_KEK: short });
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
      expect((err as Error).message).not.toContain(short.slice(0, 12));
    }
  });
});

describe('Keyring', () => {
  it('prints and serialises as ids only', () => {
    const keyring = new Keyring({ id: 'a', key: kekA }, [{ id: 'b', key: kekB }]);
    const shown = inspect(keyring) + JSON.stringify(keyring) + String(JSON.stringify({ nested: keyring }));
    expect(shown).toContain('a');
    for (const secret of [kekA, kekB]) {
      expect(shown).not.toContain(secret.toString('base64'));
      expect(shown).not.toContain(secret.toString('hex'));
    }
  });

  it('keeps its own copy of the keys', () => {
    const key = randomBytes(32);
    const keyring = new Keyring({ id: 'a', key });
    const { wrappedKey } = keyring.wrap(randomBytes(32));
    key.fill(0); // the caller wiping its buffer must not break the keyring
    expect(() => keyring.unwrap('a', wrappedKey)).not.toThrow();
  });

  it('binds a wrapped key to its key id', () => {
    const key = randomBytes(32);
    const keyring = new Keyring({ id: 'a', key }, [{ id: 'b', key }]);
    const { wrappedKey } = keyring.wrap(randomBytes(32));
    expect(() => keyring.unwrap('b', wrappedKey)).toThrow(DecryptError);
  });

  it('refuses keys of the wrong size and bad ids', () => {
    expect(() => new Keyring({ id: 'a', key: randomBytes(16) })).toThrow(/exactly 32 bytes; it is 16/);
    expect(() => new Keyring({ id: '', key: randomBytes(32) })).toThrow(/key id must be/);
    expect(() => new Keyring(generateKek('a'), [generateKek('a')])).toThrow(/appears twice/);
  });
});
