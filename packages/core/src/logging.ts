import pino from 'pino';
import type { Logger, LogFields } from './ports';

/** Paths pino blanks out wherever they appear: secrets must never reach a log line. */
export const REDACTED_PATHS = [
  'apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization',
  'secret', '*.secret', 'webhookSecret', '*.webhookSecret', 'kek', '*.kek', 'wrappedKey', '*.wrappedKey',
  'callback_url', '*.callback_url',
];

/** Cloud Logging reads `severity`; pino's numeric levels map onto its names. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL',
};

export function severityOf(label: string): string {
  return SEVERITY[label] ?? 'DEFAULT';
}

/**
 * JSON logs shaped for Cloud Logging / Error Reporting (`severity`, `message`, `err.stack`), used by both
 * runtimes. `destination` is a pino destination (stdout in Functions, a file in the local CLI).
 */
export function createLogger(opts: { level?: string; destination?: pino.DestinationStream; base?: LogFields } = {}): Logger {
  const instance = pino(
    {
      level: opts.level ?? 'info',
      messageKey: 'message',
      base: opts.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ severity: severityOf(label) }) },
    },
    opts.destination,
  );
  return wrap(instance);
}

function wrap(instance: pino.Logger): Logger {
  return {
    debug: (fields, message) => instance.debug(fields, message),
    info: (fields, message) => instance.info(fields, message),
    warn: (fields, message) => instance.warn(fields, message),
    error: (fields, message) => instance.error(fields, message),
    child: (fields) => wrap(instance.child(fields)),
  };
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
