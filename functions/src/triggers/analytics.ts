/**
 * Pub/Sub analytics events → the statistics buckets (`stats/{day}/buckets/{HH}-{shard}`; the counting is
 * @d2v/core's aggregation). An instance handles many messages at once (concurrency 500) and folds what arrives
 * within STATS_FLUSH_SECONDS into one batch: one write per bucket touched, whatever the number of events. Each
 * invocation returns (acknowledges its message) only once its batch committed; a failed batch fails its
 * invocations and Pub/Sub redelivers them (`retry: true`), and a redelivered event finds its id in its bucket and
 * adds nothing. A malformed message is dropped (retrying cannot fix it). At most ANALYTICS_MAX_INSTANCES
 * instances: a bucket document takes at most that many writes per flush interval. The event schema (zod) and the
 * core load with ../pipeline on the first message, not on the cold start.
 */
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { REGION, analyticsMaxInstances, analyticsTopicName } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

export const analyticsAggregator = onMessagePublished(
  {
    topic: analyticsTopicName(),
    region: REGION,
    retry: true,
    memory: '256MiB',
    cpu: 1,
    concurrency: 500,
    timeoutSeconds: 120,
    maxInstances: analyticsMaxInstances(),
  },
  async (event) => {
    const log = runtimeLogger();
    const { analyticsBatcher, parseAnalyticsMessage } = await import('../pipeline');
    const parsed = parseAnalyticsMessage(event.data.message);
    if (!parsed) {
      log.warn({ messageId: event.data.message.messageId }, logs.analyticsInvalid);
      return;
    }
    const batch = await analyticsBatcher().add(parsed);
    log.debug({ eventId: parsed.eventId, type: parsed.type, ...batch }, logs.analyticsCounted);
  },
);
