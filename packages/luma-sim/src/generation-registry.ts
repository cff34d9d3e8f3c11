/**
 * Every generation the simulator has admitted, in creation order, and the questions asked of them: one by id,
 * what validation may see (deleted ones no longer exist), a page of the list endpoint (newest first), and how
 * many of a model family are in flight for the rate limiter. Also the waiters for a generation to end, which
 * `sync` image requests and shutdown use. The engine owns one registry; only it adds records or wakes waiters.
 */
import type { ModelFamily } from './config';
import { assetMedia, isTerminal, type GenerationRecord } from './generation-record';
import type { InFlightSummary } from './limits';
import type { ExistingGeneration } from './validation';

export class GenerationRegistry {
  private readonly records = new Map<string, GenerationRecord>();
  /** Creation order; the list endpoint walks it backwards (newest first). */
  private readonly order: GenerationRecord[] = [];

  add(rec: GenerationRecord): void {
    this.records.set(rec.id, rec);
    this.order.push(rec);
  }

  /** Any record, deleted or not. */
  get(id: string): GenerationRecord | undefined {
    return this.records.get(id);
  }

  /** What validation may see: deleted generations do not exist any more. */
  lookup = (id: string): ExistingGeneration | undefined => {
    const rec = this.records.get(id);
    if (!rec || rec.deleted) return undefined;
    return { generationType: rec.generationType, state: rec.state, media: assetMedia(rec.generationType), ...rec.facts };
  };

  all(): GenerationRecord[] {
    return [...this.order];
  }

  /** Newest first, deleted ones left out. */
  page(limit: number, offset: number): { items: GenerationRecord[]; hasMore: boolean } {
    const visible = this.order.filter((r) => !r.deleted).reverse();
    return { items: visible.slice(offset, offset + limit), hasMore: offset + limit < visible.length };
  }

  inFlight(family: ModelFamily): InFlightSummary {
    let count = 0;
    let earliest: number | undefined;
    for (const r of this.order) {
      if (r.family !== family || r.deleted || isTerminal(r.state)) continue;
      count++;
      earliest = earliest === undefined ? r.expectedEndMs : Math.min(earliest, r.expectedEndMs);
    }
    return { count, earliestExpectedEndMs: earliest };
  }
}

/** Callbacks waiting for a generation to reach a terminal state (or be deleted), each with its own timeout. */
export class TerminalWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when wake(id) or wakeAll() is called, or after `timeoutMs`. */
  wait(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  wake(id: string): void {
    const waiters = this.waiters.get(id);
    if (!waiters) return;
    this.waiters.delete(id);
    for (const wake of [...waiters]) wake();
  }

  wakeAll(): void {
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }
}
