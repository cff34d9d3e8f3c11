/**
 * What the pipeline is doing right now, per async call chain: which request, its owner, the step (handler) and
 * the delivery attempt, and the request's state as last seen. Set once by the handler wrapper
 * (`instrumented-handlers.ts`) and read by the logger (every line carries these fields), by analytics (events
 * carry step and attempt) and by the instrumented Luma client (a call knows whose request it serves). Node's
 * AsyncLocalStorage keeps concurrent handlers of one process apart.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { VideoState } from '@d2v/schema';

export interface RequestContext {
  /** The handler: `create`, `action`, `submit`, `poll`, `download`, `process`, `webhook`, `sweep`, `script`. */
  step: string;
  uid?: string;
  requestId?: string;
  /** 1-based delivery attempt of the task or event, when the runtime knows it. */
  attempt?: number;
  /** The request's state as this handler last saw or wrote it. */
  state?: VideoState;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current context (a copy: the caller's object is never changed). */
export function runInContext<T>(context: RequestContext, fn: () => Promise<T>): Promise<T> {
  return storage.run({ ...context }, fn);
}

export function currentContext(): Readonly<RequestContext> | undefined {
  return storage.getStore();
}

/** Records the state the current handler just read or wrote, so later log lines carry it. */
export function noteState(requestId: string, state: VideoState | undefined): void {
  const context = storage.getStore();
  if (context && state && context.requestId === requestId) context.state = state;
}

const CONTEXT_FIELDS = ['requestId', 'uid', 'state', 'step', 'attempt'] as const;

/**
 * The context fields for one log line, minus those the logger already binds (a child logger made with
 * `{requestId}` must not print the key twice): pino's `mixin`.
 */
export function logContextFields(bound: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const context = storage.getStore();
  if (!context) return {};
  const out: Record<string, unknown> = {};
  for (const key of CONTEXT_FIELDS) {
    const value = context[key];
    if (value !== undefined && !(key in bound)) out[key] = value;
  }
  return out;
}

/**
 * Runs `fn` with no request context: for runtime machinery woken from inside a handler (a commit that wakes the
 * local queue or dispatcher) whose work belongs to nobody's request, so its log lines do not borrow the
 * waking handler's request.
 */
export function outsideRequestContext<T>(fn: () => T): T {
  return storage.exit(fn);
}
