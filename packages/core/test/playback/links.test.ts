/** Signed playback links: what they cover, expiry, and constant-shape refusals. */
import { signPlaybackLink, verifyPlaybackLink } from '../../src/playback/links';

const SECRET = 'test-playback-link-secret-0123456789';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const PATH = '/v1/posts/ai_r1/video';

function fields(pathWithQuery: string) {
  const url = new URL(pathWithQuery, 'http://x');
  return { path: url.pathname, uid: url.searchParams.get('as') ?? '', expires: url.searchParams.get('expires') ?? '', sig: url.searchParams.get('sig') ?? '', download: url.searchParams.get('download') === '1' };
}

describe('playback links', () => {
  const link = signPlaybackLink(SECRET, { path: PATH, uid: 'u2', download: false, nowMs: NOW, ttlSeconds: 600 });

  it('name the path, the viewer and the expiry, and verify as that viewer', () => {
    expect(link.pathWithQuery).toMatch(/^\/v1\/posts\/ai_r1\/video\?as=u2&expires=\d+&sig=[0-9a-f]{64}$/);
    expect(link.expiresAt).toBe('2025-06-01T12:10:00.000Z');
    expect(verifyPlaybackLink(SECRET, { ...fields(link.pathWithQuery), nowMs: NOW })).toEqual({ ok: true, uid: 'u2' });
  });

  it('expire', () => {
    expect(verifyPlaybackLink(SECRET, { ...fields(link.pathWithQuery), nowMs: NOW + 600_000 })).toEqual({ ok: false, why: 'expired' });
  });

  it('refuse any change: path, viewer, expiry, download flag, signature, secret', () => {
    const f = { ...fields(link.pathWithQuery), nowMs: NOW };
    for (const changed of [
      { ...f, path: '/v1/posts/ai_r2/video' },
      { ...f, path: '/v1/posts/ai_r1/poster' },
      { ...f, uid: 'u3' },
      { ...f, expires: String(Number(f.expires) + 3600) },
      { ...f, download: true },
      { ...f, sig: f.sig.replace(/^./, f.sig[0] === 'a' ? 'b' : 'a') },
      { ...f, sig: 'zz' },
      { ...f, expires: '-1' },
      { ...f, uid: '' },
    ]) {
      expect(verifyPlaybackLink(SECRET, changed)).toEqual({ ok: false, why: 'invalid' });
    }
    expect(verifyPlaybackLink('another-secret-0123456789abcdef', f)).toEqual({ ok: false, why: 'invalid' });
  });

  it('carry the download flag under the signature', () => {
    const dl = signPlaybackLink(SECRET, { path: PATH, uid: 'u2', download: true, nowMs: NOW, ttlSeconds: 60 });
    expect(dl.pathWithQuery).toContain('download=1&');
    expect(verifyPlaybackLink(SECRET, { ...fields(dl.pathWithQuery), nowMs: NOW }).ok).toBe(true);
    expect(verifyPlaybackLink(SECRET, { ...fields(dl.pathWithQuery), download: false, nowMs: NOW }).ok).toBe(false);
  });
});
