/**
 * Task-queue functions. Admission control in the core keeps creates inside Luma's limits; `submitTask` (the billed
 * create) runs at most SUBMIT_MAX_CONCURRENT_DISPATCHES at once and LUMA_CREATES_PER_MINUTE per second, so a full
 * window's burst goes at once. Policy: a handler that returns acknowledges the task (also for a payload that
 * can never work: it is dropped); a handler that throws (the core's RetryLaterError, a transient Luma or
 * Firestore failure) is retried by Cloud Tasks with exponential backoff between TASK_MIN/MAX_BACKOFF_SECONDS,
 * TASK_MAX_ATTEMPTS times — more than the core's own attempt budgets, so the core, not the queue, decides
 * when a request has failed; the sweeper re-kicks anything whose task budget ran out. Waiting for another
 * worker's step lease and a download's next try are follow-up tasks the core enqueues (the handler returns),
 * so they spend no attempt. An instance that dies mid-step cuts the request: Cloud Tasks retries it after
 * TASK_MIN_BACKOFF_SECONDS, it meets the dead instance's lease (≤ STEP_LEASE_SECONDS), waits for its end and
 * takes over — docs/DECISIONS.md "Crash recovery" has the sums.
 */
import { onTaskDispatched, type Request } from 'firebase-functions/v2/tasks';
import type { PipelineHandlers, TaskQueueName } from '@d2v/core';
import {
  DOWNLOAD_MAX_CONCURRENT_DISPATCHES,
  LUMA_CREATES_PER_MINUTE,
  PIPELINE_SECRETS,
  PROCESS_MAX_CONCURRENT_DISPATCHES,
  PROCESSING_SECRETS,
  POLL_MAX_CONCURRENT_DISPATCHES,
  POLL_MAX_DISPATCHES_PER_SECOND,
  REGION,
  SUBMIT_MAX_CONCURRENT_DISPATCHES,
  TASK_MAX_ATTEMPTS,
  TASK_MAX_BACKOFF_SECONDS,
  TASK_MIN_BACKOFF_SECONDS,
} from '../config';
import { parseTaskPayload } from '../http';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

const retryConfig = {
  maxAttempts: TASK_MAX_ATTEMPTS,
  minBackoffSeconds: TASK_MIN_BACKOFF_SECONDS,
  maxBackoffSeconds: TASK_MAX_BACKOFF_SECONDS,
};

const HANDLER: Record<TaskQueueName, keyof PipelineHandlers> = {
  submit: 'onSubmitTask',
  poll: 'onPollTask',
  download: 'onDownloadTask',
  process: 'onProcessTask',
};

/** Parses, dispatches to the core, and applies the throw-to-retry / return-to-drop policy. */
export async function runTask(queue: TaskQueueName, req: Pick<Request, 'data'> & { retryCount?: number; id?: string }): Promise<void> {
  const payload = parseTaskPayload(req.data);
  const log = runtimeLogger();
  if (!payload) {
    log.error({ queue, taskId: req.id, data: req.data }, logs.taskPayloadInvalid);
    return;
  }
  const { getHandlers } = await import('../pipeline');
  const handler = getHandlers()[HANDLER[queue]] as (p: typeof payload, meta: { attempt: number }) => Promise<void>;
  try {
    // Every log line and event of the handler carries the attempt (Cloud Tasks counts retries from 0).
    await handler(payload, { attempt: (req.retryCount ?? 0) + 1 });
  } catch (err) {
    log.warn({ queue, taskId: req.id, retryCount: req.retryCount, uid: payload.uid, requestId: payload.requestId, err }, logs.taskFailed);
    throw err;
  }
}

/** The one billed call. I/O bound (waits on Luma): small memory, a few concurrent tasks per instance. */
export const submitTask = onTaskDispatched(
  {
    region: REGION,
    retryConfig,
    rateLimits: {
      maxConcurrentDispatches: SUBMIT_MAX_CONCURRENT_DISPATCHES,
      maxDispatchesPerSecond: LUMA_CREATES_PER_MINUTE,
    },
    memory: '512MiB',
    timeoutSeconds: 120,
    concurrency: 10,
    maxInstances: 5,
    secrets: PIPELINE_SECRETS,
  },
  (req) => runTask('submit', req),
);

/** Polls a Luma generation (backs up the webhook) and re-enqueues itself while Luma works. Cheap GETs. */
export const pollTask = onTaskDispatched(
  {
    region: REGION,
    retryConfig,
    rateLimits: {
      maxConcurrentDispatches: POLL_MAX_CONCURRENT_DISPATCHES,
      maxDispatchesPerSecond: POLL_MAX_DISPATCHES_PER_SECOND,
    },
    memory: '256MiB',
    timeoutSeconds: 60,
    concurrency: 40,
    maxInstances: 10,
    secrets: PIPELINE_SECRETS,
  },
  (req) => runTask('poll', req),
);

/**
 * Streams Luma's MP4 into Storage (raw.mp4). Streaming keeps memory flat; the timeout covers a slow CDN for a
 * large 4k/9s asset (core's downloadTimeoutMs is 5 min); a handful of downloads per instance share its NIC.
 */
export const downloadTask = onTaskDispatched(
  {
    region: REGION,
    retryConfig,
    rateLimits: { maxConcurrentDispatches: DOWNLOAD_MAX_CONCURRENT_DISPATCHES },
    memory: '1GiB',
    timeoutSeconds: 540,
    concurrency: 4,
    maxInstances: 10,
    secrets: PIPELINE_SECRETS,
  },
  (req) => runTask('download', req),
);

/**
 * Re-drives processing from a stored raw.mp4 when the Storage trigger's run was lost (its instance died and its
 * retries ran out; the sweeper found the request stuck). Sized like that trigger: ffmpeg wants the whole machine.
 */
export const processTask = onTaskDispatched(
  {
    region: REGION,
    retryConfig,
    rateLimits: { maxConcurrentDispatches: PROCESS_MAX_CONCURRENT_DISPATCHES },
    memory: '2GiB',
    cpu: 2,
    timeoutSeconds: 540,
    concurrency: 1,
    maxInstances: 10,
    secrets: PROCESSING_SECRETS,
  },
  (req) => runTask('process', req),
);
