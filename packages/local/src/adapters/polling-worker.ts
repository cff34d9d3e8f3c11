/**
 * The delivery loop shared by the outbox dispatcher and the task queue: poll a table for due rows on a short
 * interval, wake up at once when a local commit adds rows, run handlers concurrently, and let tests wait until
 * everything due has been handled (`drain`).
 *
 * Rows, not memory, are the source of truth: a handler in flight holds a lease on its row (status `inflight`,
 * `due_at` = lease expiry); if the process dies the lease runs out and the row is simply due again. That is
 * how a crash turns into a redelivery, as it does on Firebase.
 */
import type { Clock } from '@d2v/core';
import { randomUUID } from 'node:crypto';
import type { CommitChannel, LocalDatabase } from './db';
import { describeError, finiteMs, type AdapterLog } from './runtime';

export interface DrainOptions {
  /** Ignore rows due later than now + horizonMs (by the injected clock). Default: wait for every row. */
  horizonMs?: number;
  /** Reject if still busy after this many real milliseconds (default: no limit). */
  timeoutMs?: number;
}

/** How a duplicated delivery is made: both at once (default for `true`), or the second right after the first. */
export type DuplicateDeliveryMode = boolean | 'concurrent' | 'sequential';

export interface PollingWorkerOptions {
  db: LocalDatabase;
  /** The table whose rows this worker leases (`status`, `due_at`, `attempts`, `lease_token` columns). */
  table: 'tasks' | 'outbox';
  /** This process's incarnation: the prefix of every lease token it writes (default: a random one). */
  incarnation?: string;
  clock: Clock;
  log: AdapterLog;
  pollIntervalMs: number;
  channel: CommitChannel;
  /** Used in log lines and errors. */
  label: string;
}

export abstract class PollingWorker {
  protected readonly db: LocalDatabase;
  protected readonly clock: Clock;
  protected readonly log: AdapterLog;
  private readonly pollIntervalMs: number;
  private readonly channel: CommitChannel;
  private readonly label: string;
  private readonly table: 'tasks' | 'outbox';
  /** Prefix of this process's lease tokens (`<incarnation>.`). */
  private readonly tokenPrefix: string;
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** For operators and failing tests: when the loop last looked for due rows, and its last failure. */
  private pumpHealth: { lastPumpAt: number | null; failures: number; lastFailure: string | null } = { lastPumpAt: null, failures: 0, lastFailure: null };

  protected constructor(options: PollingWorkerOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.log = options.log;
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs);
    this.channel = options.channel;
    this.label = options.label;
    this.table = options.table;
    this.tokenPrefix = `${options.incarnation ?? randomUUID()}.`;
  }

  /** A lease token for a row this process claims: it names the incarnation, so a later one knows it is not its own. */
  protected newLeaseToken(): string {
    return `${this.tokenPrefix}${randomUUID()}`;
  }

  /**
   * At start: rows an earlier incarnation left in flight are due now instead of when their lease runs out. Only
   * sound when no other process works on this database (the local stack locks its data dir). The delivery cut short
   * by the kill does not count as an attempt. Returns how many rows came back.
   */
  reclaimAbandoned(): number {
    const result = this.db
      .statement(
        `UPDATE ${this.table} SET status = 'pending', due_at = @now, lease_token = NULL, attempts = MAX(attempts - 1, 0)
         WHERE status = 'inflight' AND (lease_token IS NULL OR substr(lease_token, 1, length(@prefix)) <> @prefix)`,
      )
      .run({ now: this.clock.now(), prefix: this.tokenPrefix });
    if (result.changes > 0) this.wake();
    return result.changes;
  }

  /**
   * A graceful stop: rows this process still has in flight go back to pending, due now, their attempt unspent.
   * Their handlers may still be running; whatever they finish afterwards is refused by their leases. Returns how many.
   */
  handBack(): number {
    const result = this.db
      .statement(
        `UPDATE ${this.table} SET status = 'pending', due_at = @now, lease_token = NULL, attempts = MAX(attempts - 1, 0)
         WHERE status = 'inflight' AND substr(lease_token, 1, length(@prefix)) = @prefix`,
      )
      .run({ now: this.clock.now(), prefix: this.tokenPrefix });
    return result.changes;
  }

  /** Whether the loop is alive: running, when it last pumped, how often pumping failed and why. */
  get health(): { running: boolean; lastPumpAt: number | null; failures: number; lastFailure: string | null } {
    return { running: this.running, ...this.pumpHealth };
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Number of deliveries currently running in this process. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.db.onCommit(this.channel, () => this.wake());
    this.schedulePoll();
    this.wake();
  }

  /**
   * Stops claiming new work and resolves once every handler in flight has finished — or, with `graceMs`, after that
   * long at most. Resolves true when nothing is in flight any more.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<boolean> {
    this.halt();
    const graceMs = opts.graceMs ?? Number.POSITIVE_INFINITY;
    const deadline = performance.now() + graceMs;
    while (this.inFlight.size > 0) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        ...(Number.isFinite(left) ? [new Promise<void>((r) => (timer = setTimeout(r, left)))] : []),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  /**
   * Resolves when nothing is in flight and nothing (with a handler) is due within the horizon — including rows
   * waiting out a retry backoff. For tests and scripted runs; the worker must be started.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    const horizonMs = options.horizonMs ?? Number.POSITIVE_INFINITY;
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.label}: drain() needs a started worker`);
      if (this.inFlight.size === 0) {
        this.pumpSafely();
        if (this.inFlight.size === 0 && this.countOutstanding(finiteMs(this.clock.now() + horizonMs)) === 0) return;
      }
      if (performance.now() > deadline) {
        throw new Error(
          `${this.label}: drain timed out after ${options.timeoutMs} ms ` +
            `(${this.inFlight.size} in flight, ${this.countOutstanding(finiteMs(this.clock.now() + horizonMs))} outstanding)`,
        );
      }
      // Re-check on the next completion or a short tick (rows in backoff become due by the clock, not by events).
      let tick: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (tick = setTimeout(resolve, Math.min(this.pollIntervalMs, 20)))),
        ...this.inFlight,
      ]);
      clearTimeout(tick);
    }
  }

  /** Claims due rows and hands each to `launch`. Runs synchronously; called on wake-ups and poll ticks. */
  protected abstract pump(): void;

  /** Rows with a handler that are pending or leased and due at or before `untilMs`. */
  protected abstract countOutstanding(untilMs: number): number;

  /** Runs one delivery in the background, tracked for stop()/drain(); pumps again when it finishes. */
  protected launch(label: Record<string, unknown>, delivery: () => Promise<void>): void {
    const tracked = (async () => {
      try {
        await delivery();
      } catch (err) {
        // Deliveries record their own outcome; reaching here means the bookkeeping itself failed
        // (e.g. the database was closed under a running handler). The row's lease will bring it back.
        this.log.error({ ...label, err: describeError(err) }, `${this.label}: delivery bookkeeping failed`);
      }
    })();
    this.inFlight.add(tracked);
    void tracked.finally(() => {
      this.inFlight.delete(tracked);
      this.wake();
    });
  }

  protected wake(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Deferred so a commit's caller never runs handlers on its own stack.
    setImmediate(() => {
      this.wakeScheduled = false;
      this.pumpSafely();
    });
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      this.pumpSafely();
      if (this.running) this.schedulePoll();
    }, this.pollIntervalMs);
    // The poll loop alone must not keep a process (or a test runner) alive.
    this.pollTimer.unref();
  }

  private pumpSafely(): void {
    if (!this.running) return;
    if (!this.db.isOpen) {
      this.log.warn({}, `${this.label}: database closed; worker stopped`);
      this.halt();
      return;
    }
    try {
      this.pumpHealth.lastPumpAt = this.clock.now();
      this.pump();
    } catch (err) {
      this.pumpHealth.failures++;
      this.pumpHealth.lastFailure = describeError(err);
      this.log.error({ err: describeError(err) }, `${this.label}: polling failed`);
    }
  }

  private halt(): void {
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

/**
 * Calls `handler` once, or twice when duplicate delivery is on (each call gets its own deep copy of the input).
 * Both calls must succeed for the delivery to count as done — a handler that is only idempotent when it is
 * not raced is exactly the bug this mode exists to find.
 */
export async function deliverPossiblyTwice<A extends unknown[]>(
  mode: DuplicateDeliveryMode,
  handler: (...args: A) => Promise<void>,
  args: A,
): Promise<void> {
  const call = async (): Promise<void> => handler(...(structuredClone(args) as A));
  if (mode === false) return call();
  if (mode === 'sequential') {
    await call();
    await call();
    return;
  }
  const results = await Promise.allSettled([call(), call()]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}
