import { STATE_MACHINE, VIDEO_STATES, type VideoRequest } from '@d2v/schema';
import { errorInfo } from '../errors';
import type { SweepResult } from '../handlers';
import { logs } from '../logs';
import { runOpsChecks } from '../monitoring/ops-checks';
import type { DocSnapshot, Ports, QueryFilter } from '../ports';
import { transition } from '../transition';
import { settleCancel } from './cancel';
import { ensureNextStep } from './next-step';

const WORKING = VIDEO_STATES.filter((s) => STATE_MACHINE[s].hasDeadline);
const SWEEP_BATCH = 200;

/**
 * Scheduled: a request still working past its deadline is failed (retryable); one that has not moved for
 * `rekickAfterMs` gets its next step enqueued again (a lost task or an exhausted retry budget).
 */
export async function sweep(ports: Ports): Promise<SweepResult> {
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

  const staleBefore = new Date(now - ports.config.rekickAfterMs).toISOString();
  const stale = await workingRequests(ports, { field: 'updatedAt', op: '<', value: staleBefore });
  const bucket = String(Math.floor(now / ports.config.rekickAfterMs));
  for (const snap of stale) {
    if (snap.data.deadlineAt < now || snap.data.cancelRequested) {
      if (snap.data.cancelRequested) await settleQuietly(ports, snap.data, bucket);
      continue;
    }
    if (await ensureNextStep(ports, snap.data, { rekick: bucket })) {
      result.rekicked++;
      ports.log.info({ uid: snap.data.uid, requestId: snap.data.requestId, state: snap.data.state }, logs.sweepRekicked);
    }
  }
  await runOpsChecks(ports);
  return result;
}

async function settleQuietly(ports: Ports, doc: VideoRequest, bucket: string): Promise<void> {
  await settleCancel(ports, { uid: doc.uid, requestId: doc.requestId }, { rekick: `cancel-${bucket}` }).catch((e: unknown) =>
    ports.log.warn({ uid: doc.uid, requestId: doc.requestId, err: String(e) }, logs.cancelDeferred),
  );
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
