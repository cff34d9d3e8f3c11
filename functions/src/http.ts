/**
 * Pure request/payload parsing for the HTTP and task triggers (no firebase import: loaded on cold start and
 * unit-tested directly).
 */
import type { TaskPayload } from '@d2v/core';
import { ID_RULE_TEXT, isValidId } from '@d2v/schema';

/** A refusal an HTTP function answers as `{error:{code,message}}` with `status`. */
export interface HttpRefusal {
  status: number;
  error: { code: string; message: string };
}

export type Parsed<T> = ({ ok: true } & T) | ({ ok: false } & HttpRefusal);

function refuse(status: number, code: string, message: string): { ok: false } & HttpRefusal {
  return { ok: false, status, error: { code, message } };
}

/**
 * An id from a URL (one path segment, still percent-encoded), checked with the schema's id rule before anything
 * reaches Firestore or Storage: an encoded `/`, `..` or NUL must never become a document path. For every
 * `onRequest` function that takes ids from its URL. `name` is how the sentence calls the id.
 */
export function parseId(segment: string, name = 'id'): Parsed<{ value: string }> {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    return refuse(400, 'INVALID_ID', `The ${name} in the URL is not valid percent-encoding.`);
  }
  if (!isValidId(value)) return refuse(400, 'INVALID_ID', `The ${name} in the URL is not valid: ${ID_RULE_TEXT}.`);
  return { ok: true, value };
}

/** Path segments of a request path (query string and empty segments dropped; the function's own name too). */
export function pathSegments(path: string | undefined, functionName?: string): string[] {
  const segments = (path ?? '').split('?')[0]!.split('/').filter((s) => s !== '');
  return functionName && segments[0] === functionName ? segments.slice(1) : segments;
}

/**
 * The webhook's route: `/{uid}/{requestId}` (what the core's callbackUrl appends to the function URL).
 * Tolerates the function name still being in the path (some proxies and the raw Cloud Run URL keep it) and a
 * trailing slash. Another shape is not ours (404); the right shape with a bad id is 400 INVALID_ID.
 */
export function parseWebhookRoute(path: string | undefined, functionName = 'lumaWebhook'): Parsed<{ uid: string; requestId: string }> {
  const segments = pathSegments(path, functionName);
  if (segments.length !== 2) return refuse(404, 'NOT_FOUND', 'No such route: Luma calls back on /{uid}/{requestId}.');
  const uid = parseId(segments[0]!, 'user id');
  if (!uid.ok) return uid;
  const requestId = parseId(segments[1]!, 'request id');
  if (!requestId.ok) return requestId;
  return { ok: true, uid: uid.value, requestId: requestId.value };
}

/** The `token` query parameter as one string ('' when absent or repeated). */
export function tokenFromQuery(query: unknown): string {
  const t = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).token : undefined;
  return typeof t === 'string' ? t : '';
}

/** Keys that would reach an object's prototype if copied as properties: never copied from outside. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A task's JSON body → the core's TaskPayload, or null when it is not one (dropped: retrying cannot fix it). */
export function parseTaskPayload(data: unknown): TaskPayload | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (!isValidId(d.uid) || !isValidId(d.requestId)) return null;
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
    if (k in payload || ['uid', 'requestId', 'stage', 'attempt', ...PROTOTYPE_KEYS].includes(k)) continue;
    (payload as unknown as Record<string, unknown>)[k] = v;
  }
  return payload;
}
