import type { EnqueueOptions, TaskPayload, TaskQueue, TaskQueueName } from '@d2v/core';
import { countFault, type FaultCounts, type FaultDice } from './dice';
import { tasksError } from './errors';

/**
 * A TaskQueue with Cloud Tasks' faults: an enqueue that answers UNAVAILABLE (nothing enqueued), a task delivered
 * twice (at-least-once delivery: a second copy the name dedupe does not catch), a task delivered late.
 */
export class FaultyTaskQueue implements TaskQueue {
  readonly injected: FaultCounts = {};

  constructor(
    private readonly inner: TaskQueue,
    private readonly dice: FaultDice,
    private readonly lateMaxSeconds = 5,
    private readonly kinds = { unavailable: 1, twice: 1, late: 1 },
  ) {}

  async enqueue(queue: TaskQueueName, payload: TaskPayload, opts: EnqueueOptions = {}): Promise<void> {
    const fault = this.dice.roll(this.kinds);
    if (fault) countFault(this.injected, `enqueue:${fault}`);
    if (fault === 'unavailable') throw tasksError();
    const late = fault === 'late' ? 1 + Math.floor(this.dice.next() * this.lateMaxSeconds) : 0;
    const delivered = { ...opts, delaySeconds: (opts.delaySeconds ?? 0) + late };
    await this.inner.enqueue(queue, payload, delivered);
    if (fault === 'twice') await this.inner.enqueue(queue, structuredClone(payload), { ...delivered, id: opts.id ? `${opts.id}-again` : undefined });
  }
}
