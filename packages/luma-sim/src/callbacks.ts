/**
 * State callbacks as Luma sends them: the generation JSON POSTed to `callback_url` for dreaming, completed and
 * failed, each `duplicateCallbacks` times (duplicates are normal at Luma); anything but 200 is retried at most 3
 * times, 100 ms apart, with a 5 s timeout per attempt, then dropped. No signature, no auth header.
 */
import type { SimLogger } from './config';
import type { FaultInjector } from './faults';
import type { LumaGenerationJson } from './types';

export const CALLBACK_RETRIES = 3;
export const CALLBACK_RETRY_DELAY_MS = 100;
export const CALLBACK_TIMEOUT_MS = 5000;

export interface CallbackCounters {
  /** Deliveries that got a 200. */
  sent: number;
  /** Deliveries given up after all retries. */
  failed: number;
  /** Deliveries lost on purpose by `callbackFailureRate` (never sent). */
  lost: number;
  /** HTTP attempts, including retries. */
  attempts: number;
}

export class CallbackSender {
  readonly counters: CallbackCounters = { sent: 0, failed: 0, lost: 0, attempts: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    private readonly faults: FaultInjector,
    private readonly log: SimLogger,
  ) {}

  /** Sends in the background; the generation lifecycle never waits on a receiver. */
  send(url: string, generation: LumaGenerationJson): void {
    if (this.stop.signal.aborted) return;
    const body = JSON.stringify(generation);
    const task = this.sendCopies(url, body, generation).finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Aborts in-flight deliveries (close()) and waits until none is left. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.pending]);
  }

  private async sendCopies(url: string, body: string, generation: LumaGenerationJson): Promise<void> {
    // Copies go one after another: a receiver sees the duplicate after the original, as from a retrying sender.
    for (let copy = 0; copy < this.faults.options.duplicateCallbacks; copy++) {
      if (this.stop.signal.aborted) return;
      if (this.faults.loseCallback()) {
        this.counters.lost++;
        this.log('debug', 'luma-sim: callback lost on purpose', { id: generation.id, state: generation.state, url });
        continue;
      }
      await this.deliver(url, body, generation);
    }
  }

  private async deliver(url: string, body: string, generation: LumaGenerationJson): Promise<void> {
    let lastProblem = '';
    for (let attempt = 0; attempt <= CALLBACK_RETRIES; attempt++) {
      if (attempt > 0 && !(await this.pause(CALLBACK_RETRY_DELAY_MS))) return;
      this.counters.attempts++;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'luma-sim-callback/1' },
          body,
          signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
        });
        await res.body?.cancel().catch(() => undefined);
        // Luma's rule: only exactly 200 counts; a 201/204 receiver gets retried like a failing one.
        if (res.status === 200) {
          this.counters.sent++;
          return;
        }
        lastProblem = `HTTP ${res.status}`;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        lastProblem = (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message;
      }
    }
    this.counters.failed++;
    this.log('warn', 'luma-sim: callback given up', { id: generation.id, state: generation.state, url, lastProblem });
  }

  /** false if the sender was stopped while waiting. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stop.signal.aborted) return resolve(false);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.stop.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      this.stop.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
