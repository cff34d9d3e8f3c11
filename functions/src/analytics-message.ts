/**
 * Pub/Sub analytics message → the core's AnalyticsEvent. Kept out of the trigger module because the event
 * schema is zod: the aggregator loads it (through ../pipeline) on its first message, not on every cold start.
 */
import { AnalyticsEventSchema, type AnalyticsEvent } from '@d2v/schema';

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
