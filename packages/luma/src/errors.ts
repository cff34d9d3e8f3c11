/**
 * Every failure of a Luma call becomes a LumaError that says whether trying again can help.
 * Retryable: 408/409/429/5xx, timeouts, connection errors. Permanent: 400/401/403/404/422, no credits.
 */
export type LumaErrorKind =
  | 'bad_request' // 400/422: Luma's validation refused the body
  | 'auth' // 401/403
  | 'not_found' // 404
  | 'no_credits' // 402, or a 400 whose detail mentions credits
  | 'rate_limited' // 429
  | 'conflict' // 409
  | 'server' // >= 500
  | 'timeout' // no answer in time
  | 'network' // connection refused / reset / DNS
  | 'invalid_response'; // an answer that does not match the documented shape

export class LumaError extends Error {
  override readonly name = 'LumaError';
  constructor(
    readonly kind: LumaErrorKind,
    message: string,
    readonly opts: {
      status?: number;
      /** Luma's own `detail`, flattened to one string. */
      detail?: string;
      retryable: boolean;
      /** From Retry-After / retry-after-ms, when Luma sent one. */
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.opts.retryable;
  }
  get status(): number | undefined {
    return this.opts.status;
  }
  get detail(): string | undefined {
    return this.opts.detail;
  }
  get retryAfterMs(): number | undefined {
    return this.opts.retryAfterMs;
  }
}

export function isLumaError(e: unknown): e is LumaError {
  return e instanceof LumaError;
}
