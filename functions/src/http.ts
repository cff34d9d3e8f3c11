/**
 * Pure request/payload parsing for the HTTP and task triggers (no firebase import: loaded on cold start and
 * unit-tested directly).
 */
import type { TaskPayload } from '@d2v/core';

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The webhook's route: `/{uid}/{requestId}` (what the core's callbackUrl appends to the function URL).
 * Tolerates the function name still being in the path (some proxies and the raw Cloud Run URL keep it) and a
 * trailing slash. Anything else is not ours: null.
 */
export function parseWebhookRoute(path: string | undefined, functionName = 'lumaWebhook'): { uid: string; requestId: string } | null {
  if (!path) return null;
  const clean = path.split('?')[0]!;
  let segments = clean.split('/').filter((s) => s !== '');
  if (segments.length === 3 && segments[0] === functionName) segments = segments.slice(1);
  if (segments.length !== 2) return null;
  const uid = decode(segments[0]!);
  const requestId = decode(segments[1]!);
  if (!uid || !requestId || !ID_RE.test(uid) || !ID_RE.test(requestId)) return null;
  return { uid, requestId };
}

/** The `token` query parameter as one string ('' when absent or repeated). */
export function tokenFromQuery(query: unknown): string {
  const t = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).token : undefined;
  return typeof t === 'string' ? t : '';
}

/** A task's JSON body → the core's TaskPayload, or null when it is not one (dropped: retrying cannot fix it). */
export function parseTaskPayload(data: unknown): TaskPayload | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.uid !== 'string' || !ID_RE.test(d.uid)) return null;
  if (typeof d.requestId !== 'string' || !ID_RE.test(d.requestId)) return null;
  const payload: TaskPayload = { uid: d.uid, requestId: d.requestId };
  if (d.stage !== undefined) {
    if (d.stage !== 'keyframe' && d.stage !== 'video') return null;
    payload.stage = d.stage;
  }
  if (d.attempt !== undefined) {
    if (typeof d.attempt !== 'number' || !Number.isInteger(d.attempt) || d.attempt < 0) return null;
    payload.attempt = d.attempt;
  }
  // Pass through anything else the core put in its payload (it owns the shape).
  for (const [k, v] of Object.entries(d)) {
    if (!(k in payload) && !['uid', 'requestId', 'stage', 'attempt'].includes(k)) (payload as unknown as Record<string, unknown>)[k] = v;
  }
  return payload;
}
