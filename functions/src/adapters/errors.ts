/**
 * Error-code plumbing shared by the adapters. Google client libraries report failures as errors with a
 * numeric gRPC `code` (Firestore, Pub/Sub), an HTTP `code`/`status` (Storage's JSON API), or — in
 * firebase-admin — a string `code` like `functions/task-already-exists`. These functions read all three.
 */
import { AlreadyExistsError, NotFoundError } from '@d2v/core';

/** gRPC status codes we act on (google.rpc.Code). */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

export type ErrorClass = 'already-exists' | 'not-found' | 'other';

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** Classifies an error from Firestore, Storage, Cloud Tasks (firebase-admin) or Pub/Sub. */
export function classifyGoogleError(err: unknown): ErrorClass {
  const code = field(err, 'code');
  const status = field(err, 'status');
  const httpStatus = field(field(err, 'response'), 'status');
  const errorInfoCode = field(field(err, 'errorInfo'), 'code');
  const codes = [code, status, httpStatus, errorInfoCode];
  for (const c of codes) {
    if (c === GrpcStatus.ALREADY_EXISTS || c === 409) return 'already-exists';
    if (c === GrpcStatus.NOT_FOUND || c === 404) return 'not-found';
    if (typeof c === 'string') {
      const s = c.toLowerCase().replace(/_/g, '-');
      if (s === 'already-exists' || s.endsWith('/already-exists') || s.endsWith('task-already-exists')) return 'already-exists';
      if (s === 'not-found' || s.endsWith('/not-found') || s.endsWith('task-not-found')) return 'not-found';
    }
  }
  return 'other';
}

const DOC_PATH_IN_MESSAGE = /documents\/([^\s"']+)/;

/** The document path a Firestore error message names (`…/documents/users/u1/x/y`), if any. */
export function documentPathFromMessage(message: string): string | undefined {
  const m = DOC_PATH_IN_MESSAGE.exec(message);
  return m ? m[1] : undefined;
}

/**
 * A Firestore failure → the port's error classes: ALREADY_EXISTS (create on an existing doc) becomes
 * `AlreadyExistsError`, NOT_FOUND (update of a missing doc) `NotFoundError`; anything else is rethrown as is
 * (contention, unavailability: the caller's retry policy applies).
 */
export function mapFirestoreError(err: unknown, pathHint?: string): unknown {
  if (err instanceof AlreadyExistsError || err instanceof NotFoundError) return err;
  const kind = classifyGoogleError(err);
  if (kind === 'other') return err;
  const message = err instanceof Error ? err.message : String(err);
  const path = documentPathFromMessage(message) ?? pathHint ?? '(unknown)';
  return kind === 'already-exists' ? new AlreadyExistsError(path) : new NotFoundError(path);
}
