/**
 * The log entry shape Cloud Error Reporting picks up from structured logs: a `jsonPayload` typed as a
 * `ReportedErrorEvent` (`@type`), with the service that failed, the stack trace (`stack_trace` is evaluated
 * before `message`) and the place it happened (`context.reportLocation`, required by Error Reporting when there
 * is no stack). Our own fields (`requestId`, `uid`, `step`…) ride along: Error Reporting groups by the stack,
 * operators filter by the request. Reference: cloud.google.com/error-reporting/docs/formatting-error-messages.
 */
import * as z from 'zod';

export const REPORTED_ERROR_EVENT_TYPE = 'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

export const ReportLocationSchema = z.object({
  filePath: z.string().min(1),
  lineNumber: z.number().int().nonnegative(),
  functionName: z.string().min(1),
});

export const ReportedErrorLogEntrySchema = z
  .object({
    '@type': z.literal(REPORTED_ERROR_EVENT_TYPE),
    severity: z.enum(['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']),
    eventTime: z.string().datetime({ offset: true }),
    serviceContext: z.object({ service: z.string().min(1), version: z.string().min(1).optional() }),
    /** Ours, stable (the log message catalog) plus the error's own message. */
    message: z.string().min(1),
    /** V8's `error.stack`, as Error Reporting parses JavaScript. */
    stack_trace: z.string().optional(),
    context: z.object({
      httpRequest: z
        .object({
          method: z.string(),
          url: z.string(),
          userAgent: z.string(),
          referrer: z.string(),
          responseStatusCode: z.number().int(),
          remoteIp: z.string(),
        })
        .partial()
        .optional(),
      /** Error Reporting counts affected users by this: the request's owner. */
      user: z.string().optional(),
      reportLocation: ReportLocationSchema,
    }),
    requestId: z.string().optional(),
    uid: z.string().optional(),
    step: z.string().optional(),
    errorCode: z.string().optional(),
  })
  .passthrough();
export type ReportedErrorLogEntry = z.infer<typeof ReportedErrorLogEntrySchema>;
