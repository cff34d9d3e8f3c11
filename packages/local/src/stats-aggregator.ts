/**
 * The local analytics aggregator: what the Pub/Sub-triggered `analyticsAggregator` function does in Firebase,
 * on a timer. Every `intervalMs` it reads the events published since its cursor (in order, like a pull
 * subscription), folds them in batches into the statistics buckets with the core's `applyAnalyticsBatch`, and
 * moves its cursor on. A crash between the batch and the cursor replays the batch, which the buckets' seen-ids
 * turn into no change: exactly once.
 */
import { applyAnalyticsBatch, MAX_BATCH_EVENTS, type BatchResult, type Clock, type DocumentStore, type Logger } from '@d2v/core';
import { logs } from '@d2v/core';
import type { SqliteEventSink } from './adapters';

export const STATS_CONSUMER = 'stats-aggregator';

export interface LocalStatsAggregatorOptions {
  events: SqliteEventSink;
  store: DocumentStore;
  shards: number;
  intervalMs: number;
  clock: Clock;
  log: Logger;
}

export class LocalStatsAggregator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BatchResult> | undefined;

  constructor(private readonly options: LocalStatsAggregatorOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  /** Counts everything published so far (one run at a time; a second caller waits for the same run, then runs). */
  async flush(): Promise<BatchResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.drain();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }

  private async drain(): Promise<BatchResult> {
    const { events, store, shards, clock, log } = this.options;
    const total: BatchResult = { counted: 0, duplicates: 0, buckets: 0 };
    for (;;) {
      const batch = events.readAfter(events.cursor(STATS_CONSUMER), MAX_BATCH_EVENTS);
      if (batch.length === 0) return total;
      try {
        const result = await applyAnalyticsBatch(store, batch.map((b) => b.event), { shards, nowIso: new Date(clock.now()).toISOString() });
        total.counted += result.counted;
        total.duplicates += result.duplicates;
        total.buckets += result.buckets;
        log.debug({ ...result, events: batch.length }, logs.statsBatchCounted);
      } catch (e) {
        log.warn({ err: String(e), events: batch.length }, logs.statsBatchFailed);
        throw e;
      }
      events.advanceCursor(STATS_CONSUMER, batch[batch.length - 1]!.seq);
    }
  }
}
