/**
 * The playback HTTP surface, framework-free, so the local server and the `videoPlayback` function route, check
 * and answer identically and hold no logic of their own:
 *
 *   GET|HEAD /v1/requests/{requestId}/video|poster        the owner's video (Range, ?download=1)
 *   GET|HEAD /v1/posts/{postId}/video|poster              a post's audience
 *   GET      /v1/requests|posts/{id}/video|poster/link    a signed link to the same (links.ts), for <video src>
 *   GET      /v1/feed?limit&cursor                        posts the caller may see, newest first   (listing on)
 *   GET      /v1/users/{uid}/profile-videos?limit&cursor  a profile's grid, as the caller may see it (listing on)
 *
 * The caller is named by `Authorization: Bearer <token>` (whatever `authenticate` accepts: a Firebase ID token,
 * a local demo token) or, on the media routes, by a signed link's `as`/`expires`/`sig`. Every id in the path
 * is checked against IdSchema first (400 INVALID_ID), and every refusal is `{"error":{"code","message"}}`.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IdSchema, type DecryptStats } from '@d2v/schema';
import { logs } from '../logs';
import type { Clock, Logger } from '../ports';
import { PlaybackError } from './errors';
import { signPlaybackLink, verifyPlaybackLink } from './links';
import type { Listing } from './listing';
import { decodeCursor, parseLimit } from './paging';
import type { Playback, PlaybackAsset, PlaybackSubject } from './service';

export interface HttpRequestLike {
  method: string;
  /** The URL path as received (still percent-encoded), without the query string. */
  path: string;
  query: Record<string, unknown>;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** A byte stream, or a JSON value (errors, links, listings), or neither (HEAD, 204, 304). */
  body?: Readable | null;
  json?: unknown;
  stats?: DecryptStats | null;
}

export interface PlaybackHttpOptions {
  playback: Playback;
  /** Serve /v1/feed and /v1/users/{uid}/profile-videos as well (the local stack; on Firebase the app queries Firestore). */
  listing?: Listing;
  /** A bearer token → the caller's uid, or null when it is not valid. */
  authenticate(token: string): Promise<string | null>;
  /** HMAC key of signed links (a secret: never logged). */
  linkSecret: string | Buffer;
  linkTtlSeconds?: number;
  /** The absolute URL the media paths hang off (links are handed out absolute). */
  publicBaseUrl(): string;
  clock: Clock;
  log: Logger;
  /** Path segments a platform may leave in front of `/v1` (a function's name): skipped when present. */
  pathPrefixes?: string[];
}

type Route =
  | { kind: 'media'; subject: PlaybackSubject; id: string; asset: PlaybackAsset; link: boolean; canonical: string }
  | { kind: 'feed' }
  | { kind: 'profile'; ownerUid: string };

/** Links live an hour: a paused tab can resume, and an ID token lives no longer either. */
export const DEFAULT_LINK_TTL_SECONDS = 3600;

const SUBJECTS: Record<string, PlaybackSubject> = { requests: 'request', posts: 'post' };
const ASSETS: readonly string[] = ['video', 'poster'];
const MEDIA_METHODS = 'GET, HEAD, OPTIONS';
/** Bearer tokens are never sent by a browser on its own, so any origin may call (no cookies are involved). */
const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-range, content-length, accept-ranges, content-disposition, etag',
};

function idFrom(segment: string, what: string): string {
  let decoded: string | null = null;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = null;
  }
  if (decoded === null || !IdSchema.safeParse(decoded).success) {
    throw new PlaybackError('INVALID_ID', `The ${what} in the URL is not valid: ids are 1–128 letters, digits, "_" or "-".`);
  }
  return decoded;
}

/** The route a path names, null when it is none of ours; throws INVALID_ID for ours with a bad id. */
function routeOf(path: string, prefixes: string[], listing: boolean): Route | null {
  let segments = path.split('/').filter((s) => s !== '');
  if (segments.length > 0 && prefixes.includes(segments[0]!)) segments = segments.slice(1);
  if (segments[0] !== 'v1') return null;
  const [, first, second, third, fourth, ...more] = segments;
  if (listing && first === 'feed' && segments.length === 2) return { kind: 'feed' };
  if (listing && first === 'users' && third === 'profile-videos' && segments.length === 4) return { kind: 'profile', ownerUid: idFrom(second!, 'user id') };
  const subject = first ? SUBJECTS[first] : undefined;
  if (!subject || !third || !ASSETS.includes(third) || more.length > 0 || (fourth !== undefined && fourth !== 'link')) return null;
  const id = idFrom(second!, subject === 'post' ? 'post id' : 'request id');
  return { kind: 'media', subject, id, asset: third as PlaybackAsset, link: fourth === 'link', canonical: `/v1/${first}/${id}/${third}` };
}

/** One query parameter as a string (undefined when absent or repeated: `?a=1&a=2` is nobody's intent). */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  return typeof v === 'string' ? v : undefined;
}
function header(headers: HttpRequestLike['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}
const isDownload = (query: Record<string, unknown>): boolean => {
  const v = single(query, 'download');
  return v !== undefined && !['', '0', 'false'].includes(v);
};

export function errorAnswer(err: PlaybackError): HttpAnswer {
  return {
    status: err.status,
    headers: { ...CORS, ...err.headers, 'cache-control': 'no-store' },
    json: { error: { code: err.code, message: err.message } },
  };
}

export interface PlaybackHttp {
  /** The answer for `req`, or null when its path is not a playback route (the caller answers 404 or moves on). */
  answer(req: HttpRequestLike): Promise<HttpAnswer | null>;
}

export function createPlaybackHttp(opts: PlaybackHttpOptions): PlaybackHttp {
  const prefixes = opts.pathPrefixes ?? [];
  // An empty or short key would make links forgeable: refuse to start rather than serve them.
  if (opts.linkSecret.length < 16) throw new Error('the playback link secret must be at least 16 bytes (PLAYBACK_LINK_SECRET / D2V_PLAYBACK_LINK_SECRET)');
  const ttl = opts.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS;

  async function bearerUid(req: HttpRequestLike): Promise<string> {
    const token = /^Bearer (.+)$/.exec(header(req.headers, 'authorization') ?? '')?.[1];
    const uid = token ? await opts.authenticate(token) : null;
    if (!uid) throw new PlaybackError('UNAUTHENTICATED', 'Sign in first: send "Authorization: Bearer <token>" (or use a signed link).');
    return uid;
  }

  /** The media routes also take a signed link; a link never mints another link. */
  async function callerOf(req: HttpRequestLike, route: Route & { kind: 'media' }): Promise<string> {
    const sig = single(req.query, 'sig');
    if (route.link || sig === undefined) return bearerUid(req);
    const check = verifyPlaybackLink(opts.linkSecret, {
      path: route.canonical,
      uid: single(req.query, 'as') ?? '',
      expires: single(req.query, 'expires') ?? '',
      sig,
      download: isDownload(req.query),
      nowMs: opts.clock.now(),
    });
    if (!check.ok) throw new PlaybackError('FORBIDDEN', check.why === 'expired' ? 'This link has expired; ask for a new one.' : 'This link is not valid.');
    return check.uid;
  }

  async function media(req: HttpRequestLike, route: Route & { kind: 'media' }): Promise<HttpAnswer> {
    if (req.method === 'OPTIONS') {
      return {
        status: 204,
        headers: {
          ...CORS,
          'access-control-allow-methods': MEDIA_METHODS,
          'access-control-allow-headers': 'authorization, range, if-range, if-none-match',
          'access-control-max-age': '600',
        },
      };
    }
    const allowed = route.link ? ['GET'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method)) {
      throw new PlaybackError('METHOD_NOT_ALLOWED', `Use ${allowed.join(' or ')} here.`, { allow: route.link ? 'GET, OPTIONS' : MEDIA_METHODS });
    }
    const uid = await callerOf(req, route);
    if (route.link) {
      await opts.playback.authorize(uid, route.subject, route.id);
      const link = signPlaybackLink(opts.linkSecret, { path: route.canonical, uid, download: isDownload(req.query), nowMs: opts.clock.now(), ttlSeconds: ttl });
      const url = `${opts.publicBaseUrl().replace(/\/+$/, '')}${link.pathWithQuery}`;
      return { status: 200, headers: { ...CORS, 'cache-control': 'no-store' }, json: { url, expiresAt: link.expiresAt } };
    }
    const played = await opts.playback.play({
      uid,
      subject: route.subject,
      id: route.id,
      asset: route.asset,
      head: req.method === 'HEAD',
      range: header(req.headers, 'range'),
      ifRange: header(req.headers, 'if-range'),
      ifNoneMatch: header(req.headers, 'if-none-match'),
      download: isDownload(req.query),
    });
    return { status: played.status, headers: { ...CORS, ...played.headers }, body: played.body, stats: played.stats };
  }

  async function list(req: HttpRequestLike, route: Route & { kind: 'feed' | 'profile' }): Promise<HttpAnswer> {
    if (req.method !== 'GET') throw new PlaybackError('METHOD_NOT_ALLOWED', 'Use GET here.', { allow: 'GET' });
    const uid = await bearerUid(req);
    const page = { limit: parseLimit(single(req.query, 'limit')), cursor: decodeCursor(single(req.query, 'cursor')) };
    const listing = opts.listing!;
    const json = route.kind === 'feed' ? await listing.feed(uid, page) : await listing.profileVideos(uid, route.ownerUid, page);
    return { status: 200, headers: { ...CORS, 'cache-control': 'private, no-store' }, json };
  }

  return {
    async answer(req) {
      try {
        const route = routeOf(req.path, prefixes, opts.listing !== undefined);
        if (!route) return null;
        return route.kind === 'media' ? await media(req, route) : await list(req, route);
      } catch (err) {
        if (err instanceof PlaybackError) return errorAnswer(err);
        throw err;
      }
    },
  };
}

/**
 * Writes an answer to a Node response (express's and Cloud Functions' are both one). A stream that fails after
 * the headers went out can only end the connection early: the client sees a short body, never wrong bytes.
 */
export async function sendHttpAnswer(res: ServerResponse, answer: HttpAnswer, log: Logger): Promise<void> {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  if (answer.json !== undefined) {
    const text = JSON.stringify(answer.json);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', String(Buffer.byteLength(text)));
    res.end(text);
    return;
  }
  if (!answer.body) {
    res.end();
    return;
  }
  try {
    await pipeline(answer.body, res);
    log.debug({ status: answer.status, range: answer.headers['content-range'], ...answer.stats }, logs.playbackServed);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') log.debug({ status: answer.status, ...answer.stats }, logs.playbackAborted);
    else log.error({ status: answer.status, err: (err as Error).message, ...answer.stats }, logs.playbackCutShort);
    res.destroy();
  }
}
