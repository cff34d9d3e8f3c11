/**
 * Turns what came back from Luma (an HTTP answer or a transport failure) into a LumaError that says, in a
 * sentence, what went wrong and whether trying again can help. Pure functions: no I/O, no clock except `now`.
 */
import { LumaError, type LumaErrorKind } from './errors';

/** Longest detail we quote in a message; HTML error pages from a proxy can be kilobytes long. */
const MAX_DETAIL_CHARS = 300;

export interface HttpAnswer {
  status: number;
  /** The raw body text (we never let axios parse it, so non-JSON bodies arrive intact). */
  bodyText: string;
  /** Lower-cased header names, as Node delivers them. */
  headers: Record<string, unknown>;
}

export interface RequestLabel {
  method: string;
  path: string;
}

/**
 * Luma's `detail` flattened to one readable string. Handles `{"detail":"..."}`, FastAPI's
 * `{"detail":[{loc,msg,type}]}` (→ "body.prompt: field required; body.model: …"), a few other common error
 * shapes, and non-JSON bodies (a tag-stripped, shortened snippet). Undefined when the body says nothing.
 */
export function extractLumaDetail(bodyText: string): string | undefined {
  const trimmed = bodyText.trim();
  if (trimmed === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    const text = shorten(stripMarkup(trimmed));
    return text === '' ? undefined : text;
  }
  if (isRecord(parsed)) {
    for (const key of ['detail', 'message', 'error'] as const) {
      const flattened = flattenDetailValue(parsed[key]);
      if (flattened !== undefined) return shorten(flattened);
    }
    if (Object.keys(parsed).length === 0) return undefined;
  }
  const flattened = flattenDetailValue(parsed);
  return flattened === undefined ? undefined : shorten(flattened);
}

function flattenDetailValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(flattenValidationItem).filter((p): p is string => p !== undefined);
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
  if (isRecord(value)) {
    // A single FastAPI item, or something like {"error": {"message": "..."}}.
    if ('msg' in value || 'loc' in value) return flattenValidationItem(value);
    if (typeof value.message === 'string') return value.message;
    return JSON.stringify(value);
  }
  return undefined;
}

/** One FastAPI validation item `{loc:["body","prompt"], msg:"field required"}` → "body.prompt: field required". */
function flattenValidationItem(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (!isRecord(item)) return item === undefined || item === null ? undefined : JSON.stringify(item);
  const location = Array.isArray(item.loc) ? item.loc.map(String).join('.') : typeof item.loc === 'string' ? item.loc : '';
  const message = typeof item.msg === 'string' ? item.msg : typeof item.message === 'string' ? item.message : undefined;
  if (message === undefined) return JSON.stringify(item);
  return location === '' ? message : `${location}: ${message}`;
}

/**
 * How long Luma asked us to wait, in ms. `retry-after-ms` (ms, non-standard but sent by Luma's stack) wins over
 * `Retry-After`, which is either delta-seconds or an HTTP-date. Undefined when absent or unparseable.
 */
export function parseRetryAfterMs(headers: Record<string, unknown>, now: number = Date.now()): number | undefined {
  const milliseconds = headerValue(headers, 'retry-after-ms');
  if (milliseconds !== undefined) {
    const ms = Number(milliseconds);
    if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  }
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Case-insensitive header lookup: Node lower-cases names, but a hand-built header object may not. */
function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  if (value === undefined || value === null) return undefined;
  return String(value);
}

/** A detail that talks about credits: Luma's status for "insufficient credits" is undocumented. */
const CREDITS_PATTERN = /credit/i;

/** HTTP status (plus detail) → kind and whether a retry can help. Mirrors the Luma SDK's own mapping. */
export function classifyStatus(status: number, detail: string | undefined): { kind: LumaErrorKind; retryable: boolean } {
  if (status === 402) return { kind: 'no_credits', retryable: false };
  if (status === 400 || status === 422) {
    return detail !== undefined && CREDITS_PATTERN.test(detail)
      ? { kind: 'no_credits', retryable: false }
      : { kind: 'bad_request', retryable: false };
  }
  if (status === 401 || status === 403) return { kind: 'auth', retryable: false };
  if (status === 404) return { kind: 'not_found', retryable: false };
  if (status === 408) return { kind: 'timeout', retryable: true };
  if (status === 409) return { kind: 'conflict', retryable: true };
  if (status === 429) return { kind: 'rate_limited', retryable: true };
  if (status >= 500) return { kind: 'server', retryable: true };
  if (status >= 400) return { kind: 'bad_request', retryable: false };
  // 1xx/3xx reaching us means something between us and Luma is misbehaving; nothing we can parse.
  return { kind: 'invalid_response', retryable: false };
}

function headlineFor(kind: LumaErrorKind, label: RequestLabel): string {
  switch (kind) {
    case 'bad_request':
      return 'Luma refused the request';
    case 'no_credits':
      return 'Luma refused the request because the account is out of credits';
    case 'auth':
      return 'Luma rejected our API key';
    case 'not_found':
      return `Luma found nothing at ${label.method} ${label.path}`;
    case 'conflict':
      return 'Luma reported a conflict';
    case 'rate_limited':
      return 'Luma is rate-limiting us';
    case 'timeout':
      return 'Luma timed out handling the request';
    case 'server':
      return 'Luma had a server error';
    case 'network':
      return 'Could not reach Luma';
    case 'invalid_response':
      return `Luma answered ${label.method} ${label.path} with an unexpected status`;
  }
}

/** A non-2xx HTTP answer → LumaError, e.g. "Luma refused the request (400): Prompt is too short, …". */
export function lumaErrorFromHttpAnswer(answer: HttpAnswer, label: RequestLabel, now: number = Date.now()): LumaError {
  const detail = extractLumaDetail(answer.bodyText);
  const { kind, retryable } = classifyStatus(answer.status, detail);
  const retryAfterMs = parseRetryAfterMs(answer.headers, now);
  const reason = detail === undefined ? ' and gave no detail' : `: ${detail}`;
  const wait = retryAfterMs === undefined ? '' : ` (Luma asks us to wait ${formatDuration(retryAfterMs)})`;
  const message = `${headlineFor(kind, label)} (${answer.status})${reason}${wait}`;
  return new LumaError(kind, message, { status: answer.status, detail, retryable, retryAfterMs });
}

/** Node/axios error codes that mean the connection failed or broke: safe to retry an idempotent call. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ECONNABORTED',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

export interface TransportFailure {
  /** Node/axios error code, e.g. ECONNREFUSED. */
  code: string | undefined;
  /** The library's message, already scrubbed of secrets by the caller. */
  message: string;
  /** Our own deadline fired (or axios reported a timeout). */
  timedOut: boolean;
  timeoutMs: number;
  /** True for creates: a timeout there does not mean nothing was billed. */
  billedCall: boolean;
  /** Sanitised cause to attach (never the raw axios error: its config carries the Authorization header). */
  cause: unknown;
}

/** No HTTP answer at all (timeout, refused, reset, DNS) → LumaError. */
export function lumaErrorFromTransportFailure(failure: TransportFailure, label: RequestLabel, baseUrl: string): LumaError {
  if (failure.timedOut) {
    const maybeBilled = failure.billedCall ? '; the generation may still have been created and billed' : '';
    return new LumaError(
      'timeout',
      `Luma did not answer ${label.method} ${label.path} within ${failure.timeoutMs} ms${maybeBilled}`,
      { retryable: true, cause: failure.cause },
    );
  }
  const code = failure.code ?? 'unknown error';
  const retryable = failure.code !== undefined && RETRYABLE_NETWORK_CODES.has(failure.code);
  return new LumaError('network', `Could not reach Luma at ${baseUrl} (${code}): ${failure.message}`, {
    retryable,
    cause: failure.cause,
  });
}

/** A 2xx answer whose body does not match the documented shape. */
export function invalidResponseError(label: RequestLabel, status: number, problem: string, cause?: unknown): LumaError {
  return new LumaError(
    'invalid_response',
    `Luma answered ${label.method} ${label.path} (${status}) with a body we do not understand: ${shorten(problem)}`,
    { status, retryable: false, cause },
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function stripMarkup(text: string): string {
  return text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_DETAIL_CHARS ? oneLine : `${oneLine.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
