/**
 * Push deliveries (one Pub/Sub message per function invocation) folded into batches: each `add` waits until
 * the batch holding its event is committed, so the message is acknowledged only once it is counted, and an
 * instance handling many concurrent invocations writes each bucket document once per flush instead of once per
 * event. Flushes run one at a time per instance (two would contend for the same buckets).
 */
import type { AnalyticsEvent } from '@d2v/schema';
import { MAX_BATCH_EVENTS, type BatchResult } from './buckets';

export interface AnalyticsBatcherOptions {
  /** How long the first event of a batch waits for company (ms). */
  flushMs: number;
  /** A batch this full is flushed at once. */
  maxBatch?: number;
  apply(events: AnalyticsEvent[]): Promise<BatchResult>;
}

interface Waiting {
  event: AnalyticsEvent;
  resolve(result: BatchResult): void;
  reject(error: unknown): void;
}

export class AnalyticsBatcher {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;

  constructor(private readonly options: AnalyticsBatcherOptions) {
    this.maxBatch = Math.min(MAX_BATCH_EVENTS, Math.max(1, options.maxBatch ?? MAX_BATCH_EVENTS));
  }

  /** Resolves with the result of the batch that counted the event; rejects if that batch failed to commit. */
  add(event: AnalyticsEvent): Promise<BatchResult> {
    return new Promise<BatchResult>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.options.flushMs);
    });
  }

  /** Flushes everything waiting now (tests, shutdown). */
  async flush(): Promise<void> {
    this.clearTimer();
    await this.enqueueFlush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueueFlush();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueueFlush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const result = await this.options.apply(batch.map((w) => w.event));
        for (const w of batch) w.resolve(result);
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
  }
}
