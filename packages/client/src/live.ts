import type { Transition } from '@d2v/schema';
import { D2vError } from './errors';
import { readEventStream } from './sse';
import type { RequestDoc, RequestWatcher, Unsubscribe } from './types';

export interface LiveSource {
  /** Opens `GET /v1/requests/:id/live` (resolves once the server answered 200). */
  open(requestId: string, signal: AbortSignal): Promise<Response>;
  listTransitions(requestId: string): Promise<Transition[]>;
}

/** After the server closes a settled request's stream, look again this often (longer while nothing changes). */
export const REOPEN_DELAYS_MS = [1_000, 2_000, 5_000] as const;
/** Consecutive failures to reach the server before a watcher is told and stops. */
const MAX_FAILURES = 5;
/** Errors after which looking again cannot help. */
const FINAL_CODES = new Set(['NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'INVALID_REQUEST']);

/**
 * onSnapshot semantics on the local API's live view: the server streams a request's changes (SSE) and ends the
 * stream once the request is settled; an action can move it again (ready → posted, failed → queued), so the
 * follower re-opens the stream — at once when this client sent an action (`wake`), else after a back-off.
 */
export class LiveFollower {
  private readonly wakers = new Map<string, Set<() => void>>();

  constructor(private readonly source: LiveSource) {}

  wake(requestId: string): void {
    for (const wake of this.wakers.get(requestId) ?? []) wake();
  }

  follow(requestId: string, watcher: RequestWatcher): Unsubscribe {
    const abort = new AbortController();
    let lastDoc = '';
    let lastTransitionCount = -1;
    let queue = Promise.resolve();
    let wakeNow: (() => void) | null = null;
    const wakers = this.wakers.get(requestId) ?? new Set<() => void>();
    this.wakers.set(requestId, wakers);
    const waker = () => wakeNow?.();
    wakers.add(waker);

    const deliver = (doc: RequestDoc): boolean => {
      const text = JSON.stringify(doc);
      if (text === lastDoc) return false;
      lastDoc = text;
      // Deliveries are chained so a slow transitions fetch never reorders documents.
      queue = queue.then(async () => {
        if (abort.signal.aborted) return;
        watcher.onRequest(doc);
        if (watcher.onTransitions && typeof doc.transitionCount === 'number' && doc.transitionCount !== lastTransitionCount) {
          lastTransitionCount = doc.transitionCount;
          const transitions = await this.source.listTransitions(requestId).catch(() => null);
          if (transitions && !abort.signal.aborted) watcher.onTransitions(transitions);
        }
      });
      return true;
    };

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeNow = null;
          abort.signal.removeEventListener('abort', done);
          resolve();
        }
        wakeNow = done;
        abort.signal.addEventListener('abort', done, { once: true });
      });

    const run = async () => {
      let failures = 0;
      let quiet = 0;
      while (!abort.signal.aborted) {
        let changed = false;
        try {
          const res = await this.source.open(requestId, abort.signal);
          await readEventStream(res.body!, (message) => {
            if (message.event !== 'request') return;
            if (deliver(JSON.parse(message.data) as RequestDoc)) changed = true;
          }, abort.signal);
          failures = 0;
        } catch (e) {
          if (abort.signal.aborted) return;
          const error = e instanceof D2vError ? e : new D2vError('NETWORK');
          if (FINAL_CODES.has(error.code) || ++failures >= MAX_FAILURES) {
            await queue;
            watcher.onError?.(error);
            return;
          }
        }
        quiet = changed ? 0 : Math.min(quiet + 1, REOPEN_DELAYS_MS.length - 1);
        await pause(REOPEN_DELAYS_MS[quiet]!);
      }
    };
    void run();

    return () => {
      abort.abort();
      wakers.delete(waker);
      if (wakers.size === 0) this.wakers.delete(requestId);
    };
  }
}
