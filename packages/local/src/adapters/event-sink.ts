/**
 * The local stand-in for the analytics Pub/Sub topic: events appended to a table, listable for tests and the
 * CLI, and summed into the numbers operators watch (transitions per target state, errors per code,
 * success/failure rates, credits).
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

export interface EventAggregate {
  totalEvents: number;
  byType: Record<string, number>;
  /** Transition events counted by the state they moved to. */
  transitionsTo: Record<string, number>;
  /** Events carrying an error code, counted by code. */
  errorsByCode: Record<string, number>;
  requests: {
    /** Requests with at least one transition event. */
    seen: number;
    /** Reached `ready` (posting afterwards is the person's choice, not the pipeline's success). */
    succeeded: number;
    /** Reached `failed` and never `ready`. */
    failed: number;
    /** succeeded / (succeeded + failed); null before anything finished. */
    successRate: number | null;
    failureRate: number | null;
  };
  /** Sum of `creditsCents` over all events (Luma spend estimate). */
  creditsCents: number;
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

  async aggregate(): Promise<EventAggregate> {
    const counts = (sql: string): Record<string, number> => {
      const rows = this.db.statement(sql).all() as { key: string; n: number }[];
      return Object.fromEntries(rows.map((row) => [row.key, row.n]));
    };
    const totals = this.db
      .statement('SELECT COUNT(*) AS n, COALESCE(SUM(credits_cents), 0) AS credits FROM analytics_events')
      .get() as { n: number; credits: number };
    const requests = this.db
      .statement(
        `SELECT COUNT(*) AS seen,
                COALESCE(SUM(reached_ready), 0) AS succeeded,
                COALESCE(SUM(reached_failed AND NOT reached_ready), 0) AS failed
         FROM (SELECT request_id,
                      MAX(to_state = 'ready') AS reached_ready,
                      MAX(to_state = 'failed') AS reached_failed
               FROM analytics_events WHERE type = 'transition' AND request_id IS NOT NULL GROUP BY request_id)`,
      )
      .get() as { seen: number; succeeded: number; failed: number };
    const finished = requests.succeeded + requests.failed;
    return {
      totalEvents: totals.n,
      byType: counts('SELECT type AS key, COUNT(*) AS n FROM analytics_events GROUP BY type ORDER BY type'),
      transitionsTo: counts(
        `SELECT to_state AS key, COUNT(*) AS n FROM analytics_events
         WHERE type = 'transition' AND to_state IS NOT NULL GROUP BY to_state ORDER BY to_state`,
      ),
      errorsByCode: counts(
        'SELECT error_code AS key, COUNT(*) AS n FROM analytics_events WHERE error_code IS NOT NULL GROUP BY error_code ORDER BY error_code',
      ),
      requests: {
        seen: requests.seen,
        succeeded: requests.succeeded,
        failed: requests.failed,
        successRate: finished === 0 ? null : requests.succeeded / finished,
        failureRate: finished === 0 ? null : requests.failed / finished,
      },
      creditsCents: totals.credits,
    };
  }
}
