/**
 * A Cloud Tasks look-alike on SQLite: named tasks dedupe (the name stays taken after the task ran), a delay
 * schedules the first dispatch, each queue has a concurrency cap and a dispatch-rate cap, a handler that throws
 * is retried with exponential backoff (or after the `RetryLaterError.retryAfterMs` it asked for), and after
 * its attempt budget the task is dead-lettered and logged.
 */
import { RetryLaterError, type Clock, type EnqueueOptions, type TaskPayload, type TaskQueue } from '@d2v/core';
import { randomUUID } from 'node:crypto';
import type { LocalDatabase } from './db';
import { finishDeliveryAttempt, startDeliveryAttempt } from './delivery-attempts';
import { encodeJson } from './json';
import { deliverPossiblyTwice, PollingWorker, type DuplicateDeliveryMode } from './polling-worker';
import { describeError, exponentialBackoffMs, silentLog, systemClock, type AdapterLog } from './runtime';

export interface TaskContext {
  /** 1-based dispatch attempt (Cloud Tasks' retry count + 1). */
  attempt: number;
  /** The named id given at enqueue, or a generated one. */
  taskId: string;
  queue: string;
}

export type TaskHandler = (payload: TaskPayload, ctx: TaskContext) => Promise<void>;

/** A queue's limits, named as in `onTaskDispatched({ retryConfig, rateLimits })`. */
export interface TaskQueueLimits {
  maxConcurrentDispatches: number;
  /** May be fractional (0.5 = one dispatch per two seconds). */
  maxDispatchesPerSecond: number;
  maxAttempts: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
}

/** Cloud Tasks' queue defaults. */
export const DEFAULT_TASK_QUEUE_LIMITS: Readonly<TaskQueueLimits> = {
  maxConcurrentDispatches: 1000,
  maxDispatchesPerSecond: 500,
  maxAttempts: 100,
  minBackoffSeconds: 0.1,
  maxBackoffSeconds: 3600,
};

export interface SqliteTaskQueueOptions {
  db: LocalDatabase;
  /** Dispatch every task twice (`true`/'concurrent': at once; 'sequential': one after the other). */
  duplicateDelivery?: DuplicateDeliveryMode;
  /** How often the table is polled besides the wake-up on local enqueues (default 50 ms). */
  pollIntervalMs?: number;
  /** A dispatch not finished within this is presumed lost and becomes due again (default 600 s, Cloud Tasks' dispatch deadline). */
  leaseMs?: number;
  /** This process's incarnation (prefix of its lease tokens; see PollingWorker.reclaimAbandoned). */
  incarnation?: string;
  clock?: Clock;
  log?: AdapterLog;
}

export type TaskStatus = 'pending' | 'inflight' | 'done' | 'dead';

export interface TaskRecord {
  queue: string;
  id: string;
  payload: TaskPayload;
  status: TaskStatus;
  attempts: number;
  /** Next dispatch for pending tasks, lease expiry for in-flight ones (epoch ms). */
  dueAt: number;
  createdAt: number;
  finishedAt: number | null;
  lastError: string | null;
}

/** Cloud Tasks task names: letters, digits, hyphens, underscores; at most 500 characters. */
const TASK_ID_RE = /^[A-Za-z0-9_-]{1,500}$/;

interface RegisteredQueue {
  handler: TaskHandler;
  limits: TaskQueueLimits;
  inFlight: number;
  /** Dispatch times (clock ms) inside the current rate window. */
  recentDispatches: number[];
}

interface ClaimedTask {
  queue: string;
  id: string;
  payload: string;
  attempts: number;
  lease_token: string;
}

interface TaskRow {
  queue: string;
  id: string;
  payload: string;
  status: TaskStatus;
  attempts: number;
  due_at: number;
  created_at: number;
  finished_at: number | null;
  last_error: string | null;
}

export class SqliteTaskQueue extends PollingWorker implements TaskQueue {
  private readonly queues = new Map<string, RegisteredQueue>();
  private readonly duplicateDelivery: DuplicateDeliveryMode;
  private readonly leaseMs: number;

  constructor(options: SqliteTaskQueueOptions) {
    super({
      db: options.db,
      clock: options.clock ?? systemClock,
      log: options.log ?? silentLog,
      pollIntervalMs: options.pollIntervalMs ?? 50,
      channel: 'tasks',
      table: 'tasks',
      incarnation: options.incarnation,
      label: 'task queue',
    });
    this.duplicateDelivery = options.duplicateDelivery === true ? 'concurrent' : (options.duplicateDelivery ?? false);
    this.leaseMs = Math.max(1, options.leaseMs ?? 600_000);
  }

  /**
   * Durably adds a task. A second enqueue with an `id` this queue has already seen — pending, done or dead —
   * is silently dropped, like a Cloud Tasks named task (Firebase's `enqueue` reports it as task-already-exists).
   */
  async enqueue(queue: string, payload: TaskPayload, opts: EnqueueOptions = {}): Promise<void> {
    if (typeof queue !== 'string' || queue.length === 0) throw new Error('enqueue: queue name is empty');
    if (opts.id !== undefined && !TASK_ID_RE.test(opts.id)) {
      throw new Error(`enqueue: invalid task id "${opts.id}" (letters, digits, "-" and "_", at most 500)`);
    }
    const delaySeconds = opts.delaySeconds ?? 0;
    if (!Number.isFinite(delaySeconds) || delaySeconds < 0) throw new Error(`enqueue: invalid delaySeconds ${delaySeconds}`);
    const payloadJson = encodeJson(payload);
    const now = this.clock.now();
    const id = opts.id ?? randomUUID();
    const inserted = this.db
      .statement(
        `INSERT INTO tasks (queue, id, payload, created_at, status, attempts, due_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (queue, id) DO NOTHING`,
      )
      .run(queue, id, payloadJson, now, now + Math.round(delaySeconds * 1000));
    if (inserted.changes === 0) {
      this.log.debug({ queue, taskId: id }, 'task with this id already exists; enqueue dropped');
      return;
    }
    this.db.notifyCommitted('tasks');
  }

  /** Attaches the handler and limits for `queue` (unset limits take Cloud Tasks' defaults). */
  register(queue: string, handler: TaskHandler, limits: Partial<TaskQueueLimits> = {}): this {
    if (this.queues.has(queue)) throw new Error(`task queue "${queue}" already has a handler`);
    const merged: TaskQueueLimits = { ...DEFAULT_TASK_QUEUE_LIMITS, ...definedOnly(limits) };
    if (!(merged.maxConcurrentDispatches >= 1) || !(merged.maxDispatchesPerSecond > 0) || !(merged.maxAttempts >= 1)) {
      throw new Error(`task queue "${queue}": limits must allow at least one dispatch (${JSON.stringify(merged)})`);
    }
    this.queues.set(queue, { handler, limits: merged, inFlight: 0, recentDispatches: [] });
    this.wake();
    return this;
  }

  /** What each registered queue is doing right now: handlers running in this process, and its limits. */
  dispatchState(): Record<string, { inFlight: number; dispatchesInWindow: number; limits: TaskQueueLimits }> {
    return Object.fromEntries(
      [...this.queues].map(([name, q]) => [name, { inFlight: q.inFlight, dispatchesInWindow: q.recentDispatches.length, limits: q.limits }]),
    );
  }

  /** Tasks, oldest first (for tests, the CLI and operators). */
  list(filter: { queue?: string; status?: TaskStatus } = {}): TaskRecord[] {
    const rows = this.db
      .statement(
        `SELECT queue, id, payload, status, attempts, due_at, created_at, finished_at, last_error FROM tasks
         WHERE (@queue IS NULL OR queue = @queue) AND (@status IS NULL OR status = @status) ORDER BY seq`,
      )
      .all({ queue: filter.queue ?? null, status: filter.status ?? null }) as TaskRow[];
    return rows.map((row) => ({
      queue: row.queue,
      id: row.id,
      payload: JSON.parse(row.payload) as TaskPayload,
      status: row.status,
      attempts: row.attempts,
      dueAt: row.due_at,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      lastError: row.last_error,
    }));
  }

  protected pump(): void {
    const now = this.clock.now();
    for (const [name, queue] of this.queues) {
      const capacity = Math.min(queue.limits.maxConcurrentDispatches - queue.inFlight, this.rateAllowance(queue, now));
      if (capacity <= 0) continue;
      const claimed = this.claim(name, queue, capacity, now);
      for (const task of claimed) {
        queue.inFlight++;
        queue.recentDispatches.push(now);
        this.launch({ queue: name, taskId: task.id }, async () => {
          try {
            await this.dispatch(queue, task);
          } finally {
            queue.inFlight--;
          }
        });
      }
    }
  }

  protected countOutstanding(untilMs: number): number {
    const row = this.db
      .statement(
        `SELECT COUNT(*) AS n FROM tasks
         WHERE queue IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'inflight') AND due_at <= ?`,
      )
      .get(JSON.stringify([...this.queues.keys()]), untilMs) as { n: number };
    return row.n;
  }

  /**
   * Dispatches left in the current window. The window is one second for rates ≥ 1/s; slower rates use a
   * longer window holding one dispatch (0.5/s → one per 2 s). Counting starts, not completions, as Cloud Tasks does.
   */
  private rateAllowance(queue: RegisteredQueue, now: number): number {
    const rate = queue.limits.maxDispatchesPerSecond;
    const perWindow = Math.max(1, Math.floor(rate));
    const windowMs = (perWindow * 1000) / rate;
    queue.recentDispatches = queue.recentDispatches.filter((at) => at > now - windowMs);
    return perWindow - queue.recentDispatches.length;
  }

  private claim(name: string, queue: RegisteredQueue, capacity: number, now: number): ClaimedTask[] {
    return this.db.immediate(() => {
      const due = this.db
        .statement(
          `SELECT queue, id, payload, attempts FROM tasks
           WHERE queue = ? AND status IN ('pending', 'inflight') AND due_at <= ? ORDER BY due_at, seq LIMIT ?`,
        )
        .all(name, now, capacity) as Omit<ClaimedTask, 'lease_token'>[];
      const tasks: ClaimedTask[] = [];
      for (const task of due) {
        if (task.attempts >= queue.limits.maxAttempts) {
          this.markDead(task.queue, task.id, null, task.attempts, 'dispatch lease expired on the last attempt');
          continue;
        }
        const leaseToken = this.newLeaseToken();
        this.db
          .statement(`UPDATE tasks SET status = 'inflight', attempts = attempts + 1, due_at = ?, lease_token = ? WHERE queue = ? AND id = ?`)
          .run(now + this.leaseMs, leaseToken, task.queue, task.id);
        tasks.push({ ...task, attempts: task.attempts + 1, lease_token: leaseToken });
      }
      return tasks;
    });
  }

  private async dispatch(queue: RegisteredQueue, task: ClaimedTask): Promise<void> {
    const ctx: TaskContext = { attempt: task.attempts, taskId: task.id, queue: task.queue };
    const fields = { queue: task.queue, taskId: task.id, attempt: task.attempts };
    const payload = JSON.parse(task.payload) as TaskPayload;
    const attemptRow = startDeliveryAttempt(this.db, { kind: 'task', name: task.queue, id: task.id, requestId: payload.requestId, attempt: task.attempts, at: this.clock.now() });
    try {
      await deliverPossiblyTwice(this.duplicateDelivery, queue.handler, [payload, ctx]);
    } catch (err) {
      const outcome = task.attempts >= queue.limits.maxAttempts ? 'dead' : 'retry';
      finishDeliveryAttempt(this.db, attemptRow, { outcome, at: this.clock.now(), error: describeError(err) });
      this.recordFailure(queue, task, err, fields);
      return;
    }
    finishDeliveryAttempt(this.db, attemptRow, { outcome: 'done', at: this.clock.now() });
    const done = this.db
      .statement(
        `UPDATE tasks SET status = 'done', finished_at = ?, lease_token = NULL, last_error = NULL WHERE queue = ? AND id = ? AND lease_token = ?`,
      )
      .run(this.clock.now(), task.queue, task.id, task.lease_token);
    if (done.changes === 0) this.log.warn(fields, 'task finished after its lease expired; it was dispatched again');
    else this.log.debug(fields, 'task done');
  }

  private recordFailure(queue: RegisteredQueue, task: ClaimedTask, err: unknown, fields: Record<string, unknown>): void {
    const error = describeError(err);
    if (task.attempts >= queue.limits.maxAttempts) {
      if (this.markDead(task.queue, task.id, task.lease_token, task.attempts, error)) return;
    } else {
      const delayMs = retryDelayMs(err, task.attempts, queue.limits);
      const retried = this.db
        .statement(
          `UPDATE tasks SET status = 'pending', due_at = ?, lease_token = NULL, last_error = ? WHERE queue = ? AND id = ? AND lease_token = ?`,
        )
        .run(this.clock.now() + delayMs, error, task.queue, task.id, task.lease_token);
      if (retried.changes > 0) {
        const retryLater = isRetryLater(err);
        this.log[retryLater ? 'info' : 'warn']({ ...fields, err: error, retryInMs: delayMs }, retryLater ? 'task asked to run later' : 'task failed; will retry');
        return;
      }
    }
    this.log.warn({ ...fields, err: error }, 'task failed after its lease expired; it was dispatched again');
  }

  private markDead(queue: string, id: string, leaseToken: string | null, attempts: number, error: string): boolean {
    const result = this.db
      .statement(
        `UPDATE tasks SET status = 'dead', finished_at = @now, lease_token = NULL, last_error = @error
         WHERE queue = @queue AND id = @id AND (@leaseToken IS NULL OR lease_token = @leaseToken)`,
      )
      .run({ now: this.clock.now(), error, queue, id, leaseToken });
    if (result.changes > 0) this.log.error({ queue, taskId: id, attempts, err: error }, 'task dead-lettered after its last attempt');
    return result.changes > 0;
  }
}

function isRetryLater(err: unknown): err is RetryLaterError {
  // By name too: a RetryLaterError from another copy of @d2v/core (e.g. a built dist next to sources) still counts.
  return err instanceof RetryLaterError || (err instanceof Error && err.name === 'RetryLaterError');
}

function retryDelayMs(err: unknown, attempt: number, limits: TaskQueueLimits): number {
  if (isRetryLater(err)) {
    const asked = (err as RetryLaterError).retryAfterMs;
    if (asked !== undefined && Number.isFinite(asked) && asked >= 0) return asked;
  }
  return exponentialBackoffMs(attempt, limits.minBackoffSeconds * 1000, limits.maxBackoffSeconds * 1000);
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
