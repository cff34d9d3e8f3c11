/**
 * Ids from URLs are checked at the edge, before anything reaches the document store or the blob store: a request id
 * holding an encoded `/`, `..` or NUL would otherwise become a document path. Every route that takes an id uses
 * `idParam` (registered with `router.param` / `app.param` for each id parameter name), so a new route with an `:id`,
 * `:uid`, `:requestId`, `:postId` or `:scriptId` parameter is covered by naming it. Refusals are
 * `400 {error:{code:'INVALID_ID', message}}`; the hostile value is never echoed back.
 */
import type { NextFunction, Request, Response } from 'express';
import { ID_RULE_TEXT, IdSchema } from '@d2v/schema';
import { ApiError } from './client-api';

export const INVALID_ID = 'INVALID_ID';

/** The id parameter names the routes use, and how a person calls each in a sentence. */
export const ID_PARAMS: Readonly<Record<string, string>> = {
  id: 'id',
  uid: 'user id',
  requestId: 'request id',
  postId: 'post id',
  scriptId: 'script id',
  draftId: 'draft id',
};



/** The value as a valid id, or an ApiError(400, INVALID_ID) naming which id is wrong. */
export function checkId(value: unknown, name = 'id'): string {
  const parsed = IdSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ApiError(400, INVALID_ID, `The ${ID_PARAMS[name] ?? name} in the URL is not valid: ${ID_RULE_TEXT}.`);
}

/** Express param handler: `router.param('id', idParam)`. */
export function idParam(_req: Request, _res: Response, next: NextFunction, value: unknown, name: string): void {
  try {
    checkId(value, name);
    next();
  } catch (e) {
    next(e);
  }
}

/** Registers `idParam` for every id parameter name on an app or router. */
export function validateIdParams(router: { param(name: string, handler: typeof idParam): unknown }): void {
  for (const name of Object.keys(ID_PARAMS)) router.param(name, idParam);
}

/** A blob path segment: an id, or a file name (an id with dot-separated extensions), never `.` or `..`. */
const BLOB_SEGMENT_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const MAX_BLOB_SEGMENTS = 16;

/** The segments of a `/blobs/*path` URL (already decoded) as a store path, or an ApiError(400, INVALID_ID). */
export function checkBlobPath(segments: unknown): string {
  const parts = ([] as unknown[]).concat(segments);
  const ok =
    parts.length > 0 &&
    parts.length <= MAX_BLOB_SEGMENTS &&
    parts.every((p) => typeof p === 'string' && BLOB_SEGMENT_RE.test(p) && !p.includes('..'));
  if (!ok) {
    throw new ApiError(400, INVALID_ID, 'The file path in the URL is not valid: each part is a name of letters, digits, "_", "-" or "." (no "..").');
  }
  return (parts as string[]).join('/');
}

/** Express reports an undecodable `%` sequence in a path parameter as a URIError with status 400. */
export function isUndecodableParam(err: unknown): boolean {
  return err instanceof URIError && (err as { status?: unknown }).status === 400;
}

export const UNDECODABLE_PARAM_MESSAGE = 'The URL holds an id that is not valid percent-encoding.';
