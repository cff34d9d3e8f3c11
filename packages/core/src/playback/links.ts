/**
 * Signed playback links: what lets a `<video src>` (or AVPlayer, or a plain "download" link) fetch a video it
 * may watch without sending an `Authorization` header, which media elements cannot do. A link names one file
 * path, one viewer and an expiry, and is an HMAC-SHA256 over exactly those (plus the download flag):
 *   GET <path>?as=<uid>&expires=<unix s>&sig=<hex>[&download=1]
 * It is handed out only to a caller who may watch (playback `authorize`), and access is decided again on every
 * request made with it, as `as` — so deleting a video or narrowing a post's audience also stops its links. It is
 * not an ID token: it opens one file, for a short while, and says nothing about the account.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the signature covers; the version prefix and newlines keep the fields unambiguous. */
function mac(secret: string | Buffer, path: string, uid: string, expires: number, download: boolean): string {
  return createHmac('sha256', secret).update(`d2v-playback-link-v1\n${path}\n${uid}\n${expires}\n${download ? 1 : 0}`).digest('hex');
}

export interface SignedLink {
  /** The path with its query (resolve it against the base the caller used). */
  pathWithQuery: string;
  expiresAt: string;
}

export function signPlaybackLink(secret: string | Buffer, opts: { path: string; uid: string; download: boolean; nowMs: number; ttlSeconds: number }): SignedLink {
  const expires = Math.floor(opts.nowMs / 1000) + Math.max(1, Math.floor(opts.ttlSeconds));
  const query = new URLSearchParams();
  if (opts.download) query.set('download', '1');
  query.set('as', opts.uid);
  query.set('expires', String(expires));
  query.set('sig', mac(secret, opts.path, opts.uid, expires, opts.download));
  return { pathWithQuery: `${opts.path}?${query.toString()}`, expiresAt: new Date(expires * 1000).toISOString() };
}

export type LinkCheck = { ok: true; uid: string } | { ok: false; why: 'expired' | 'invalid' };

/** Checks `as`/`expires`/`sig` for `path` in constant time; the uid the link was made for, or why not. */
export function verifyPlaybackLink(
  secret: string | Buffer,
  opts: { path: string; uid: string; expires: string; sig: string; download: boolean; nowMs: number },
): LinkCheck {
  if (!/^\d{1,12}$/.test(opts.expires) || !/^[0-9a-f]{64}$/.test(opts.sig) || opts.uid === '') return { ok: false, why: 'invalid' };
  const expected = Buffer.from(mac(secret, opts.path, opts.uid, Number(opts.expires), opts.download), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(opts.sig, 'hex'))) return { ok: false, why: 'invalid' };
  if (Number(opts.expires) * 1000 <= opts.nowMs) return { ok: false, why: 'expired' };
  return { ok: true, uid: opts.uid };
}
