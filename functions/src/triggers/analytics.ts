/**
 * Pub/Sub analytics events → counters in `stats/{day}` (see ../analytics.ts). Each event is counted once even
 * when Pub/Sub delivers it again; a malformed message is dropped (retrying cannot fix it), a failed write is
 * retried (`retry: true`). Small and I/O bound: 256 MiB, concurrency 20; maxInstances 5 keeps the contention on
 * one stats document per day low.
 */
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { AnalyticsEventSchema, type AnalyticsEvent } from '@d2v/schema';
import { REGION, analyticsTopicName } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

/**
 * A Pub/Sub message's JSON body → an analytics event, or null. Decodes the base64 `data` itself (what the wire
 * carries), falling back to the SDK's `json` getter, so it works on a Message instance and on its raw JSON.
 */
export function parseAnalyticsMessage(message: { json?: unknown; data?: unknown }): AnalyticsEvent | null {
  let body: unknown;
  try {
    body = typeof message.data === 'string' && message.data !== '' ? JSON.parse(Buffer.from(message.data, 'base64').toString('utf8')) : message.json;
  } catch {
    return null;
  }
  const parsed = AnalyticsEventSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

export const analyticsAggregator = onMessagePublished(
  {
    topic: analyticsTopicName(),
    region: REGION,
    retry: true,
    memory: '256MiB',
    cpu: 1,
    concurrency: 20,
    timeoutSeconds: 60,
    maxInstances: 5,
  },
  async (event) => {
    const log = runtimeLogger();
    const parsed = parseAnalyticsMessage(event.data.message);
    if (!parsed) {
      log.warn({ messageId: event.data.message.messageId }, logs.analyticsInvalid);
      return;
    }
    const [{ getPorts }, { applyAnalyticsEvent }] = await Promise.all([import('../pipeline'), import('@d2v/core')]);
    const result = await applyAnalyticsEvent(getPorts().store, parsed, new Date().toISOString());
    log.info({ eventId: parsed.eventId, type: parsed.type, result }, result === 'counted' ? logs.analyticsCounted : logs.analyticsDuplicate);
  },
);
