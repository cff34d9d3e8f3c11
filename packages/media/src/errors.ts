/**
 * MediaError: a video was refused or could not be processed, with a specific code from @d2v/schema's
 * ERROR_CATALOG (which says whether retrying can help) and a sentence naming the limit and the value.
 */
import { ERROR_CATALOG, type ErrorCode } from '@d2v/schema';

export type MediaErrorCode = Extract<ErrorCode, `MEDIA_${string}`>;

export interface MediaErrorDetails {
  /** The configured limit that was broken, in the unit of `actual`. */
  limit?: unknown;
  /** What the file has. */
  actual?: unknown;
  cause?: unknown;
}

export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;
  readonly retryable: boolean;
  readonly limit?: unknown;
  readonly actual?: unknown;

  constructor(code: MediaErrorCode, message: string, details: MediaErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = ERROR_CATALOG[code].retryable;
    this.limit = details.limit;
    this.actual = details.actual;
  }
}

export function isMediaError(err: unknown): err is MediaError {
  return err instanceof MediaError;
}
