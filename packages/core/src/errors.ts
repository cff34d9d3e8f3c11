import { errorInfo, type ErrorInfo } from '@d2v/schema';
import { isLumaError, type LumaError } from '@d2v/luma';

// One error class for every package (it lives in @d2v/schema beside the catalog); re-exported for the core's callers.
export { PipelineError, errorInfo } from '@d2v/schema';

/** A Luma API error the request cannot recover from by waiting (retryable ones are retried by the queue). */
export function errorInfoFromLuma(e: LumaError): ErrorInfo {
  switch (e.kind) {
    case 'auth':
      return errorInfo('LUMA_AUTH', undefined, e.detail);
    case 'no_credits':
      return errorInfo('LUMA_NO_CREDITS', undefined, e.detail);
    case 'bad_request':
    case 'not_found':
    case 'invalid_response':
      return errorInfo('LUMA_REJECTED', `Luma refused the request: ${e.detail ?? e.message}`, e.detail);
    default:
      return errorInfo('LUMA_UNAVAILABLE', undefined, e.detail ?? e.message);
  }
}

const MODERATION_REASONS = /moderation|blacklisted/i;
const INPUT_FRAME_REASONS = /user input frames/i;

/** Luma's `failure_reason` of a failed generation → our error code. */
export function errorInfoFromFailureReason(reason: string | null | undefined): ErrorInfo {
  const detail = reason ?? 'no reason given';
  if (MODERATION_REASONS.test(detail)) return errorInfo('LUMA_MODERATION', undefined, detail);
  if (INPUT_FRAME_REASONS.test(detail))
    return errorInfo('IMAGE_INVALID', 'Luma could not read the draft’s images.', detail, false);
  return errorInfo('LUMA_GENERATION_FAILED', `Luma could not make this video: ${detail}.`, detail);
}

/** Luma could not fetch the images it was given (unreadable files, or URLs that expired or did not answer). */
export function isInputFramesFailure(reason: string | null | undefined): boolean {
  return INPUT_FRAME_REASONS.test(reason ?? '');
}

export function isRetryableLumaError(e: unknown): e is LumaError {
  return isLumaError(e) && e.retryable;
}

/**
 * A failure of the media work itself (ffmpeg, ffprobe, validation, decryption), as opposed to a store or the
 * network: only these say something about the video. Matched by name: the core does not import @d2v/media.
 */
export function isMediaFailure(e: unknown): boolean {
  return e instanceof Error && (['FfmpegError', 'MediaError', 'DecryptError'].includes(e.name) || isMediaValidationError(e));
}

/** Shape of errors thrown by @d2v/media's validator (matched structurally: the core does not import media). */
export function isMediaValidationError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code.startsWith('MEDIA_');
}
