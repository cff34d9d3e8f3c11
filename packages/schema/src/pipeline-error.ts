import { ERROR_CATALOG, type ErrorCode } from './errors';
import type { ErrorInfo } from './models';

/**
 * A permanent, explainable problem with one request: ends it as `failed` with this code. It lives beside the
 * catalog (not in the core) so the prompt builder (@d2v/prompt) throws the very class the core catches: one
 * class, so `instanceof` holds in every package.
 */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly detail?: string,
    readonly retryable: boolean = ERROR_CATALOG[code].retryable,
  ) {
    super(message ?? ERROR_CATALOG[code].message);
  }
  toInfo(): ErrorInfo {
    return errorInfo(this.code, this.message, this.detail, this.retryable);
  }
}

export function errorInfo(code: ErrorCode, message?: string, detail?: string, retryable?: boolean): ErrorInfo {
  const info: ErrorInfo = {
    code,
    // Codes from the media validator may be finer than the catalog; unknown ones are permanent.
    message: message ?? ERROR_CATALOG[code]?.message ?? 'The request failed.',
    retryable: retryable ?? ERROR_CATALOG[code]?.retryable ?? false,
  };
  if (detail !== undefined) info.detail = detail;
  return info;
}
