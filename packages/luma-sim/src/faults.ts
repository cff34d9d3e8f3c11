/**
 * Fault injection: every random decision the sim makes about failing, in one place, drawn from seeded
 * streams so that a failing test can be replayed with the same LUMA_SIM_SEED.
 */
import { FaultOptions, mergeFaults, checkRanges, DEFAULT_LIMITS, DEFAULT_TIMING } from './config';
import { namedStream, Random } from './prng';

export type InjectedServerError = 500 | 502 | 503;
const SERVER_ERROR_STATUSES: InjectedServerError[] = [500, 502, 503];

export class FaultInjector {
  private current: FaultOptions;
  private readonly serverErrorRandom: Random;
  private readonly failureRandom: Random;
  private readonly callbackRandom: Random;

  constructor(seed: number, faults: FaultOptions) {
    this.current = mergeFaults(faults, undefined);
    this.serverErrorRandom = namedStream(seed, 'server-error');
    this.failureRandom = namedStream(seed, 'generation-failure');
    this.callbackRandom = namedStream(seed, 'callback-loss');
  }

  get options(): Readonly<FaultOptions> {
    return this.current;
  }

  update(partial: Partial<FaultOptions>): void {
    const next = mergeFaults(this.current, partial);
    checkRanges({ timing: DEFAULT_TIMING, limits: DEFAULT_LIMITS, faults: next });
    this.current = next;
  }

  /** The status to answer instead of doing the request, or null to serve it normally. */
  serverError(): InjectedServerError | null {
    if (this.current.serverErrorRate <= 0) return null;
    const roll = this.serverErrorRandom();
    if (roll >= this.current.serverErrorRate) return null;
    // Reuse the roll (uniform within [0, rate)) to pick the status: no extra draw, so streams stay aligned.
    const index = Math.floor((roll / this.current.serverErrorRate) * SERVER_ERROR_STATUSES.length);
    return SERVER_ERROR_STATUSES[Math.min(index, SERVER_ERROR_STATUSES.length - 1)];
  }

  /**
   * Decided once, when a generation is accepted: the reason it will fail with, or null if it will succeed.
   * Blacklisted words fail deterministically (no draw) so tests can ask for a failure by prompt.
   */
  plannedFailure(prompt: string | undefined): string | null {
    const text = (prompt ?? '').toLowerCase();
    if (this.current.blacklistedWords.some((w) => w.length > 0 && text.includes(w.toLowerCase()))) {
      return 'Contains blacklisted words';
    }
    if (this.current.failureRate <= 0) return null;
    const roll = this.failureRandom();
    if (roll >= this.current.failureRate) return null;
    const reasons = this.current.failureReasons;
    const index = Math.floor((roll / this.current.failureRate) * reasons.length);
    return reasons[Math.min(index, reasons.length - 1)];
  }

  /** True when this callback delivery should be lost without being sent. */
  loseCallback(): boolean {
    if (this.current.callbackFailureRate <= 0) return false;
    return this.callbackRandom() < this.current.callbackFailureRate;
  }
}
