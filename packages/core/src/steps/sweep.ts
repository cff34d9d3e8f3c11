import { STATE_MACHINE, VIDEO_STATES, type VideoRequest, type VideoState } from '@d2v/schema';
import { errorInfo } from '../errors';
import type { SweepOptions, SweepResult } from '../handlers';
import { leaseIsLive } from '../lease';
import { logs } from '../logs';
import { runOpsChecks } from '../monitoring/ops-checks';
import type { DocSnapshot, Ports, QueryFilter } from '../ports';
import { transition } from '../transition';
import { settleCancel } from './cancel';
import { onRequestCreated } from './create';
import { ensureNextStep } from './next-step';

const WORKING = VIDEO_STATES.filter((s) => STATE_MACHINE[s].hasDeadline);
const SWEEP_BATCH = 200;
const WAITING_FOR_SLOT: readonly VideoState[] = ['queued', 'keyframe_queued'];

/**
 * Scheduled: a request still working past its deadline is failed (retryable); one whose work has no live lease and
 * that has not moved for `rekickAfterMs` gets its next step enqueued again (a lost task, an exhausted retry budget,
 * a worker that died between a transition and its enqueue). A running step renews its lease, so it is never
 * re-kicked. `resume`: a runtime that knows every earlier incarnation is dead (the local stack at start) re-kicks
 * every working request without a live lease at once, whatever its age.
 */
export async function sweep(ports: Ports, opts: SweepOptions = {}): Promise<SweepResult> {
  const now = ports.clock.now();
  const result: SweepResult = { failed: 0, rekicked: 0 };
  const overdue = await workingRequests(ports, { field: 'deadlineAt', op: '<', value: now });
  for (const snap of overdue) {
    const doc = snap.data;
    // Cancel (issue #9): a request being cancelled is finished as cancelled, not failed.
    if (doc.cancelRequested) {
      await settleQuietly(ports, doc, String(Math.floor(now / ports.config.rekickAfterMs)));
      continue;
    }
    const moved = await transition(ports, { uid: doc.uid, requestId: doc.requestId }, {
      from: [doc.state],
      to: 'failed',
      by: 'sweeper',
      reason: `deadline passed while ${doc.state}`,
      lease: null,
      error: errorInfo('TIMEOUT', `The video took longer than ${Math.round(ports.config.requestDeadlineMs / 60000)} minutes and was stopped.`),
    });
    if (moved.applied) {
      result.failed++;
      ports.log.warn({ uid: doc.uid, requestId: doc.requestId, state: doc.state }, logs.sweepFailed);
    }
  }

  const staleBefore = new Date(opts.resume ? now + 1 : now - ports.config.rekickAfterMs).toISOString();
  const stale = await workingRequests(ports, { field: 'updatedAt', op: '<', value: staleBefore });
  // Periodic: one re-kick per request per period (the task ids dedupe repeats). Resume: the step's own task id, so
  // a task that still exists (pending, or handed back) is not doubled; only a step whose enqueue died is started.
  const bucket = opts.resume ? undefined : String(Math.floor(now / ports.config.rekickAfterMs));
  const waitingSince = new Date(now - ports.config.rekickQueuedAfterMs).toISOString();
  for (const snap of stale) {
    if (snap.data.deadlineAt < now || leaseIsLive(ports, snap.data.lease)) continue;
    if (snap.data.cancelRequested) {
      await settleQuietly(ports, snap.data, bucket ?? 'resume');
      continue;
    }
    // Waiting for a Luma slot: its task waits in the rate-limited submit queue; re-kicks would only take slots.
    if (!opts.resume && WAITING_FOR_SLOT.includes(snap.data.state) && snap.data.updatedAt >= waitingSince) continue;
    if (await restartStep(ports, snap.data, bucket)) {
      result.rekicked++;
      ports.log.info({ uid: snap.data.uid, requestId: snap.data.requestId, state: snap.data.state }, logs.sweepRekicked);
    }
  }
  if (!opts.resume) await runOpsChecks(ports);
  return result;
}

async function settleQuietly(ports: Ports, doc: VideoRequest, bucket: string): Promise<void> {
  await settleCancel(ports, { uid: doc.uid, requestId: doc.requestId }, { rekick: `cancel-${bucket}` }).catch((e: unknown) =>
    ports.log.warn({ uid: doc.uid, requestId: doc.requestId, err: String(e) }, logs.cancelDeferred),
  );
}

/**
 * Puts a request back in motion. Validation has no task of its own (the create trigger runs it, or a keyframe
 * planned again): the sweeper runs it itself, as that trigger's redelivery would. Everything else: its next task.
 */
async function restartStep(ports: Ports, doc: VideoRequest, bucket: string | undefined): Promise<boolean> {
  if (doc.state === 'pending' || doc.state === 'validating') {
    await onRequestCreated(ports, { uid: doc.uid, requestId: doc.requestId });
    return true;
  }
  return ensureNextStep(ports, doc, bucket === undefined ? {} : { rekick: bucket });
}

/** Requests of every user that are still working and match `filter` (a collection-group query, indexed). */
function workingRequests(ports: Ports, filter: QueryFilter): Promise<DocSnapshot<VideoRequest>[]> {
  return ports.store.query<VideoRequest>({
    collection: 'videoRequests',
    group: true,
    where: [{ field: 'state', op: 'in', value: WORKING }, filter],
    limit: SWEEP_BATCH,
  });
}
