/**
 * TaskQueue on Cloud Tasks, through firebase-admin's task queue API (the queue of an `onTaskDispatched`
 * function; the Tasks emulator when CLOUD_TASKS_EMULATOR_HOST is set). Dedupe uses Cloud Tasks named
 * tasks: our dedupe id is hashed (sha256, hex) so ids are uniformly distributed — sequential names make
 * Cloud Tasks slow — and always within the allowed alphabet and length. A second enqueue with the same id
 * (within about an hour of the first task finishing) answers ALREADY_EXISTS, which is what we asked for.
 */
import { createHash } from 'node:crypto';
import type { Functions, TaskOptions } from 'firebase-admin/functions';
import type { EnqueueOptions, Logger, TaskPayload, TaskQueue, TaskQueueName } from '@d2v/core';
import { classifyGoogleError } from './errors';
import { logs } from '../logs';

/** Cloud Tasks task ids: `[A-Za-z0-9_-]{1,500}`. */
export const TASK_ID_RE = /^[A-Za-z0-9_-]{1,500}$/;

/** Our dedupe id → a Cloud Tasks task id (64 hex chars). Same input, same id; nothing else collides. */
export function cloudTaskId(dedupeId: string): string {
  return createHash('sha256').update(dedupeId, 'utf8').digest('hex');
}

/** `locations/{region}/functions/{name}`: region-qualified, so the queue is found whatever the SDK default. */
export function queueResourceName(region: string, functionName: string): string {
  return `locations/${region}/functions/${functionName}`;
}

export function isTaskAlreadyExists(err: unknown): boolean {
  return classifyGoogleError(err) === 'already-exists';
}

/** The options Cloud Tasks gets for one of our enqueues. */
export function toTaskOptions(opts: EnqueueOptions | undefined): TaskOptions {
  const out: TaskOptions = {};
  if (opts?.id !== undefined) out.id = cloudTaskId(opts.id);
  if (opts?.delaySeconds !== undefined && opts.delaySeconds > 0) {
    // Cloud Tasks schedules to the second, at most 30 days ahead.
    out.scheduleDelaySeconds = Math.min(Math.ceil(opts.delaySeconds), 30 * 24 * 3600);
  }
  return out;
}

export class CloudTasksQueue implements TaskQueue {
  constructor(
    private readonly functions: Functions,
    private readonly region: string,
    private readonly functionNames: Readonly<Record<TaskQueueName, string>>,
    private readonly log?: Logger,
  ) {}

  async enqueue(queue: TaskQueueName, payload: TaskPayload, opts?: EnqueueOptions): Promise<void> {
    const name = queueResourceName(this.region, this.functionNames[queue]);
    const options = toTaskOptions(opts);
    try {
      await this.functions.taskQueue<TaskPayload>(name).enqueue(payload, options);
    } catch (err) {
      if (isTaskAlreadyExists(err)) {
        this.log?.debug({ queue, taskId: options.id, requestId: payload.requestId, uid: payload.uid }, logs.taskDuplicate);
        return;
      }
      throw err;
    }
  }
}
