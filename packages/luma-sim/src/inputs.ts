/**
 * Input images (keyframes and Photon references). Luma fetches them itself when the job starts, so an expired
 * signed URL, a host it cannot reach or a non-image answer fails the generation with "Failed to read user input
 * frames" — long after the create returned 201. The sim reproduces that by really fetching each URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDecodableImage, RenderAbortedError } from './render';
import type { InputImage } from './validation';

export const INPUT_FRAMES_FAILURE = 'Failed to read user input frames';
const MAX_INPUT_BYTES = 25 * 1024 * 1024;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface FetchedInput {
  field: string;
  url: string;
  file: string;
}

export type InputFetchResult = { ok: true; inputs: FetchedInput[] } | { ok: false; field: string; url: string; why: string };

export interface InputFetchOptions {
  dir: string;
  timeoutMs: number;
  /** false: any host but localhost is "unreachable" at once (this machine has no other network). */
  allowRemote: boolean;
  signal: AbortSignal;
}

/** Fetches every input in order and stops at the first one Luma could not have read. */
export async function fetchInputImages(images: InputImage[], opts: InputFetchOptions): Promise<InputFetchResult> {
  const inputs: FetchedInput[] = [];
  if (images.length > 0) await fs.promises.mkdir(opts.dir, { recursive: true });
  for (const [index, image] of images.entries()) {
    const file = path.join(opts.dir, `input-${index}`);
    const why = await fetchOne(image.url, file, opts);
    if (why !== null) return { ok: false, field: image.field, url: image.url, why };
    inputs.push({ field: image.field, url: image.url, file });
  }
  return { ok: true, inputs };
}

/** null when the image was stored in `file`, else why it could not be read. */
async function fetchOne(url: string, file: string, opts: InputFetchOptions): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'invalid URL';
  }
  if (!opts.allowRemote && !LOCAL_HOSTS.has(parsed.hostname)) return `host ${parsed.hostname} is unreachable from the simulator`;
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return `HTTP ${res.status}`;
    }
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('image/')) {
      await res.body?.cancel().catch(() => undefined);
      return `content-type ${contentType || '(none)'} is not an image`;
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_INPUT_BYTES) return `image too large (${declared} bytes)`;
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length === 0) return 'empty body';
    if (bytes.length > MAX_INPUT_BYTES) return `image too large (${bytes.length} bytes)`;
    await fs.promises.writeFile(file, bytes);
  } catch (err) {
    if (opts.signal.aborted) throw new RenderAbortedError();
    return `fetch failed: ${(err as Error).message}`;
  }
  if (!(await isDecodableImage(file, opts.signal))) return 'not a decodable image';
  return null;
}
