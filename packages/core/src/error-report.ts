/**
 * Unexpected errors, written the way Cloud Error Reporting reads structured logs (see
 * `@d2v/schema`'s error-report.ts): `@type` ReportedErrorEvent, `serviceContext`, the V8 stack in `stack_trace`,
 * `context.reportLocation` (file, line, function of the first frame of ours) and `context.user`, plus the
 * request it happened to. One `error` analytics event per report, so the statistics count what Error Reporting
 * pages about.
 *
 * What is unexpected: an exception escaping a handler (a bug, an infrastructure failure) other than
 * `RetryLaterError` (a step asking to be run again is normal operation), and a request failing with a code of
 * `UNEXPECTED_FAILURE_CODES` (our credentials, our media code, INTERNAL). Moderation, invalid drafts, Luma
 * failing a generation: expected outcomes, counted in the statistics and never reported here.
 */
import { REPORTED_ERROR_EVENT_TYPE, type ReportedErrorLogEntry } from '@d2v/schema';
import { publishEvent } from './analytics';
import { currentContext } from './context';
import { logs } from './logs';
import { RetryLaterError, type Ports } from './ports';

export interface ErrorReportInput {
  error: unknown;
  /** Overrides of the context's request (defaults come from the current handler). */
  uid?: string;
  requestId?: string;
  step?: string;
  errorCode?: string;
}

export interface ServiceContext {
  service: string;
  version?: string;
}

/** The fields of the log entry (the logger adds `severity`, `message` and the time); see ReportedErrorLogEntrySchema. */
export interface ErrorReportEntry {
  '@type': typeof REPORTED_ERROR_EVENT_TYPE;
  eventTime: string;
  serviceContext: ServiceContext;
  stack_trace?: string;
  context: { user?: string; reportLocation: ReportedErrorLogEntry['context']['reportLocation'] };
  requestId?: string;
  uid?: string;
  step: string;
  errorCode?: string;
  /** `Name: message` of the error (the entry's `message` is the catalog's `logs.unexpectedError`). */
  errorMessage: string;
}

/** True for what Error Reporting should see: anything thrown but a request to run again later. */
export function isUnexpectedError(e: unknown): boolean {
  if (e instanceof RetryLaterError) return false;
  return !(e instanceof Error && e.name === 'RetryLaterError');
}

const FRAME_RE = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/;
/** This module's own frames (it builds errors for reports) are never the place an error happened. */
const OWN_FRAME = /\/core\/(?:src|dist)\/error-report\.[jt]s$/;

/** The first stack frame that is ours (not node internals, not node_modules), as Error Reporting's reportLocation. */
export function reportLocationOf(stack: string | undefined, fallbackFunction: string): ReportedErrorLogEntry['context']['reportLocation'] {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = FRAME_RE.exec(line);
    if (!m) continue;
    const file = m[2]!;
    if (file.startsWith('node:') || file.includes('/node_modules/') || OWN_FRAME.test(file)) continue;
    return { filePath: shortPath(file), lineNumber: Number(m[3]), functionName: m[1]?.replace(/^async /, '') || fallbackFunction };
  }
  return { filePath: 'unknown', lineNumber: 0, functionName: fallbackFunction };
}

/** Where in the repository a frame is (`packages/core/src/steps/submit.ts`), not where this machine keeps it. */
function shortPath(file: string): string {
  const m = /(?:^|\/)((?:packages|functions)\/.+)$/.exec(file.replace(/^file:\/\//, ''));
  return m ? m[1]! : file.split('/').slice(-2).join('/');
}

/** The log entry's fields (pure, for tests and for both runtimes). */
export function errorReportEntry(input: ErrorReportInput, service: ServiceContext, nowIso: string): ErrorReportEntry {
  const context = currentContext();
  const err = input.error instanceof Error ? input.error : new Error(String(input.error));
  const step = input.step ?? context?.step ?? 'unknown';
  const uid = input.uid ?? context?.uid;
  const requestId = input.requestId ?? context?.requestId;
  return {
    '@type': REPORTED_ERROR_EVENT_TYPE,
    eventTime: nowIso,
    serviceContext: service.version ? { service: service.service, version: service.version } : { service: service.service },
    stack_trace: err.stack,
    context: { ...(uid ? { user: uid } : {}), reportLocation: reportLocationOf(err.stack, step) },
    ...(requestId ? { requestId } : {}),
    ...(uid ? { uid } : {}),
    step,
    ...(input.errorCode ? { errorCode: input.errorCode } : {}),
    errorMessage: `${err.name}: ${err.message}`,
  };
}

/** Logs the error at ERROR in Error Reporting's shape and counts it (`error` event). Never throws. */
export async function reportUnexpectedError(ports: Pick<Ports, 'log' | 'clock' | 'events' | 'config'>, input: ErrorReportInput): Promise<void> {
  try {
    const entry = errorReportEntry(input, { service: ports.config.serviceName, version: ports.config.serviceVersion || undefined }, new Date(ports.clock.now()).toISOString());
    ports.log.error({ ...entry }, logs.unexpectedError);
    await publishEvent(ports, {
      type: 'error',
      uid: entry.uid,
      requestId: entry.requestId,
      step: entry.step,
      errorCode: input.errorCode ?? 'UNEXPECTED',
      reason: entry.errorMessage.slice(0, 200),
    });
  } catch {
    // Reporting must never turn one failure into two.
  }
}
