import {
  STATE_MACHINE,
  canTransition,
  docPaths,
  isUnexpectedFailure,
  type ErrorInfo,
  type Lease,
  type Transition,
  type VideoRequest,
  type VideoState,
  TRANSITION_ACTORS,
  transitionLogDoc,
  transitionsOfLog,
  type TransitionLogDoc,
} from '@d2v/schema';
import { publishEvent } from './analytics';
import { noteState } from './context';
import { reportUnexpectedError } from './error-report';
import { logs } from './logs';
import type { DocData, DocumentStore, Ports, Transaction } from './ports';
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
  /** A further condition on the current document, checked inside the transaction (false: refused like a stale event). */
  when?: (doc: VideoRequest) => boolean;
  /** Other documents written atomically with the transition (posts, profile entries). */
  alsoWrite?: (tx: Transaction, next: VideoRequest) => void;
  /**
   * A transition to apply right after this one, in the same commit (ready → posted for an auto-post): one write
   * of the request instead of two, and a log entry each. Decided from the document as this one left it; a
   * follow-up whose `from` (or lease) does not match is not applied, and this one still is.
   */
  then?: (next: VideoRequest) => TransitionSpec | undefined;
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
  | {
      applied: true;
      /** The request as the (last) applied transition left it. */
      doc: VideoRequest;
      from: VideoState;
      /** When the request had entered `from`. */
      enteredFromAt?: string;
      /** Every step applied (one, or more with `then`). */
      steps?: AppliedStep[];
    }
  | { applied: false; doc: VideoRequest | null };

/**
 * The only way a request changes state: compare-and-set on the current state plus an append to its
 * transition log, in one transaction. A refused transition returns `applied: false` and the caller must do
 * nothing else — that is what makes duplicate and out-of-order events harmless.
 */
/** A request not written yet: its initialized document and transition 0 (see steps/create.ts). */
export interface InitialRequest {
  doc: VideoRequest;
  entry: Transition;
}

export interface TransitionOptions {
  /**
   * Initialize the request in the same commit: the stored document must still be the client's (else the
   * transition is refused, with the stored request as `doc`), and `spec` applies to `initialize.doc`.
   */
  initialize?: InitialRequest;
}

export async function transition(ports: Ports, ref: RequestRef, spec: TransitionSpec, opts: TransitionOptions = {}): Promise<TransitionOutcome> {
  // A failure that is our fault is reported where it was decided: the caller's frame, not this one.
  const unexpected = spec.to === 'failed' && isUnexpectedFailure(spec.error?.code) ? new Error(`request failed with ${spec.error?.code}: ${spec.error?.message}`) : undefined;
  if (unexpected) Error.captureStackTrace(unexpected, transition);
  const { initialize } = opts;
  const outcome = await ports.store.runTransaction<TransitionOutcome>(async (tx) => {
    let doc = await readRequestInTx(tx, ref);
    // The commit's transitions, logged in one document (see TransitionLogDoc).
    const entries: Transition[] = [];
    if (initialize) {
      if (!doc) return { applied: false, doc: null };
      if (typeof doc.state === 'string' && typeof doc.transitionCount === 'number') return { applied: false, doc };
      entries.push(initialize.entry);
      doc = initialize.doc;
    }
    if (!doc || !spec.from.includes(doc.state)) return { applied: false, doc };
    if (spec.leaseOwner !== undefined && doc.lease?.owner !== spec.leaseOwner) return { applied: false, doc };
    if (spec.when && !spec.when(doc)) return { applied: false, doc };
    const at = isoNow(ports);
    const steps: AppliedStep[] = [];
    let current = doc;
    for (let step: TransitionSpec | undefined = spec; step; ) {
      const { next, entry } = applyStep(tx, current, step, at);
      entries.push(entry);
      steps.push({ spec: step, from: current.state, enteredFromAt: current.stateSince, doc: next });
      current = next;
      const follow: TransitionSpec | undefined = step.then?.(next);
      step = follow && follow.from.includes(next.state) && (follow.leaseOwner === undefined || next.lease?.owner === follow.leaseOwner) && (!follow.when || follow.when(next)) ? follow : undefined;
    }
    tx.set(requestPath(ref), current as unknown as DocData);
    tx.create(docPaths.transition(ref.uid, ref.requestId, entries[0]!.n), transitionLogDoc(entries) as unknown as DocData);
    return { applied: true, doc: current, from: doc.state, enteredFromAt: doc.stateSince, steps };
  });

  const log = ports.log.child({ uid: ref.uid, requestId: ref.requestId });
  if (!outcome.applied) {
    log.debug({ expected: spec.from, state: outcome.doc?.state ?? null, wanted: spec.to }, logs.transitionRefused);
    return outcome;
  }
  if (initialize) {
    log.info({ state: initialize.doc.state }, logs.requestInitialized);
    await publishRequestCreated(ports, initialize.doc);
  }
  for (const step of outcome.steps ?? []) {
    log.info({ from: step.from, state: step.spec.to, reason: step.spec.reason, errorCode: step.spec.error?.code }, logs.transitionApplied);
    noteState(ref.requestId, step.spec.to);
    await publishTransition(ports, ref, step);
    if (unexpected && step.spec === spec) await reportUnexpectedError(ports, { error: unexpected, uid: ref.uid, requestId: ref.requestId, errorCode: spec.error?.code });
    for (const hook of transitionHooks) {
      try {
        await hook(ports, { ref, from: step.from, to: step.spec.to, doc: step.doc });
      } catch (e) {
        log.warn({ err: String(e), hook: hook.name, state: step.spec.to }, logs.transitionHookFailed);
      }
    }
  }
  return outcome;
}

/** One applied step of a (possibly chained) transition. */
interface AppliedStep {
  spec: TransitionSpec;
  from: VideoState;
  /** When the request had entered `from`. */
  enteredFromAt?: string;
  /** The request as this step left it. */
  doc: VideoRequest;
}

/** Applies one step to the document in memory and returns its log entry (the caller writes the request and the log once). */
function applyStep(tx: Transaction, doc: VideoRequest, spec: TransitionSpec, at: string): { next: VideoRequest; entry: Transition } {
  if (!canTransition(doc.state, spec.to)) {
    throw new Error(`state machine forbids ${doc.state} → ${spec.to} (${spec.reason})`);
  }
  const n = doc.transitionCount;
  const target = STATE_MACHINE[spec.to];
  const next: VideoRequest = {
    ...doc,
    // A progress plan belongs to the state it was made for; the step entering a state may make a new one.
    progressPlan: undefined,
    ...(spec.patch ? spec.patch(doc) : {}),
    state: spec.to,
    stateLabel: target.label,
    // Progress never goes back while working; a failure, a cancel or a deletion keeps the last value.
    progress: spec.to === 'failed' || spec.to === 'cancelled' || spec.to === 'deleted' ? doc.progress : Math.max(doc.progress, target.progress),
    transitionCount: n + 1,
    updatedAt: at,
    stateSince: at,
  } as VideoRequest;
  if (spec.error !== undefined) next.error = spec.error;
  if (spec.lease !== undefined) next.lease = spec.lease;
  const entry: Transition = { n, from: doc.state, to: spec.to, at, by: spec.by, reason: spec.reason };
  if (spec.error) entry.error = spec.error;
  spec.alsoWrite?.(tx, next);
  return { next, entry };
}

/** The `transition` event: where from, where to, its place in the log, and how long the request spent in `from`. */
async function publishTransition(ports: Ports, ref: RequestRef, step: AppliedStep): Promise<void> {
  const { doc } = step;
  const at = Date.parse(doc.updatedAt);
  const entered = step.enteredFromAt ? Date.parse(step.enteredFromAt) : NaN;
  await publishEvent(ports, {
    type: 'transition',
    at: doc.updatedAt,
    uid: ref.uid,
    requestId: ref.requestId,
    parentRequestId: doc.parentRequestId,
    from: step.from,
    to: doc.state,
    n: doc.transitionCount - 1,
    model: doc.options?.model,
    errorCode: doc.state === 'failed' ? doc.error?.code : undefined,
    durationMs: Number.isFinite(entered) ? Math.max(0, at - entered) : undefined,
    totalMs: Math.max(0, at - Date.parse(doc.createdAt)),
  });
}

/** Transition 0 as an event (published by the delivery that wrote it, so a duplicate delivery adds none). */
export async function publishRequestCreated(ports: Ports, doc: VideoRequest): Promise<void> {
  await publishEvent(ports, {
    type: 'request_created',
    at: doc.createdAt,
    uid: doc.uid,
    requestId: doc.requestId,
    parentRequestId: doc.parentRequestId,
    to: doc.state,
    n: 0,
    model: doc.options?.model,
    errorCode: doc.error?.code ?? undefined,
    attrs: { resolution: doc.options?.resolution ?? null, duration: doc.options?.duration ?? null, script: Boolean(doc.scriptRequestId) },
  });
}

/** A request's transitions, one per state change in order (the log stores one document per commit). */
export async function readTransitionLog(store: DocumentStore, ref: RequestRef): Promise<Transition[]> {
  const docs = await store.query<TransitionLogDoc>({ collection: docPaths.transitions(ref.uid, ref.requestId), orderBy: { field: 'n', direction: 'asc' } });
  return transitionsOfLog(docs.map((d) => d.data));
}
