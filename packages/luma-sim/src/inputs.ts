/**
 * Input media: images (keyframes, Photon references, first frames, the image to reframe) and videos (the `media`
 * of modify and reframe). Luma fetches them itself when the job starts, so an expired signed URL, a host it cannot
 * reach or an answer of the wrong kind fails the generation with "Failed to read user input frames" — long after
 * the create returned 201. The sim reproduces that by really fetching each URL and probing what came back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMediaError, probe } from '@d2v/media';
import { isDecodableImage, RenderAbortedError } from './render';
import type { InputImage } from './validation';

export const INPUT_FRAMES_FAILURE = 'Failed to read user input frames';
const MAX_INPUT_IMAGE_BYTES = 25 * 1024 * 1024;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** Storage services often serve uploads without a precise type; Luma cannot tell either until it decodes. */
const GENERIC_CONTENT_TYPES = new Set(['application/octet-stream', 'binary/octet-stream']);

/** What a fetched input turned out to be (from ffprobe). */
export interface InputMediaInfo {
  width: number;
  height: number;
  /** 0 for images. */
  durationSeconds: number;
  hasAudio: boolean;
}

export interface FetchedInput {
  field: string;
  url: string;
  file: string;
  info: InputMediaInfo;
}

/**
 * A failed read: `why` is for the log; `reason` is the generation's failure_reason (Luma's generic one unless the
 * input was readable but outside Luma's limits, which deserves a sentence of its own).
 */
export type InputFetchResult =
  | { ok: true; inputs: FetchedInput[] }
  | { ok: false; field: string; url: string; why: string; reason: string };

export interface InputFetchOptions {
  dir: string;
  timeoutMs: number;
  /** false: any host but localhost is "unreachable" at once (this machine has no other network). */
  allowRemote: boolean;
  /** Limits of input videos (FollowUpOptions). */
  maxVideoSeconds: number;
  maxVideoBytes: number;
  signal: AbortSignal;
}

type OneResult = { ok: true; info: InputMediaInfo } | { ok: false; why: string; reason?: string };

/** Fetches every input in order and stops at the first one Luma could not have read. */
export async function fetchInputImages(images: InputImage[], opts: InputFetchOptions): Promise<InputFetchResult> {
  const inputs: FetchedInput[] = [];
  if (images.length > 0) await fs.promises.mkdir(opts.dir, { recursive: true });
  for (const [index, image] of images.entries()) {
    const file = path.join(opts.dir, `input-${index}`);
    const result = await fetchOne(image, file, opts);
    if (!result.ok) {
      return { ok: false, field: image.field, url: image.url, why: result.why, reason: result.reason ?? INPUT_FRAMES_FAILURE };
    }
    inputs.push({ field: image.field, url: image.url, file, info: result.info });
  }
  return { ok: true, inputs };
}

async function fetchOne(input: InputImage, file: string, opts: InputFetchOptions): Promise<OneResult> {
  const kind = input.kind ?? 'image';
  const maxBytes = kind === 'video' ? opts.maxVideoBytes : MAX_INPUT_IMAGE_BYTES;
  const downloaded = await download(input.url, file, kind, maxBytes, opts);
  if (downloaded !== null) return downloaded;
  return kind === 'video' ? checkVideo(file, opts) : checkImage(file, opts.signal);
}

/** null when the body was stored in `file`, else why it could not be read. */
async function download(
  url: string,
  file: string,
  kind: 'image' | 'video',
  maxBytes: number,
  opts: InputFetchOptions,
): Promise<OneResult | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, why: 'invalid URL' };
  }
  if (!opts.allowRemote && !LOCAL_HOSTS.has(parsed.hostname)) {
    return { ok: false, why: `host ${parsed.hostname} is unreachable from the simulator` };
  }
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    const refuse = async (why: string, reason?: string): Promise<OneResult> => {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, why, reason };
    };
    if (!res.ok) return refuse(`HTTP ${res.status}`);
    const contentType = (res.headers.get('content-type') ?? '').toLowerCase().split(';')[0].trim();
    if (!contentType.startsWith(`${kind}/`) && !(kind === 'video' && GENERIC_CONTENT_TYPES.has(contentType))) {
      return refuse(`content-type ${contentType || '(none)'} is not ${kind === 'video' ? 'a video' : 'an image'}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) return refuse(`${kind} too large (${declared} bytes)`, tooLarge(kind, maxBytes));
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length === 0) return { ok: false, why: 'empty body' };
    if (bytes.length > maxBytes) return { ok: false, why: `${kind} too large (${bytes.length} bytes)`, reason: tooLarge(kind, maxBytes) };
    await fs.promises.writeFile(file, bytes);
    return null;
  } catch (err) {
    if (opts.signal.aborted) throw new RenderAbortedError();
    return { ok: false, why: `fetch failed: ${(err as Error).message}` };
  }
}

function tooLarge(kind: 'image' | 'video', maxBytes: number): string | undefined {
  if (kind !== 'video') return undefined;
  return `Input video is too large, maximum size is ${Math.floor(maxBytes / (1024 * 1024))} MB`;
}

async function checkImage(file: string, signal: AbortSignal): Promise<OneResult> {
  if (!(await isDecodableImage(file, signal))) return { ok: false, why: 'not a decodable image' };
  const probed = await probeOrNull(file, signal);
  if (!probed || probed.width <= 0 || probed.height <= 0) return { ok: false, why: 'image without a size' };
  return { ok: true, info: { width: probed.width, height: probed.height, durationSeconds: 0, hasAudio: false } };
}

async function checkVideo(file: string, opts: InputFetchOptions): Promise<OneResult> {
  const probed = await probeOrNull(file, opts.signal);
  if (!probed || probed.videoCodec === null || probed.width <= 0 || probed.height <= 0) {
    return { ok: false, why: 'not a decodable video' };
  }
  const durationSeconds = probed.durationMs / 1000;
  if (!(durationSeconds > 0)) return { ok: false, why: 'video without a duration (a still image?)' };
  if (durationSeconds > opts.maxVideoSeconds + 0.05) {
    return {
      ok: false,
      why: `video is ${durationSeconds.toFixed(2)} s long`,
      reason: `Input video is too long, maximum duration is ${opts.maxVideoSeconds} seconds`,
    };
  }
  return { ok: true, info: { width: probed.width, height: probed.height, durationSeconds, hasAudio: probed.audioCodec !== null } };
}

async function probeOrNull(file: string, signal: AbortSignal) {
  try {
    return await probe(file, { signal });
  } catch (err) {
    if (signal.aborted) throw new RenderAbortedError();
    if (isMediaError(err)) return null; // unreadable or empty: not something Luma could use
    throw err;
  }
}
