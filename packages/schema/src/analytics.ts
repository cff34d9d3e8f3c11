/**
 * Analytics events: one typed event per moment a person or an operator cares about, published on Pub/Sub in
 * Firebase (and exported from there to BigQuery) and to the event table locally. The shape is flat on purpose —
 * one column per field in BigQuery, ISO 8601 timestamps, no nested objects but the small `attrs` escape hatch —
 * and versioned: consumers read `schemaVersion` (events from before the field existed are version 1).
 */
import * as z from 'zod';
import { VIDEO_STATES } from './states';

/** Bump when a field changes meaning; adding an optional field does not need a bump. */
export const ANALYTICS_SCHEMA_VERSION = 2;

export const ANALYTICS_EVENT_TYPES = [
  /** A request document was initialized (transition 0: `to` is `pending`, or `failed` for invalid client fields). */
  'request_created',
  /** Every later transition (`n` ≥ 1); `durationMs` is the time spent in `from`, `totalMs` the time since creation. */
  'transition',
  /** A client action (save/post/delete/retry) and its result (`ok`, `errorCode`). */
  'action',
  /** One call to Luma: `lumaOp`, `outcome` (`ok` or the error kind), `httpStatus`, latency in `durationMs`. */
  'luma_call',
  /** A result was served from the cache instead of a new generation. */
  'cache_hit',
  /** A request refused by a quota (`reason`), before anything was billed. */
  'quota_refused',
  /** The credits ledger recorded a billed Luma generation (`creditsCents`, `generationId`): once per generation. */
  'credits_charged',
  /** Luma refunded a failed generation (`creditsCents`, `generationId`): once per generation. */
  'credits_refunded',
  /** A request cancelled by its owner. */
  'cancel',
  /** A video started playing: `durationMs` is the time to its first byte (time to first frame). */
  'playback_start',
  /** A video was downloaded to a device (`bytes`). */
  'download',
  /** The Luma credit balance as read by the sweeper (`balanceCents`). */
  'credits_balance',
  /** An operations threshold was crossed (`alert`, `value`, `threshold`); published once per crossing. */
  'alert',
  /** The condition behind an alert is over. */
  'alert_cleared',
  /** An unexpected error (a bug or an infrastructure failure), also written to the log for Error Reporting. */
  'error',
] as const;
export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];

/** What a Luma call was (the LumaApi method). */
export const LUMA_OPS = ['create_video', 'create_image', 'upscale', 'add_audio', 'modify_video', 'reframe_video', 'reframe_image', 'get', 'list', 'delete', 'credits', 'ping'] as const;
export type LumaOp = (typeof LUMA_OPS)[number];

/** Scalars only: every `attrs` value is one BigQuery cell. */
const AttrValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const AnalyticsEventSchema = z.object({
  schemaVersion: z.number().int().positive().default(1),
  eventId: z.string().min(1),
  type: z.enum(ANALYTICS_EVENT_TYPES),
  at: z.string().datetime({ offset: true }),
  uid: z.string().optional(),
  requestId: z.string().optional(),
  /** Set on the shots of a multi-shot video. */
  parentRequestId: z.string().optional(),
  /** Transition: states and position in the transition log. */
  from: z.enum(VIDEO_STATES).nullable().optional(),
  to: z.enum(VIDEO_STATES).optional(),
  n: z.number().int().nonnegative().optional(),
  /** The pipeline step that published it (`submit`, `poll`, `process`, …) and its delivery attempt. */
  step: z.string().optional(),
  attempt: z.number().int().nonnegative().optional(),
  /** The Luma model the request uses (`ray-2`, `ray-flash-2`, `photon-1`…). */
  model: z.string().optional(),
  action: z.string().optional(),
  ok: z.boolean().optional(),
  errorCode: z.string().optional(),
  /** Luma call. */
  lumaOp: z.enum(LUMA_OPS).optional(),
  outcome: z.string().optional(),
  httpStatus: z.number().int().optional(),
  generationId: z.string().optional(),
  /** Latency of what the event describes (ms). */
  durationMs: z.number().nonnegative().optional(),
  /** Since the request was created (ms). */
  totalMs: z.number().nonnegative().optional(),
  /** Luma credit estimate in USD cents for a billed create. */
  creditsCents: z.number().optional(),
  balanceCents: z.number().optional(),
  bytes: z.number().nonnegative().optional(),
  /** Quota refusals: which quota. Alerts: which alert, the measured value and the threshold. */
  reason: z.string().optional(),
  alert: z.string().optional(),
  value: z.number().optional(),
  threshold: z.number().optional(),
  attrs: z.record(z.string(), AttrValue).optional(),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEventSchema>;
/** What a publisher fills in (id, time and version are stamped by `publishEvent`). */
export type AnalyticsEventInput = Omit<AnalyticsEvent, 'eventId' | 'at' | 'schemaVersion'>;

/**
 * Failure codes that mean something is wrong on our side or with our account (credentials, a bug, our own
 * media code): a request ending with one of them is reported like an unexpected error (paged). Every other
 * code — moderation, invalid drafts, Luma failing a generation, timeouts — is an expected outcome: counted in
 * the statistics, never paged.
 */
export const UNEXPECTED_FAILURE_CODES: readonly string[] = ['INTERNAL', 'LUMA_AUTH', 'MEDIA_PROCESSING_FAILED'];

export function isUnexpectedFailure(code: string | undefined): boolean {
  return code !== undefined && UNEXPECTED_FAILURE_CODES.includes(code);
}
