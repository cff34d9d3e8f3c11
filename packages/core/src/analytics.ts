import { ANALYTICS_SCHEMA_VERSION, type AnalyticsEvent, type AnalyticsEventInput } from '@d2v/schema';
import { randomUUID } from 'node:crypto';
import { currentContext } from './context';
import { logs } from './logs';
import type { Ports } from './ports';

/**
 * Publishes one analytics event: stamps its id, time (unless given) and schema version, fills in the step and delivery
 * attempt (and the request, when the caller did not name one) from the current context, and drops undefined
 * fields so the event stays flat and small.
 *
 * Analytics never decide the pipeline's fate: a failed publish is logged and dropped, because the state
 * change it describes has already committed (and the transition log keeps the truth).
 */
export async function publishEvent(ports: Pick<Ports, 'events' | 'clock' | 'log'>, input: AnalyticsEventInput & { at?: string }): Promise<void> {
  const context = currentContext();
  const event: AnalyticsEvent = {
    schemaVersion: ANALYTICS_SCHEMA_VERSION,
    eventId: randomUUID(),
    // When it happened (a transition passes its own time), else now.
    at: new Date(ports.clock.now()).toISOString(),
    step: context?.step,
    attempt: context?.attempt,
    ...(input.requestId === undefined && context?.requestId ? { uid: context.uid, requestId: context.requestId } : {}),
    ...input,
  };
  for (const key of Object.keys(event) as (keyof AnalyticsEvent)[]) if (event[key] === undefined) delete event[key];
  try {
    await ports.events.publish(event);
  } catch (e) {
    ports.log.warn({ err: String(e), type: input.type, requestId: event.requestId }, logs.eventPublishFailed);
  }
}

/**
 * One call per user-visible moment that happens outside the pipeline's own steps (the playback routes, the
 * cache, quotas, cancel): callers pass what they know and never build events by hand.
 */
export interface RequestMoment {
  uid: string;
  requestId: string;
  model?: string;
}

/** A video started playing; `timeToFirstByteMs` is how long the first byte of the video took (time to first frame). */
export function publishPlaybackStart(ports: Pick<Ports, 'events' | 'clock' | 'log'>, at: RequestMoment & { timeToFirstByteMs: number; viewerUid?: string }): Promise<void> {
  return publishEvent(ports, {
    type: 'playback_start',
    uid: at.uid,
    requestId: at.requestId,
    model: at.model,
    durationMs: Math.max(0, Math.round(at.timeToFirstByteMs)),
    attrs: at.viewerUid && at.viewerUid !== at.uid ? { viewer: 'other' } : { viewer: 'owner' },
  });
}

/** A video was downloaded to a device (`bytes` sent). */
export function publishDownload(ports: Pick<Ports, 'events' | 'clock' | 'log'>, at: RequestMoment & { bytes: number; durationMs?: number }): Promise<void> {
  return publishEvent(ports, { type: 'download', uid: at.uid, requestId: at.requestId, model: at.model, bytes: at.bytes, durationMs: at.durationMs });
}

/** A request was answered from the cache (no new generation, no credits). */
export function publishCacheHit(ports: Pick<Ports, 'events' | 'clock' | 'log'>, at: RequestMoment & { sourceRequestId?: string; estimatedSavedCents?: number }): Promise<void> {
  const attrs: Record<string, string | number> = {};
  if (at.sourceRequestId) attrs.sourceRequestId = at.sourceRequestId;
  if (at.estimatedSavedCents !== undefined) attrs.estimatedSavedCents = at.estimatedSavedCents;
  return publishEvent(ports, {
    type: 'cache_hit',
    uid: at.uid,
    requestId: at.requestId,
    model: at.model,
    attrs: Object.keys(attrs).length ? attrs : undefined,
  });
}

/** A request was refused by a quota (`reason` names it, e.g. `daily_user`), before anything was billed. */
export function publishQuotaRefused(ports: Pick<Ports, 'events' | 'clock' | 'log'>, at: RequestMoment & { reason: string; errorCode?: string }): Promise<void> {
  return publishEvent(ports, { type: 'quota_refused', uid: at.uid, requestId: at.requestId, model: at.model, reason: at.reason, errorCode: at.errorCode });
}

/** A request was cancelled by its owner while `state`. */
export function publishCancel(ports: Pick<Ports, 'events' | 'clock' | 'log'>, at: RequestMoment & { from: AnalyticsEvent['from'] }): Promise<void> {
  return publishEvent(ports, { type: 'cancel', uid: at.uid, requestId: at.requestId, model: at.model, from: at.from });
}
