/**
 * EventSink on Pub/Sub: one JSON message per analytics event on the configured topic, with `type` and
 * `requestId` as attributes so subscribers can filter without parsing. The aggregator (analyticsAggregator)
 * consumes the same topic.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { AnalyticsEvent } from '@d2v/schema';
import type { EventSink } from '@d2v/core';

/**
 * Pub/Sub attributes must be strings; absent values are left out. `type` and `schemaVersion` let a subscription
 * (e.g. a BigQuery one) filter without parsing the body.
 */
export function eventAttributes(event: AnalyticsEvent): Record<string, string> {
  const attrs: Record<string, string> = { type: event.type, eventId: event.eventId, schemaVersion: String(event.schemaVersion) };
  if (event.requestId) attrs.requestId = event.requestId;
  if (event.to) attrs.to = event.to;
  return attrs;
}

export class PubSubEventSink implements EventSink {
  private readonly topic: Topic;

  constructor(pubsub: PubSub, topicName: string) {
    // Batching off: a function instance may be frozen right after the handler returns, so send at once.
    this.topic = pubsub.topic(topicName, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
  }

  async publish(event: AnalyticsEvent): Promise<void> {
    await this.topic.publishMessage({ json: event, attributes: eventAttributes(event) });
  }
}
