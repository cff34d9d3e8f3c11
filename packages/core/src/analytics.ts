import type { AnalyticsEvent } from '@d2v/schema';
import { randomUUID } from 'node:crypto';
import { logs } from './logs';
import type { Ports } from './ports';

type EventInput = Omit<AnalyticsEvent, 'eventId' | 'at'>;

/**
 * Analytics never decide the pipeline's fate: a failed publish is logged and dropped, because the state
 * change it describes has already committed (and the transition log keeps the truth).
 */
export async function publishEvent(ports: Ports, input: EventInput): Promise<void> {
  const event: AnalyticsEvent = { eventId: randomUUID(), at: new Date(ports.clock.now()).toISOString(), ...input };
  for (const key of Object.keys(event) as (keyof AnalyticsEvent)[]) if (event[key] === undefined) delete event[key];
  try {
    await ports.events.publish(event);
  } catch (e) {
    ports.log.warn({ err: String(e), type: input.type, requestId: input.requestId }, logs.eventPublishFailed);
  }
}
