/**
 * Generators of hostile HTTP input, shared by the local API's and the Firebase functions' suites: path segments
 * that try to escape their collection or break decoding, bodies with prototype keys and wrong shapes, headers that
 * lie about the body. A suite lists its routes (one line each) and draws requests from `hostileRequest`.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http';

/** Segments (already as they travel in a URL) that have broken id handling somewhere, or could. */
export const HOSTILE_SEGMENTS = [
  '..', '.', '%2e%2e', '%2E%2E%2F', 'a%2Fb', '%2F', '%2F%2F', '..%2F..%2Fother-user%2FvideoRequests%2F', '%00', 'a%00b', '%ZZ', '%', '%E0%A4%A',
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'x'.repeat(129), 'a'.repeat(128), '%C0%AE%C0%AE', '%EF%BC%8F', '%5C',
  '..%5C..%5C', '*', '%2A', '%24', '%22', '%27', '%3Cscript%3E', '%20', '+', 'null', 'undefined', 'NaN', '-1', '0', '%0A', '%0D%0A', '%7F',
  '%F0%9F%92%A5', '%E2%80%AE', ';', '%3B', ',', '=', '~', '!', '(', ')',
];

export interface RouteSpec {
  method: string;
  /** Express-style: `:name` segments and a final `*rest` are filled with generated segments. */
  path: string;
  /** Takes a body (POST). */
  body?: boolean;
  /** Answers are server-sent events. */
  stream?: boolean;
}

export interface HostileContext {
  /** Ids that exist (the caller's own, another user's): the generator mixes them with hostile ones. */
  knownIds: string[];
  /** Bearer tokens to use (valid ones, another user's); garbage is added. */
  tokens: string[];
  /** Bodies that are close to valid for these routes (they reach deeper code). */
  nearValidBodies: unknown[];
}

export const PROTOTYPE_BODIES = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"draftId":"demo-sunrise","options":{"__proto__":{"polluted":"yes"}}}',
  '{"draftId":"demo-sunrise","__proto__":{"isAdmin":true}}',
  '{"type":"post","__proto__":{"polluted":"yes"}}',
  '{"type":"save","constructor":{"prototype":{"polluted":"yes"}}}',
  '{"id":"g1","__proto__":{"polluted":"yes"},"state":"completed"}',
  '{"draftId":"__proto__"}',
  '{"draftId":"demo-sunrise","scriptRequestId":"constructor"}',
  '[{"__proto__":{"polluted":"yes"}}]',
];

export function segmentArb(knownIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS), weight: 4 },
    { arbitrary: fc.constantFrom(...knownIds), weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom(...knownIds), fc.constantFrom(...HOSTILE_SEGMENTS)).map(([a, b]) => `${a}${b}`), weight: 2 },
    { arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')), weight: 1 },
  );
}

function bodyArb(ctx: HostileContext): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 3 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_BODIES), weight: 3 },
    { arbitrary: fc.constantFrom(...ctx.nearValidBodies).map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    { arbitrary: fc.constantFrom('', '{', '{"a":', 'null', '[]', '"x"', '1e999', '{"a":1}{"b":2}', '\u0000', '\uFEFF{}'), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), weight: 1 },
    { arbitrary: fc.nat({ max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`), weight: 1 },
  );
}

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=nope', 'application/merge-patch+json', '',
];
const ENCODINGS = ['', '', '', '', 'gzip', 'deflate', 'br', 'identity', 'x-unknown'];
const METHODS_ODD = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

function tokenHeaderArb(ctx: HostileContext): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...ctx.tokens).map((t) => `Bearer ${t}`), weight: 6 },
    { arbitrary: fc.constantFrom(undefined, 'Bearer ', 'Bearer', 'Basic ZGVtbzpkZW1v', 'bearer demo-token', `Bearer ${'t'.repeat(5000)}`), weight: 1 },
    { arbitrary: fc.string({ maxLength: 30 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`), weight: 1 },
  );
}

function queryArb(knownIds: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(segmentArb(knownIds), fc.constantFrom('1', '0', '', 'true', '9999999999999999', 'a'.repeat(70)));
  const key = fc.constantFrom('token', 'expires', 'sig', 'download', '__proto__', 'constructor', 'id', 'token[]', 'a[b]');
  return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
}

/** A request to one of `routes`, every part of it possibly hostile. */
export function hostileRequest(routes: readonly RouteSpec[], ctx: HostileContext): fc.Arbitrary<{ route: RouteSpec; req: RawRequest }> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      segments: fc.array(segmentArb(ctx.knownIds), { minLength: 4, maxLength: 4 }),
      rest: fc.array(segmentArb(ctx.knownIds), { minLength: 0, maxLength: 5 }),
      oddMethod: fc.option(fc.constantFrom(...METHODS_ODD), { freq: 8 }),
      query: queryArb(ctx.knownIds),
      auth: tokenHeaderArb(ctx),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      encoding: fc.constantFrom(...ENCODINGS),
      body: bodyArb(ctx),
      range: fc.option(fc.constantFrom('bytes=0-', 'bytes=-1', 'bytes=5-2', 'bytes=0-0,1-1', 'items=0-9', 'bytes=99999999999-'), { freq: 6 }),
    })
    .map(({ route, segments, rest, oddMethod, query, auth, contentType, encoding, body, range }) => {
      let i = 0;
      const path = route.path
        .split('/')
        .map((part) => (part.startsWith(':') ? segments[i++ % segments.length]! : part.startsWith('*') ? (rest.length ? rest.join('/') : segments[0]!) : part))
        .join('/');
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (range !== null) headers.range = range;
      const method = oddMethod ?? route.method;
      const withBody = route.body || (oddMethod !== null && oddMethod !== 'HEAD' && oddMethod !== 'OPTIONS');
      if (withBody) {
        if (contentType) headers['content-type'] = contentType;
        if (encoding) headers['content-encoding'] = encoding;
      }
      return { route, req: { method, path: `${path}${query}`, headers, body: withBody ? body : undefined } };
    });
}

/** A body just over `limitBytes` (JSON), to prove the limit holds. */
export function oversizedJson(limitBytes: number): string {
  return JSON.stringify({ draftId: 'demo-sunrise', padding: 'x'.repeat(limitBytes + 1024) });
}
