/** Parsing of the webhook route and of task payloads (what gets dropped vs dispatched). */
import './helpers/env';
import { parseTaskPayload, parseWebhookRoute, tokenFromQuery } from '../src/http';

describe('webhook route', () => {
  it.each([
    ['/u1/r1', { uid: 'u1', requestId: 'r1' }],
    ['/u1/r1/', { uid: 'u1', requestId: 'r1' }],
    ['/lumaWebhook/u1/r1', { uid: 'u1', requestId: 'r1' }],
    ['/demo-user/req_2-x?token=abc', { uid: 'demo-user', requestId: 'req_2-x' }],
  ])('%s → %j', (path, expected) => expect(parseWebhookRoute(path)).toEqual({ ok: true, ...expected }));

  it.each(['', '/', '/u1', '/u1/r1/extra', '/a/b/c/d'])('answers another shape %j with 404 NOT_FOUND', (path) =>
    expect(parseWebhookRoute(path)).toMatchObject({ ok: false, status: 404, error: { code: 'NOT_FOUND' } }),
  );

  it.each(['/u1/r%2F1', '/u%ZZ/r1', '/u1/r 1', '/u1/r%201', '/u1/..', '/u1/%2E%2E', '/u1/r%00', `/u1/${'x'.repeat(129)}`, '/__proto__/r%2F'])(
    'answers a bad id in %j with 400 INVALID_ID and a sentence',
    (path) => {
      const parsed = parseWebhookRoute(path);
      expect(parsed).toMatchObject({ ok: false, status: 400, error: { code: 'INVALID_ID' } });
      expect(parsed.ok === false && parsed.error.message).toMatch(/^The (user|request) id in the URL is not valid/);
    },
  );

  it('reads the token query parameter only when it is one string', () => {
    expect(tokenFromQuery({ token: 'abc' })).toBe('abc');
    expect(tokenFromQuery({ token: ['a', 'b'] })).toBe('');
    expect(tokenFromQuery({})).toBe('');
    expect(tokenFromQuery(undefined)).toBe('');
  });
});

describe('task payloads', () => {
  it('accepts the core payload shapes', () => {
    expect(parseTaskPayload({ uid: 'u1', requestId: 'r1' })).toEqual({ uid: 'u1', requestId: 'r1' });
    expect(parseTaskPayload({ uid: 'u1', requestId: 'r1', stage: 'keyframe', attempt: 3 })).toEqual({ uid: 'u1', requestId: 'r1', stage: 'keyframe', attempt: 3 });
  });
  it.each([
    null,
    'x',
    {},
    { uid: 'u1' },
    { uid: 'u/1', requestId: 'r1' },
    { uid: 'u1', requestId: 'r1', stage: 'other' },
    { uid: 'u1', requestId: 'r1', attempt: -1 },
    { uid: 'u1', requestId: 'r1', attempt: 1.5 },
  ])('drops %j', (data) => expect(parseTaskPayload(data)).toBeNull());
});
