/**
 * The playback service both runtimes serve: given the caller's uid, a request or post id, which file (the video
 * or its poster) and the request's conditional and range headers, it decides access (access.ts) and answers
 * with a status, headers and a stream of *decrypted* bytes — only the segments covering the range are read and
 * decrypted (MediaPort.openEncrypted). It knows nothing of HTTP frameworks: the local server and the
 * `videoPlayback` function write its answer out unchanged (http.ts).
 *
 * Before an answer is returned its stream has produced its first bytes (or ended): a video whose first
 * covering segment fails authentication, or a file that vanished, is still a proper error response rather than
 * a 200 cut off after its headers. Damage further in can only end the connection early (the bytes sent before
 * it are authentic): a client sees a short read, never a corrupted byte.
 */
import { pipeline, Readable, Transform } from 'node:stream';
import type { ByteRange, DecryptStats } from '@d2v/schema';
import type { BlobInfo, Ports } from '../ports';
import { NotFoundError } from '../ports';
import { logs } from '../logs';
import { publishDownload, publishPlaybackStart } from '../analytics';
import { audienceVideo, ownerVideo, type PlayableVideo } from './access';
import { PlaybackError } from './errors';
import { contentRange, parseRange } from './range';

/** `events` and `clock` are optional: with them, a play from the start and a download become analytics events. */
export type PlaybackPorts = Pick<Ports, 'store' | 'blobs' | 'media' | 'log'> & Partial<Pick<Ports, 'events' | 'clock'>>;
export type PlaybackSubject = 'request' | 'post';
export type PlaybackAsset = 'video' | 'poster';

export interface PlaybackRequest {
  uid: string;
  subject: PlaybackSubject;
  id: string;
  asset: PlaybackAsset;
  /** HEAD: the same headers, no body (and nothing decrypted). */
  head?: boolean;
  /** The raw `Range`, `If-Range` and `If-None-Match` request headers. */
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  /** `?download=1`: ask the browser to save the file (`Content-Disposition: attachment`). */
  download?: boolean;
}

export interface PlaybackAnswer {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  /** Null for HEAD and 304. */
  body: Readable | null;
  /** How much was decrypted for this answer (videos only), complete once `body` has ended. */
  stats: DecryptStats | null;
}

export interface Playback {
  play(request: PlaybackRequest): Promise<PlaybackAnswer>;
  /** Access only (a signed link is handed out only to someone who may watch). Throws like `play`. */
  authorize(uid: string, subject: PlaybackSubject, id: string): Promise<void>;
}

const CONTENT_TYPES: Record<PlaybackAsset, string> = { video: 'video/mp4', poster: 'image/jpeg' };
const EXTENSIONS: Record<PlaybackAsset, string> = { video: 'mp4', poster: 'jpg' };

/**
 * `private`: a shared cache (CDN, proxy) must never store these bytes — they are one person's or one audience's.
 * `no-cache`: the browser may keep them but must ask again before reuse, so deleting a video or narrowing a
 * post's audience takes effect on the next play; asking again is cheap (the ETag answers 304 without decrypting).
 */
export const PLAYBACK_CACHE_CONTROL = 'private, no-cache';

const isDecryptError = (err: unknown): boolean => err instanceof Error && err.name === 'DecryptError';

/** The object went away between `stat` and the read: NotFoundError locally, a 404 ApiError from Storage. */
const isMissingObject = (err: unknown): boolean => err instanceof NotFoundError || (err as { code?: unknown })?.code === 404;

/** The stored object's version as a strong validator: a file is never rewritten in place without a new generation. */
function etagOf(info: BlobInfo): string {
  return `"d2v-${info.generation.replace(/[^A-Za-z0-9._-]/g, '')}-${info.size}"`;
}

/** If-None-Match (weak comparison, RFC 9110 §13.1.2): `*` or any listed tag equal to ours. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** First bytes first: resolves once the stream has data or has ended, rejects if it fails before that. */
async function primed(stream: Readable): Promise<Readable> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield first.value as Buffer;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  // Destroying the returned stream (the client went away) returns the iterator, which destroys `stream`.
  const out = Readable.from(rest(), { objectMode: false });
  out.once('close', () => void iterator.return?.());
  return out;
}

export interface PlaybackOptions {
  /**
   * Most bytes one ranged answer carries; a longer range is answered with its first this-many bytes (the 206's
   * Content-Range says which — RFC 9110 lets a server send less than asked, and players and downloaders ask for
   * the rest). Unlimited by default; the Firebase runtime sets it below Cloud Run's response-size cap.
   */
  maxRangeBytes?: number;
}

export function createPlayback(ports: PlaybackPorts, options: PlaybackOptions = {}): Playback {
  const maxRangeBytes = options.maxRangeBytes ?? Number.POSITIVE_INFINITY;
  if (!(maxRangeBytes >= 1)) throw new RangeError('maxRangeBytes must be at least 1');
  const resolve = (uid: string, subject: PlaybackSubject, id: string): Promise<PlayableVideo> =>
    subject === 'request' ? ownerVideo(ports.store, uid, id) : audienceVideo(ports.store, uid, id);

  const damaged = (video: PlayableVideo, err: unknown): PlaybackError => {
    ports.log.error({ uid: video.ownerUid, requestId: video.requestId, path: video.videoPath, err: (err as Error).message }, logs.playbackDamaged);
    return new PlaybackError('VIDEO_DAMAGED', 'The stored video failed its integrity check, so it cannot be played. Nothing of it was sent.');
  };

  /**
   * Analytics of a video answer: "playback start" (time to first byte = time to first frame) for a play from the
   * first byte — a seek is not a start — and "download" once every byte of a `?download=1` answer went out.
   */
  function recorded(request: PlaybackRequest, video: PlayableVideo, body: Readable, range: ByteRange | undefined, askedAt: number): Readable {
    const { events, clock } = ports;
    if (!events || !clock || request.asset !== 'video') return body;
    const sink = { events, clock, log: ports.log };
    const moment = { uid: video.ownerUid, requestId: video.requestId, model: video.model };
    if (!request.download) {
      if (!range || range.start === 0) void publishPlaybackStart(sink, { ...moment, timeToFirstByteMs: clock.now() - askedAt, viewerUid: request.uid });
      return body;
    }
    // Counted on the way through (a listener on `body` itself would start it flowing before it is piped).
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
      flush(done) {
        void publishDownload(sink, { ...moment, bytes, durationMs: clock.now() - askedAt });
        done();
      },
    });
    pipeline(body, counted, () => undefined);
    return counted;
  }

  async function play(request: PlaybackRequest): Promise<PlaybackAnswer> {
    const askedAt = ports.clock?.now() ?? 0;
    const video = await resolve(request.uid, request.subject, request.id);
    const path = request.asset === 'video' ? video.videoPath : video.posterPath;
    const info = await ports.blobs.stat(path);
    if (!info) throw new PlaybackError('NOT_FOUND', `The ${request.asset} file of this video is missing.`);
    const etag = etagOf(info);
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[request.asset],
      'accept-ranges': 'bytes',
      etag,
      'cache-control': PLAYBACK_CACHE_CONTROL,
      'x-content-type-options': 'nosniff',
    };
    if (request.download) headers['content-disposition'] = `attachment; filename="${video.name}.${EXTENSIONS[request.asset]}"`;
    if (noneMatch(request.ifNoneMatch, etag)) return { status: 304, headers, body: null, stats: null };

    // The plaintext a video has: from its header and stored size (a poster is stored as it is served).
    let size = info.size;
    let read: (range?: ByteRange) => { stream: Readable; stats: DecryptStats | null };
    if (request.asset === 'video') {
      const source = { size: info.size, read: (range: ByteRange) => ports.blobs.download(path, range) };
      const opened = await ports.media.openEncrypted(source, { ...video.encryption }).catch((err: unknown) => {
        if (isDecryptError(err)) throw damaged(video, err);
        if (isMissingObject(err)) throw new PlaybackError('NOT_FOUND', 'The video file of this video is missing.');
        throw err;
      });
      size = opened.plaintextBytes;
      read = (range) => opened.read(range);
    } else {
      read = (range) => ({ stream: ports.blobs.download(path, range), stats: null });
    }

    // If-Range: the range is only for the version the client already holds (strong comparison).
    const rangeHeader = request.ifRange !== undefined && request.ifRange.trim() !== etag ? undefined : request.range;
    const decision = parseRange(rangeHeader, size);
    if (decision.kind === 'unsatisfiable') {
      throw new PlaybackError('RANGE_NOT_SATISFIABLE', `The range "${String(request.range).slice(0, 100)}" is outside this ${size}-byte file.`, {
        'content-range': contentRange(size),
        'accept-ranges': 'bytes',
      });
    }
    const range = decision.kind === 'partial' ? { start: decision.start, end: Math.min(decision.end, decision.start + maxRangeBytes - 1) } : undefined;
    const status = range ? 206 : 200;
    headers['content-length'] = String(range ? range.end - range.start + 1 : size);
    if (range) headers['content-range'] = contentRange(size, range);
    if (request.head) return { status, headers, body: null, stats: null };

    // An empty file as a whole still verifies its one (empty, final) segment.
    const { stream, stats } = read(range);
    try {
      const body = recorded(request, video, await primed(stream), range, askedAt);
      return { status, headers, body, stats };
    } catch (err) {
      if (isDecryptError(err)) throw damaged(video, err);
      if (isMissingObject(err)) {
        throw new PlaybackError('NOT_FOUND', `The ${request.asset} file of this video is missing.`);
      }
      throw err;
    }
  }

  return {
    play,
    async authorize(uid, subject, id) {
      await resolve(uid, subject, id);
    },
  };
}
