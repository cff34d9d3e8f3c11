import { D2vError, messageFor } from './errors';
import type { MediaFile, MediaSource } from './types';

/** Status → code when an answer carries no `{error}` body (a proxy's page, a cut connection). */
function codeForStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'NOT_READY';
  if (status === 410) return 'DELETED';
  if (status === 413) return 'TOO_LARGE';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

/** The API's `{error: {code, message}}` as a D2vError, whatever the body turns out to be. */
export async function errorFromResponse(res: Response): Promise<D2vError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code : codeForStatus(res.status);
    const message = typeof body.error?.message === 'string' && body.error.message ? body.error.message : messageFor(code);
    return new D2vError(code, message, res.status);
  } catch {
    const code = codeForStatus(res.status);
    return new D2vError(code, messageFor(code), res.status);
  }
}

/** fetch that rejects with NETWORK when the server cannot be reached and with the answer's error when it refuses. */
export async function fetchOk(fetchImpl: typeof fetch, url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url, init);
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new D2vError('NETWORK');
  }
  if (!res.ok) throw await errorFromResponse(res);
  return res;
}

export async function readJson<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new D2vError('BAD_RESPONSE');
  }
}

/** A playback route's `/link` answer as a MediaSource (a signed URL a media element loads by itself). */
export function mediaFromLink(answer: { url?: unknown; expiresAt?: unknown }, file: MediaFile): MediaSource {
  if (typeof answer.url !== 'string' || typeof answer.expiresAt !== 'string') throw new D2vError('BAD_RESPONSE');
  return { url: answer.url, contentType: file === 'video' ? 'video/mp4' : 'image/jpeg', expiresAt: answer.expiresAt };
}
