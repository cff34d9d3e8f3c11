/**
 * Pub/Sub analytics events → counters in `stats/{day}` (the counting is @d2v/core's stats.ts). Each event is
 * counted once even when Pub/Sub delivers it again; a malformed message is dropped (retrying cannot fix it), a
 * failed write is retried (`retry: true`). Small and I/O bound: 256 MiB, concurrency 20; maxInstances 5 keeps
 * the contention on one stats document per day low. The event schema (zod) and the core load with ../pipeline
 * on the first message, not on the cold start.
 */
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { REGION, analyticsTopicName } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

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
    const { applyAnalyticsEvent, getPorts, parseAnalyticsMessage } = await import('../pipeline');
    const parsed = parseAnalyticsMessage(event.data.message);
    if (!parsed) {
      log.warn({ messageId: event.data.message.messageId }, logs.analyticsInvalid);
      return;
    }
    const result = await applyAnalyticsEvent(getPorts().store, parsed, new Date().toISOString());
    log.info({ eventId: parsed.eventId, type: parsed.type, result }, result === 'counted' ? logs.analyticsCounted : logs.analyticsDuplicate);
  },
);
