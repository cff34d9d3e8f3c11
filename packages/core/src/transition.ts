import {
  STATE_MACHINE,
  canTransition,
  docPaths,
  type ErrorInfo,
  type Lease,
  type Transition,
  type VideoRequest,
  type VideoState,
  TRANSITION_ACTORS,
} from '@d2v/schema';
import { publishEvent } from './analytics';
import { logs } from './logs';
import type { DocData, Ports, Transaction } from './ports';
import { isoNow, readRequestInTx, requestPath, type RequestRef } from './request-doc';

export type TransitionActor = (typeof TRANSITION_ACTORS)[number];

export interface TransitionSpec {
  /** The states this step expects to find; anything else means a duplicate or stale event. */
  from: readonly VideoState[];
  to: VideoState;
  by: TransitionActor;
  reason: string;
  error?: ErrorInfo | null;
  /** Fields to change with the state (computed from the current document inside the transaction). */
  patch?: (doc: VideoRequest) => DocData;
  /** The lease the new state starts with (null clears it); unchanged when omitted. */
  lease?: Lease | null;
  /** When set, the transition also requires this worker to hold the lease. */
  leaseOwner?: string;
  /** When set, the transition also requires this of the current document (read inside the transaction). */
  guard?: (doc: VideoRequest) => boolean;
  /** Other documents written atomically with the transition (posts, profile entries). */
  alsoWrite?: (tx: Transaction, next: VideoRequest) => void;
}

/** What a transition hook hears: the transition was committed; `doc` is the request as written. */
export interface AppliedTransition {
  ref: RequestRef;
  from: VideoState;
  to: VideoState;
  doc: VideoRequest;
}

/**
 * Something to do after every applied transition (after the commit, in order of registration). A hook decides
 * for itself which transitions matter to it, so this module stays generic: the multi-shot module reacts to its
 * shots settling without the transition knowing what a shot is. A hook should not throw; one that does is logged
 * and ignored, because the transition is already committed and its caller must carry on.
 */
export type TransitionHook = (ports: Ports, applied: AppliedTransition) => Promise<void>;

const transitionHooks = new Set<TransitionHook>();

/** Registers a hook once (registering the same function again changes nothing); wired in `pipeline.ts`. */
export function onTransitionApplied(hook: TransitionHook): void {
  transitionHooks.add(hook);
}

export type TransitionOutcome =
  | { applied: true; doc: VideoRequest; from: VideoState }
  | { applied: false; doc: VideoRequest | null };

/**
 * The only way a request changes state: compare-and-set on the current state plus an append to its
 * transition log, in one transaction. A refused transition returns `applied: false` and the caller must do
 * nothing else — that is what makes duplicate and out-of-order events harmless.
 */
export async function transition(ports: Ports, ref: RequestRef, spec: TransitionSpec): Promise<TransitionOutcome> {
  const outcome = await ports.store.runTransaction<TransitionOutcome>(async (tx) => {
    const doc = await readRequestInTx(tx, ref);
    if (!doc || !spec.from.includes(doc.state)) return { applied: false, doc };
    if (spec.leaseOwner !== undefined && doc.lease?.owner !== spec.leaseOwner) return { applied: false, doc };
    if (spec.guard && !spec.guard(doc)) return { applied: false, doc };
    if (!canTransition(doc.state, spec.to)) {
      throw new Error(`state machine forbids ${doc.state} → ${spec.to} (${spec.reason})`);
    }
    const at = isoNow(ports);
    const n = doc.transitionCount;
    const target = STATE_MACHINE[spec.to];
    const next: VideoRequest = {
      ...doc,
      ...(spec.patch ? spec.patch(doc) : {}),
      state: spec.to,
      stateLabel: target.label,
      // Progress never goes back while working; a failure or deletion keeps the last value.
      progress: spec.to === 'failed' || spec.to === 'deleted' ? doc.progress : Math.max(doc.progress, target.progress),
      transitionCount: n + 1,
      updatedAt: at,
    } as VideoRequest;
    if (spec.error !== undefined) next.error = spec.error;
    if (spec.lease !== undefined) next.lease = spec.lease;
    const entry: Transition = { n, from: doc.state, to: spec.to, at, by: spec.by, reason: spec.reason };
    if (spec.error) entry.error = spec.error;
    tx.set(requestPath(ref), next as unknown as DocData);
    tx.create(docPaths.transition(ref.uid, ref.requestId, n), entry as unknown as DocData);
    spec.alsoWrite?.(tx, next);
    return { applied: true, doc: next, from: doc.state };
  });

  const log = ports.log.child({ uid: ref.uid, requestId: ref.requestId });
  if (outcome.applied) {
    log.info({ from: outcome.from, state: spec.to, reason: spec.reason, errorCode: spec.error?.code }, logs.transitionApplied);
    await publishEvent(ports, {
      type: 'transition',
      uid: ref.uid,
      requestId: ref.requestId,
      from: outcome.from,
      to: spec.to,
      errorCode: spec.error?.code,
      durationMs: Date.parse(outcome.doc.updatedAt) - Date.parse(outcome.doc.createdAt),
    });
    for (const hook of transitionHooks) {
      try {
        await hook(ports, { ref, from: outcome.from, to: spec.to, doc: outcome.doc });
      } catch (e) {
        log.warn({ err: String(e), hook: hook.name, state: spec.to }, logs.transitionHookFailed);
      }
    }
  } else {
    log.debug({ expected: spec.from, state: outcome.doc?.state ?? null, wanted: spec.to }, logs.transitionRefused);
  }
  return outcome;
}
