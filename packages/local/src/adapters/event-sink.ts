/**
 * The local stand-in for the analytics Pub/Sub topic: events appended to a table (the log `d2v inspect` reads),
 * listable for tests and the CLI, and read in order by consumers that keep their place in `consumer_cursors`
 * (the statistics aggregator, like a Pub/Sub subscription). The numbers operators watch are the aggregator's
 * (`@d2v/core` aggregation), the same as in Firebase.
 */
import type { Clock, EventSink } from '@d2v/core';
import type { AnalyticsEvent } from '@d2v/schema';
import type { LocalDatabase } from './db';
import { encodeJson } from './json';
import { systemClock } from './runtime';

export interface SqliteEventSinkOptions {
  db: LocalDatabase;
  /** Stamps `received_at` (when the sink got the event, next to the event's own `at`). */
  clock?: Clock;
}

export interface EventFilter {
  requestId?: string;
  uid?: string;
  type?: AnalyticsEvent['type'];
}

interface EventRow {
  json: string;
}

export class SqliteEventSink implements EventSink {
  private readonly db: LocalDatabase;
  private readonly clock: Clock;

  constructor(options: SqliteEventSinkOptions) {
    this.db = options.db;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Appends the event. A second publish of the same `eventId` is ignored, so a retried publisher does not
   * count twice (a Pub/Sub consumer dedupes on the same id).
   */
  async publish(event: AnalyticsEvent): Promise<void> {
    if (typeof event?.eventId !== 'string' || event.eventId.length === 0) throw new Error('analytics event without eventId');
    this.db
      .statement(
        `INSERT INTO analytics_events
           (event_id, type, at, uid, request_id, from_state, to_state, action, error_code, credits_cents, duration_ms, json, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
      )
      .run(
        event.eventId,
        event.type,
        event.at,
        event.uid ?? null,
        event.requestId ?? null,
        event.from ?? null,
        event.to ?? null,
        event.action ?? null,
        event.errorCode ?? null,
        event.creditsCents ?? null,
        event.durationMs ?? null,
        encodeJson(event, { ignoreUndefinedProperties: true }),
        this.clock.now(),
      );
  }

  /** Events in publish order. */
  async list(filter: EventFilter = {}): Promise<AnalyticsEvent[]> {
    const rows = this.db
      .statement(
        `SELECT json FROM analytics_events
         WHERE (@requestId IS NULL OR request_id = @requestId) AND (@uid IS NULL OR uid = @uid)
           AND (@type IS NULL OR type = @type)
         ORDER BY seq`,
      )
      .all({ requestId: filter.requestId ?? null, uid: filter.uid ?? null, type: filter.type ?? null }) as EventRow[];
    return rows.map((row) => JSON.parse(row.json) as AnalyticsEvent);
  }

  /** Events published after `seq` (a consumer's cursor), oldest first, with their sequence numbers. */
  readAfter(seq: number, limit: number): { seq: number; event: AnalyticsEvent }[] {
    const rows = this.db
      .statement('SELECT seq, json FROM analytics_events WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(seq, limit) as (EventRow & { seq: number })[];
    return rows.map((row) => ({ seq: row.seq, event: JSON.parse(row.json) as AnalyticsEvent }));
  }

  /** A consumer's place (0 before its first event). */
  cursor(consumer: string): number {
    const row = this.db.statement('SELECT seq FROM consumer_cursors WHERE name = ?').get(consumer) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** Moves a consumer's place forward (never back). */
  advanceCursor(consumer: string, seq: number): void {
    this.db
      .statement('INSERT INTO consumer_cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = MAX(seq, excluded.seq)')
      .run(consumer, seq);
  }
}
