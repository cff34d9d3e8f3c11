import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Deterministic id for "the same unit of work" (task dedupe, post ids): same inputs, same id. */
export function stableId(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}

const WEBHOOK_TOKEN_CONTEXT = 'd2v-luma-webhook-v1';

/** Unguessable per-request token that authenticates Luma's callback (Luma signs nothing itself). */
export function webhookToken(secret: string, uid: string, requestId: string): string {
  return createHmac('sha256', secret).update(`${WEBHOOK_TOKEN_CONTEXT}:${uid}/${requestId}`).digest('base64url');
}

export function verifyWebhookToken(secret: string, uid: string, requestId: string, token: string): boolean {
  const expected = Buffer.from(webhookToken(secret, uid, requestId));
  const given = Buffer.from(String(token));
  // Compare equal-length buffers only; timingSafeEqual throws on a length mismatch.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function callbackUrl(baseUrl: string, secret: string, uid: string, requestId: string): string | undefined {
  if (!baseUrl) return undefined;
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(uid)}/${encodeURIComponent(requestId)}?token=${webhookToken(secret, uid, requestId)}`;
}

/** How an earlier create for this request is recognised among Luma's generations (its callback URL). */
export function callbackMarker(uid: string, requestId: string): string {
  return `/${encodeURIComponent(uid)}/${encodeURIComponent(requestId)}?token=`;
}
