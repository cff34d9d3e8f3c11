/**
 * Firebase Auth ID tokens → uids, for the `videoPlayback` function. The port is this one method so that a test can
 * put a verifier of its own behind it (tests have no Google signing keys); the real one is firebase-admin's
 * `verifyIdToken` (signature against Google's rotating public keys, which it caches; issuer, audience = this
 * project, expiry, `sub`). Revocation is not checked per request: that is one Auth API call per range request
 * of a seeking player, and an ID token lives an hour at most.
 */
import type { Auth } from 'firebase-admin/auth';

export interface IdTokenVerifier {
  /** The token's uid, or null when the token is not valid (expired, malformed, another project's, forged). */
  verify(token: string): Promise<string | null>;
}

/** firebase-admin's codes for "this token is not good" (as opposed to "we could not check it"). */
const REJECTIONS = new Set([
  'auth/argument-error',
  'auth/id-token-expired',
  'auth/id-token-revoked',
  'auth/invalid-id-token',
  'auth/user-disabled',
  'auth/user-not-found',
]);

export function isTokenRejection(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code ?? (err as { errorInfo?: { code?: unknown } })?.errorInfo?.code;
  return typeof code === 'string' && REJECTIONS.has(code);
}

export class FirebaseIdTokenVerifier implements IdTokenVerifier {
  constructor(private readonly auth: Auth) {}

  async verify(token: string): Promise<string | null> {
    try {
      return (await this.auth.verifyIdToken(token)).uid;
    } catch (err) {
      // Anything else (Google's keys unreachable) is ours to report, not the caller's fault: it propagates.
      if (isTokenRejection(err)) return null;
      throw err;
    }
  }
}
