/**
 * Delivers outbox rows to trigger handlers the way Firebase delivers trigger events: at least once, unordered,
 * concurrently, retried with exponential backoff on failure ("retry on failure" functions), and — optionally —
 * deliberately twice, to prove handlers are idempotent before Firebase proves it in production.
 */
import type { Clock } from '@d2v/core';
import type { LocalDatabase } from './db';
import { finishDeliveryAttempt, startDeliveryAttempt } from './delivery-attempts';
import type { OutboxEvent, OutboxRecord, OutboxStatus } from './outbox';
import { deliverPossiblyTwice, PollingWorker, type DuplicateDeliveryMode } from './polling-worker';
import { describeError, exponentialBackoffMs, silentLog, systemClock, type AdapterLog } from './runtime';

export type OutboxHandler = (event: OutboxEvent) => Promise<void>;

export interface OutboxDispatcherOptions {
  db: LocalDatabase;
  /** Handlers running at once (default 4). */
  concurrency?: number;
  /** First retry delay (default 200 ms); doubles per attempt up to maxBackoffMs (default 10 000 ms). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deliveries before an event is dead-lettered (default 8). */
  maxAttempts?: number;
  /** Deliver every event twice (`true`/'concurrent': at once; 'sequential': one after the other). */
  duplicateDelivery?: DuplicateDeliveryMode;
  /** How often the table is polled besides the wake-up on local commits (default 50 ms). */
  pollIntervalMs?: number;
  /** A delivery not finished within this is presumed lost (crashed process) and becomes due again (default 60 s, a function's default timeout). */
  leaseMs?: number;
  /** This process's incarnation (prefix of its lease tokens; see PollingWorker.reclaimAbandoned). */
  incarnation?: string;
  clock?: Clock;
  log?: AdapterLog;
}

interface ClaimedRow {
  id: string;
  trigger: string;
  kind: 'doc' | 'blob';
  change: string;
  path: string;
  params: string;
  payload: string;
  created_at: number;
  attempts: number;
  lease_token: string;
}

interface RecordRow {
  id: string;
  trigger: string;
  kind: 'doc' | 'blob';
  change: string;
  path: string;
  params: string;
  status: OutboxStatus;
  attempts: number;
  due_at: number;
  created_at: number;
  finished_at: number | null;
  last_error: string | null;
}

export class OutboxDispatcher extends PollingWorker {
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly concurrency: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxAttempts: number;
  private readonly duplicateDelivery: DuplicateDeliveryMode;
  private readonly leaseMs: number;

  constructor(options: OutboxDispatcherOptions) {
    super({
      db: options.db,
      clock: options.clock ?? systemClock,
      log: options.log ?? silentLog,
      pollIntervalMs: options.pollIntervalMs ?? 50,
      channel: 'outbox',
      table: 'outbox',
      incarnation: options.incarnation,
      label: 'outbox dispatcher',
    });
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.minBackoffMs = Math.max(0, options.minBackoffMs ?? 200);
    this.maxBackoffMs = Math.max(this.minBackoffMs, options.maxBackoffMs ?? 10_000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.duplicateDelivery = options.duplicateDelivery === true ? 'concurrent' : (options.duplicateDelivery ?? false);
    this.leaseMs = Math.max(1, options.leaseMs ?? 60_000);
  }

  /** Routes events of the named trigger to `handler`. Events of triggers with no handler wait in the table. */
  on(trigger: string, handler: OutboxHandler): this {
    if (this.handlers.has(trigger)) throw new Error(`outbox handler for "${trigger}" is already registered`);
    this.handlers.set(trigger, handler);
    this.wake();
    return this;
  }

  /** Rows of the outbox, oldest first (for tests, the CLI and operators). */
  list(filter: { status?: OutboxStatus; trigger?: string } = {}): OutboxRecord[] {
    const rows = this.db
      .statement(
        `SELECT id, trigger, kind, change, path, params, status, attempts, due_at, created_at, finished_at, last_error
         FROM outbox WHERE (@status IS NULL OR status = @status) AND (@trigger IS NULL OR trigger = @trigger) ORDER BY seq`,
      )
      .all({ status: filter.status ?? null, trigger: filter.trigger ?? null }) as RecordRow[];
    return rows.map((row) => ({
      id: row.id,
      trigger: row.trigger,
      kind: row.kind,
      change: row.change as OutboxRecord['change'],
      path: row.path,
      params: JSON.parse(row.params) as Record<string, string>,
      status: row.status,
      attempts: row.attempts,
      dueAt: row.due_at,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      lastError: row.last_error,
    }));
  }

  /** Puts dead-lettered events (all, or one by id) back in line with a fresh attempt budget. */
  requeueDead(id?: string): number {
    const result = this.db
      .statement(
        `UPDATE outbox SET status = 'pending', attempts = 0, due_at = @now, lease_token = NULL, finished_at = NULL
         WHERE status = 'dead' AND (@id IS NULL OR id = @id)`,
      )
      .run({ now: this.clock.now(), id: id ?? null });
    if (result.changes > 0) this.wake();
    return result.changes;
  }

  protected pump(): void {
    const capacity = this.concurrency - this.inFlightCount;
    if (capacity <= 0 || this.handlers.size === 0) return;
    const now = this.clock.now();
    const triggers = JSON.stringify([...this.handlers.keys()]);
    const claimed = this.db.immediate(() => {
      const due = this.db
        .statement(
          `SELECT id, trigger, kind, change, path, params, payload, created_at, attempts FROM outbox
           WHERE status IN ('pending', 'inflight') AND due_at <= ? AND trigger IN (SELECT value FROM json_each(?))
           ORDER BY due_at, seq LIMIT ?`,
        )
        .all(now, triggers, capacity) as Omit<ClaimedRow, 'lease_token'>[];
      const rows: ClaimedRow[] = [];
      for (const row of due) {
        if (row.attempts >= this.maxAttempts) {
          // Its last attempt was lost with a crashed process: the budget is spent.
          this.markDead(row.id, null, row.attempts, 'delivery lease expired on the last attempt');
          continue;
        }
        const leaseToken = this.newLeaseToken();
        this.db
          .statement(`UPDATE outbox SET status = 'inflight', attempts = attempts + 1, due_at = ?, lease_token = ? WHERE id = ?`)
          .run(now + this.leaseMs, leaseToken, row.id);
        rows.push({ ...row, attempts: row.attempts + 1, lease_token: leaseToken });
      }
      return rows;
    });
    for (const row of claimed) {
      this.launch({ eventId: row.id, trigger: row.trigger, path: row.path }, () => this.deliver(row));
    }
  }

  protected countOutstanding(untilMs: number): number {
    const row = this.db
      .statement(
        `SELECT COUNT(*) AS n FROM outbox
         WHERE status IN ('pending', 'inflight') AND due_at <= ? AND trigger IN (SELECT value FROM json_each(?))`,
      )
      .get(untilMs, JSON.stringify([...this.handlers.keys()])) as { n: number };
    return row.n;
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const handler = this.handlers.get(row.trigger)!;
    const event = toEvent(row);
    const fields = { eventId: row.id, trigger: row.trigger, path: row.path, attempt: row.attempts };
    const attemptRow = startDeliveryAttempt(this.db, { kind: 'event', name: row.trigger, id: row.id, requestId: event.params.requestId, attempt: row.attempts, at: this.clock.now() });
    try {
      await deliverPossiblyTwice(this.duplicateDelivery, handler, [event]);
    } catch (err) {
      finishDeliveryAttempt(this.db, attemptRow, { outcome: row.attempts >= this.maxAttempts ? 'dead' : 'retry', at: this.clock.now(), error: describeError(err) });
      this.recordFailure(row, err, fields);
      return;
    }
    finishDeliveryAttempt(this.db, attemptRow, { outcome: 'done', at: this.clock.now() });
    const done = this.db
      .statement(`UPDATE outbox SET status = 'done', finished_at = ?, lease_token = NULL, last_error = NULL WHERE id = ? AND lease_token = ?`)
      .run(this.clock.now(), row.id, row.lease_token);
    if (done.changes === 0) this.log.warn(fields, 'outbox event finished after its lease expired; it was redelivered');
    else this.log.debug(fields, 'outbox event delivered');
  }

  private recordFailure(row: ClaimedRow, err: unknown, fields: Record<string, unknown>): void {
    const error = describeError(err);
    if (row.attempts >= this.maxAttempts) {
      if (this.markDead(row.id, row.lease_token, row.attempts, error)) return;
    } else {
      const delayMs = exponentialBackoffMs(row.attempts, this.minBackoffMs, this.maxBackoffMs);
      const retried = this.db
        .statement(`UPDATE outbox SET status = 'pending', due_at = ?, lease_token = NULL, last_error = ? WHERE id = ? AND lease_token = ?`)
        .run(this.clock.now() + delayMs, error, row.id, row.lease_token);
      if (retried.changes > 0) {
        this.log.warn({ ...fields, err: error, retryInMs: delayMs }, 'outbox handler failed; will retry');
        return;
      }
    }
    this.log.warn({ ...fields, err: error }, 'outbox handler failed after its lease expired; it was redelivered');
  }

  private markDead(id: string, leaseToken: string | null, attempts: number, error: string): boolean {
    const result = this.db
      .statement(
        `UPDATE outbox SET status = 'dead', finished_at = @now, lease_token = NULL, last_error = @error
         WHERE id = @id AND (@leaseToken IS NULL OR lease_token = @leaseToken)`,
      )
      .run({ now: this.clock.now(), error, id, leaseToken });
    if (result.changes > 0) {
      this.log.error({ eventId: id, attempts, err: error }, 'outbox event dead-lettered after its last attempt');
    }
    return result.changes > 0;
  }
}

function toEvent(row: ClaimedRow): OutboxEvent {
  const base = {
    id: row.id,
    trigger: row.trigger,
    path: row.path,
    params: JSON.parse(row.params) as Record<string, string>,
    createdAt: new Date(row.created_at).toISOString(),
    attempt: row.attempts,
  };
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  if (row.kind === 'blob') {
    return { ...base, kind: 'blob', change: row.change as 'finalize' | 'delete', blob: payload['blob'] as never };
  }
  return {
    ...base,
    kind: 'doc',
    change: row.change as 'create' | 'update' | 'delete',
    before: (payload['before'] ?? null) as never,
    after: (payload['after'] ?? null) as never,
  };
}
