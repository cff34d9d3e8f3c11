/**
 * MediaError: a video was refused or could not be processed. `code` is specific; `catalogCode` is the nearest code
 * that @d2v/schema's ERROR_CATALOG knows today, so callers can always put a catalogued code on the request doc.
 */
import { ERROR_CATALOG, type ErrorCode } from '@d2v/schema';

/** The MEDIA_* codes the schema catalog already has. */
export type CatalogMediaErrorCode = Extract<ErrorCode, `MEDIA_${string}`>;

/**
 * Codes this package reports that the schema catalog does not have yet (asked for; until they are added,
 * `catalogCode` falls back to MEDIA_INVALID). Same shape as ERROR_CATALOG so the entries can be pasted in.
 */
export const MEDIA_EXTRA_ERROR_CATALOG = {
  MEDIA_EMPTY: { retryable: false, message: 'The video file is empty.' },
  MEDIA_CORRUPT: { retryable: false, message: 'The video file is damaged or incomplete and cannot be read.' },
  MEDIA_NO_VIDEO: { retryable: false, message: 'The file has no video track.' },
  MEDIA_EXTENSION_MISMATCH: { retryable: false, message: 'The file’s name says it is one kind of video but its content is another.' },
  MEDIA_BAD_PIXEL_FORMAT: { retryable: false, message: 'The video uses a pixel format we do not accept.' },
  MEDIA_TOO_MANY_STREAMS: { retryable: false, message: 'The video has more tracks than allowed.' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type ExtraMediaErrorCode = keyof typeof MEDIA_EXTRA_ERROR_CATALOG;
export type MediaErrorCode = CatalogMediaErrorCode | ExtraMediaErrorCode;

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
  /** `code` if the schema's catalog has it, else MEDIA_INVALID. */
  readonly catalogCode: ErrorCode;
  readonly retryable: boolean;
  readonly limit?: unknown;
  readonly actual?: unknown;

  constructor(code: MediaErrorCode, message: string, details: MediaErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.catalogCode = isCatalogCode(code) ? code : 'MEDIA_INVALID';
    this.retryable = isCatalogCode(code) ? ERROR_CATALOG[code].retryable : MEDIA_EXTRA_ERROR_CATALOG[code].retryable;
    this.limit = details.limit;
    this.actual = details.actual;
  }
}

function isCatalogCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code);
}

export function isMediaError(err: unknown): err is MediaError {
  return err instanceof MediaError;
}
