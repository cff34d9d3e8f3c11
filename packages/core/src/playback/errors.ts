/**
 * Why a playback or listing request is refused: an HTTP status, a code the clients switch on and a sentence a
 * person understands — answered as `{"error":{"code","message"}}` by both runtimes. Kept apart from the request
 * error catalog (@d2v/schema errors.ts), which is about why a *video request* failed, not an HTTP call.
 */
export const PLAYBACK_ERRORS = {
  INVALID_ID: 400,
  INVALID_CURSOR: 400,
  INVALID_LIMIT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_READY: 409,
  DELETED: 410,
  CANCELLED: 410,
  RANGE_NOT_SATISFIABLE: 416,
  /** The stored ciphertext failed its integrity check (or is not ours): our problem, never the caller's. */
  VIDEO_DAMAGED: 500,
} as const;

export type PlaybackErrorCode = keyof typeof PLAYBACK_ERRORS;

export class PlaybackError extends Error {
  override readonly name = 'PlaybackError';
  readonly status: number;
  constructor(
    readonly code: PlaybackErrorCode,
    message: string,
    /** Headers the refusal carries (416's `Content-Range: bytes *\/size`, 405's `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = PLAYBACK_ERRORS[code];
  }
}
