/**
 * Signed, expiring asset URLs, like the CDN links Luma hands out: `/assets/<id>/<file>?exp=<ms>&sig=<hmac>`.
 * The expiry is fixed at completion (exp=0 means never), so a client that does not download promptly gets 403
 * — re-reading the generation does not renew it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const ASSET_ROUTE_PREFIX = '/assets';

export type AssetCheck = 'ok' | 'bad-signature' | 'expired';

export class AssetSigner {
  private readonly secret = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  /** Absolute URL for `file` of generation `id` under `origin` (e.g. http://127.0.0.1:1234). */
  url(origin: string, id: string, file: string, expiresAtMs: number): string {
    const exp = String(expiresAtMs);
    return `${origin}${ASSET_ROUTE_PREFIX}/${encodeURIComponent(id)}/${encodeURIComponent(file)}?exp=${exp}&sig=${this.sign(id, file, exp)}`;
  }

  check(id: string, file: string, exp: unknown, sig: unknown): AssetCheck {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d+$/.test(exp)) return 'bad-signature';
    const expected = Buffer.from(this.sign(id, file, exp));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad-signature';
    const expiresAt = Number(exp);
    if (expiresAt !== 0 && this.now() >= expiresAt) return 'expired';
    return 'ok';
  }

  private sign(id: string, file: string, exp: string): string {
    return createHmac('sha256', this.secret).update(`${id}\n${file}\n${exp}`).digest('base64url');
  }
}
