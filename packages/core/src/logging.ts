/**
 * The logger both runtimes use: pino writing one JSON object per line, shaped for Cloud Logging's structured
 * logs — `severity` (not pino's numeric `level`), `message`, `time` — with secrets redacted and errors shaped so
 * that Error Reporting picks them up (`stack_trace` on the entry). Every line also carries the request context
 * of the handler that wrote it (`requestId`, `uid`, `state`, `step`, `attempt`; see context.ts), so one filter
 * on `jsonPayload.requestId` finds a request's whole story. It satisfies the core's `Logger` port as is.
 * Functions write to stdout; the local CLI to a file in its data dir.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { logContextFields } from './context';
import type { Logger } from './ports';

/** Cloud Logging's LogSeverity for each pino level. */
export const SEVERITY_BY_LEVEL: Readonly<Record<string, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export function severityFor(level: string): string {
  return SEVERITY_BY_LEVEL[level] ?? 'DEFAULT';
}

export const REDACTED = '[REDACTED]';

/**
 * Field paths that may carry a secret. pino's redaction is path-based (no deep wildcards), so the usual
 * shapes are listed: the Luma key, the webhook signing secret and token, the key-encryption key, HTTP auth.
 */
export const REDACT_PATHS: readonly string[] = [
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'kek',
  '*.kek',
  'dataKey',
  '*.dataKey',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
  'query.token',
  '*.query.token',
  'LUMAAI_API_KEY',
  'LUMA_WEBHOOK_SECRET',
  'VIDEO_KEK',
  'config.webhookSecret',
];

const SECRET_QUERY_RE = /([?&](?:token|key|api_key|X-Goog-Signature|X-Goog-Credential)=)[^&#\s"]+/gi;

/** Removes credentials from URLs (the webhook's `?token=`, a signed URL's signature). */
export function scrubUrl(value: string): string {
  return value.replace(SECRET_QUERY_RE, `$1${REDACTED}`);
}

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { type: err.name, message: scrubUrl(err.message) };
  if (err.stack) out.stack = scrubUrl(err.stack);
  const extra = err as Error & { code?: unknown; kind?: unknown; status?: unknown };
  if (extra.code !== undefined) out.code = extra.code;
  if (extra.kind !== undefined) out.kind = extra.kind;
  if (extra.status !== undefined) out.status = extra.status;
  return out;
}

/** What pino's `formatters.log` does to every entry's fields (exported for the unit tests). */
export function formatLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'string' ? scrubUrl(value) : value;
  }
  // Error Reporting groups entries that carry a stack trace in `stack_trace` (or in the message).
  const err = fields.err instanceof Error ? fields.err : fields.error instanceof Error ? fields.error : undefined;
  if (err?.stack) out.stack_trace = scrubUrl(err.stack);
  return out;
}

export interface CreateLoggerOptions {
  level?: string;
  /** Fields on every entry (e.g. `{service: 'draft2video', function: K_SERVICE}`). */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default (Cloud Logging reads it). Tests pass a stream. */
  destination?: DestinationStream;
}

export function createPinoLogger(opts: CreateLoggerOptions = {}): PinoLogger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      messageKey: 'message',
      errorKey: 'err',
      base: opts.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      serializers: { err: serializeError, error: serializeError },
      // Fields bound by a child logger win: the context only fills in what the line does not say itself.
      mixin: (_fields, _level, logger) => logContextFields((logger as unknown as PinoLogger).bindings()),
      formatters: {
        level: (label) => ({ severity: severityFor(label) }),
        log: formatLogFields,
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The same logger typed as the core's port (pino's signature is a superset of it). */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  return createPinoLogger(opts) as unknown as Logger;
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
