import { ERROR_CATALOG, type ErrorCode } from '@d2v/schema';

/**
 * Codes the client API answers with (packages/local/src/server.ts and client-api.ts, the README's "Status
 * codes") and the SDK's own, next to the pipeline's catalog (`ERROR_CATALOG`), each with a sentence for a person.
 */
export const API_ERROR_CATALOG = {
  BAD_JSON: 'The body is not valid JSON.',
  BAD_REQUEST: 'The request could not be read.',
  INVALID_ACTION: 'The action is not valid.',
  INVALID_ID: 'That id is not valid.',
  INVALID_CURSOR: 'The list cannot continue from there; start again from the top.',
  INVALID_LIMIT: 'That page size is not possible.',
  RANGE_NOT_SATISFIABLE: 'That part of the file does not exist.',
  METHOD_NOT_ALLOWED: 'That request is not possible here.',
  VIDEO_DAMAGED: 'The stored video is damaged and cannot be played.',
  UNAUTHENTICATED: 'Sign in first.',
  FORBIDDEN: 'You may not do that.',
  NOT_FOUND: 'That does not exist.',
  NOT_READY: 'The video is not ready yet.',
  DELETED: 'This video was deleted.',
  CANCELLED: 'This video was cancelled before it was finished.',
  TOO_LARGE: 'That is too large.',
  ALREADY_EXISTS: 'That already exists.',
  UNSUPPORTED: 'This transport cannot do that.',
  NETWORK: 'The server could not be reached; check the connection and try again.',
  BAD_RESPONSE: 'The server answered something this client does not understand.',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CATALOG;
export type D2vErrorCode = ErrorCode | ApiErrorCode;

export function isKnownCode(code: string): code is D2vErrorCode {
  return code in ERROR_CATALOG || code in API_ERROR_CATALOG;
}

/** The sentence for a code: the catalog's, else a generic one. */
export function messageFor(code: string): string {
  if (code in ERROR_CATALOG) return ERROR_CATALOG[code as ErrorCode].message;
  if (code in API_ERROR_CATALOG) return API_ERROR_CATALOG[code as ApiErrorCode];
  return 'Something went wrong.';
}

/** Every SDK failure: `code` from the catalogs above, `message` a sentence a person can read. */
export class D2vError extends Error {
  override readonly name = 'D2vError';
  constructor(
    readonly code: D2vErrorCode | (string & {}),
    message: string = messageFor(code),
    /** HTTP status when the local API answered; absent for Firebase and network errors. */
    readonly status?: number,
  ) {
    super(message || messageFor(code));
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Firebase's error codes (`permission-denied`, `storage/unauthorized`…) as ours. */
export function fromFirebaseError(e: unknown): D2vError {
  if (e instanceof D2vError) return e;
  const code = String((e as { code?: unknown })?.code ?? '');
  const kind = code.replace(/^(firestore|storage|functions|auth)\//, '');
  const mapped: Record<string, ApiErrorCode> = {
    'permission-denied': 'FORBIDDEN',
    unauthorized: 'FORBIDDEN',
    unauthenticated: 'UNAUTHENTICATED',
    'not-found': 'NOT_FOUND',
    'object-not-found': 'NOT_FOUND',
    'already-exists': 'ALREADY_EXISTS',
    'invalid-argument': 'BAD_REQUEST',
    'failed-precondition': 'NOT_READY',
    'network-request-failed': 'NETWORK',
    'user-token-expired': 'UNAUTHENTICATED',
    unavailable: 'NETWORK',
    'deadline-exceeded': 'NETWORK',
    'retry-limit-exceeded': 'NETWORK',
    'quota-exceeded': 'TOO_LARGE',
  };
  const ours = mapped[kind];
  if (ours) return new D2vError(ours, messageFor(ours));
  return new D2vError('INTERNAL', ERROR_CATALOG.INTERNAL.message);
}
