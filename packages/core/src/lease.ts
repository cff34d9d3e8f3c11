/**
 * Step leases: which worker owns a long step of a request (submit, download, process, joining shots). A lease is
 * short (`stepLeaseMs`, a minute by default) and renewed by a heartbeat while the step runs, so a worker that dies
 * loses it within a minute and a live one never does. Owner ids carry the incarnation of the process that took
 * them; a runtime that knows an incarnation is dead (the local stack: one process per data dir) says so through
 * `ports.liveness`, and such a lease counts as lapsed at once. Both runtimes use this module; it knows no runtime.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Lease, VideoRequest, VideoState } from '@d2v/schema';
import { logs } from './logs';
import type { DocData, HeldLease, Liveness, Ports } from './ports';
import { updateRequestIf, type RequestRef } from './request-doc';

/** A new incarnation id: sortable by start time, unique, and free of the `.` that separates it in owner ids. */
export function newIncarnationId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The liveness port for both runtimes. `othersAreDead`: the runtime guarantees that no other incarnation runs
 * (the local stack's data-dir lock), so their leases are dead whatever their expiry says. Firebase instances know
 * nothing of each other and pass false.
 */
export class Incarnation implements Liveness {
  readonly incarnation: string;
  private readonly othersAreDead: boolean;
  private readonly leases = new Map<string, HeldLease>();

  constructor(opts: { id?: string; othersAreDead: boolean }) {
    this.incarnation = opts.id ?? newIncarnationId();
    if (this.incarnation.includes('.')) throw new Error(`an incarnation id may not contain ".": ${this.incarnation}`);
    this.othersAreDead = opts.othersAreDead;
  }

  isDead(owner: string): boolean {
    return this.othersAreDead && incarnationOf(owner) !== this.incarnation;
  }

  track(held: HeldLease): () => void {
    const key = `${held.uid}/${held.requestId}/${held.owner}`;
    this.leases.set(key, held);
    return () => void this.leases.delete(key);
  }

  held(): HeldLease[] {
    return [...this.leases.values()];
  }
}

/** `<incarnation>.<random>`; owners written before incarnations existed have no `.` and belong to none. */
export function newLeaseOwner(ports: Pick<Ports, 'liveness'>): string {
  return `${ports.liveness?.incarnation ?? 'anon'}.${randomUUID()}`;
}

export function incarnationOf(owner: string): string {
  const dot = owner.indexOf('.');
  return dot < 0 ? '' : owner.slice(0, dot);
}

/** Live: not expired, and its owner is not known to be dead. */
export function leaseIsLive(ports: Pick<Ports, 'clock' | 'liveness'>, lease: Lease | null | undefined): lease is Lease {
  if (!lease || lease.until <= ports.clock.now()) return false;
  return !(ports.liveness?.isDead(lease.owner) ?? false);
}

/** Unexpired but held by a process the runtime knows is dead (a crash, not a slow or failing step). */
export function leaseHolderIsDead(ports: Pick<Ports, 'clock' | 'liveness'>, lease: Lease | null | undefined): boolean {
  return Boolean(lease && lease.until > ports.clock.now() && ports.liveness?.isDead(lease.owner));
}

export function newLease(ports: Pick<Ports, 'clock' | 'config'>, step: string, owner: string): Lease {
  return { step, owner, until: ports.clock.now() + ports.config.stepLeaseMs };
}

export function heldLease(ref: RequestRef, owner: string, step: string, states: readonly VideoState[]): HeldLease {
  return { uid: ref.uid, requestId: ref.requestId, owner, step, states };
}

export type LeaseClaim =
  | { kind: 'held'; doc: VideoRequest; held: HeldLease }
  /** Another worker's live lease: wait for it to end (see followUpWhenLeaseEnds), do not spend an attempt. */
  | { kind: 'busy'; lease: Lease }
  /** The request is not (or no longer) in a state where this step has work: a duplicate or stale delivery. */
  | { kind: 'done'; doc: VideoRequest | null };

export interface AcquireSpec {
  step: string;
  states: readonly VideoState[];
  /** A further condition on the request, checked in the claim's transaction (false: nothing to do, no write). */
  when?: (doc: VideoRequest) => boolean;
  /** Fields written with the lease (attempt counters); `takeover.fromDead` says a killed process held it. */
  patch?: (doc: VideoRequest, takeover: { fromDead: boolean }) => DocData;
}

/** Takes the step lease on a request in one of `spec.states`, unless another worker holds a live one (then no write). */
export async function acquireLease(ports: Ports, ref: RequestRef, spec: AcquireSpec): Promise<LeaseClaim> {
  const owner = newLeaseOwner(ports);
  let busy: Lease | undefined;
  const doc = await updateRequestIf(ports, ref, { states: spec.states, ...(spec.when ? { when: spec.when } : {}) }, (d) => {
    busy = undefined;
    if (leaseIsLive(ports, d.lease)) {
      busy = d.lease;
      return null;
    }
    return { ...(spec.patch?.(d, { fromDead: leaseHolderIsDead(ports, d.lease) }) ?? {}), lease: newLease(ports, spec.step, owner) };
  });
  if (busy) return { kind: 'busy', lease: busy };
  if (!doc || doc.lease?.owner !== owner) return { kind: 'done', doc };
  return { kind: 'held', doc, held: heldLease(ref, owner, spec.step, spec.states) };
}

/**
 * Extends a held lease to a full `stepLeaseMs` from now; false when it is no longer ours (taken over, moved on).
 * `unlessMoreThanMs`: only check it is ours — no write — while more than this is left of it.
 */
export async function renewLease(ports: Ports, held: HeldLease, opts: { unlessMoreThanMs?: number } = {}): Promise<boolean> {
  const doc = await updateRequestIf(ports, held, { states: held.states, leaseOwner: held.owner }, (d) => {
    const now = ports.clock.now();
    if (opts.unlessMoreThanMs !== undefined && d.lease!.until - now > opts.unlessMoreThanMs) return null;
    return { lease: { ...d.lease!, until: now + ports.config.stepLeaseMs } };
  });
  return doc !== null;
}

/** Gives a lease back so the next delivery need not wait for it to lapse. Best effort: a failure only means waiting. */
export async function releaseLease(ports: Ports, held: HeldLease): Promise<void> {
  try {
    await updateRequestIf(ports, held, { states: held.states, leaseOwner: held.owner }, () => ({ lease: null }));
  } catch (e) {
    ports.log.warn({ uid: held.uid, requestId: held.requestId, step: held.step, err: String(e) }, logs.leaseReleaseFailed);
  }
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(readonly held: HeldLease) {
    super(`the ${held.step} lease on ${held.requestId} was lost (taken over, handed back, or the request moved on)`);
  }
}

/**
 * Runs a step while holding its lease: renews it every third of `stepLeaseMs` (one document write each, only while
 * the step runs), and tells `work` through the signal when a renewal finds the lease gone. A step that throws gives
 * its lease back; a step that returns has settled its lease itself (its closing transition clears it).
 */
export async function withLease<T>(ports: Ports, held: HeldLease, work: (lost: AbortSignal) => Promise<T>): Promise<T> {
  const untrack = ports.liveness?.track(held);
  const lost = new AbortController();
  const heartbeat = startHeartbeat(ports, held, lost);
  try {
    return await work(lost.signal);
  } catch (e) {
    heartbeat.stop();
    await releaseLease(ports, held);
    throw e;
  } finally {
    heartbeat.stop();
    untrack?.();
  }
}

function startHeartbeat(ports: Ports, held: HeldLease, lost: AbortController): { stop(): void } {
  const everyMs = Math.max(1000, Math.floor(ports.config.stepLeaseMs / 3));
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    renewLease(ports, held)
      .then((ours) => {
        if (ours) return;
        clearInterval(timer);
        ports.log.warn({ uid: held.uid, requestId: held.requestId, step: held.step }, logs.leaseLost);
        lost.abort(new LeaseLostError(held));
      })
      // A failed renewal (store unavailable) is tried again on the next beat; two in a row still leave a third of the lease.
      .catch((e: unknown) => ports.log.warn({ uid: held.uid, requestId: held.requestId, step: held.step, err: String(e) }, logs.leaseRenewFailed))
      .finally(() => (renewing = false));
  }, everyMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}

/**
 * A graceful stop: every lease this process still holds is handed back, so the next worker need not wait for it to
 * lapse. `reusableAt` (epoch ms): shorten the leases to then instead of clearing them — an instance that keeps
 * running until the platform kills it must not be overtaken before that. Returns how many were handed back.
 */
export async function handBackLeases(ports: Ports, opts: { reusableAt?: number } = {}): Promise<number> {
  let handedBack = 0;
  for (const held of ports.liveness?.held() ?? []) {
    try {
      const doc = await updateRequestIf(ports, held, { states: held.states, leaseOwner: held.owner }, (d) => ({
        lease: opts.reusableAt === undefined ? null : { ...d.lease!, until: Math.min(d.lease!.until, opts.reusableAt) },
      }));
      if (doc) handedBack++;
    } catch (e) {
      ports.log.warn({ uid: held.uid, requestId: held.requestId, step: held.step, err: String(e) }, logs.leaseReleaseFailed);
    }
  }
  if (handedBack) ports.log.info({ leases: handedBack }, logs.leasesHandedBack);
  return handedBack;
}
