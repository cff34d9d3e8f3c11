import { RetryLaterError, type TaskPayload } from '@d2v/core';
import { SqliteTaskQueue, type LocalDatabase, type SqliteTaskQueueOptions, type TaskContext } from '../../src/adapters';
import { capturingLog, FakeClock, gate, sleepMs, tempWorkspace, waitFor, type TempWorkspace } from './helpers';

const payload = (requestId: string): TaskPayload => ({ uid: 'u1', requestId });

describe('SqliteTaskQueue', () => {
  let workspace: TempWorkspace;
  let db: LocalDatabase;
  let clock: FakeClock;
  const queues: SqliteTaskQueue[] = [];

  const makeQueue = (options: Partial<SqliteTaskQueueOptions> = {}): SqliteTaskQueue => {
    const queue = new SqliteTaskQueue({ db, clock, pollIntervalMs: 5, ...options });
    queues.push(queue);
    return queue;
  };

  beforeEach(() => {
    workspace = tempWorkspace();
    db = workspace.openDb();
    clock = new FakeClock();
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop()));
    workspace.dispose();
  });

  it('dispatches a task with its payload and context, then marks it done', async () => {
    const calls: Array<[TaskPayload, TaskContext]> = [];
    const tasks = makeQueue().register('submit', async (p, ctx) => void calls.push([p, ctx]));
    tasks.start();
    await tasks.enqueue('submit', { uid: 'u1', requestId: 'r1', stage: 'video' }, { id: 'submit-r1' });
    await tasks.drain({ timeoutMs: 3000 });
    expect(calls).toEqual([[{ uid: 'u1', requestId: 'r1', stage: 'video' }, { attempt: 1, taskId: 'submit-r1', queue: 'submit' }]]);
    expect(tasks.list()).toEqual([
      expect.objectContaining({ queue: 'submit', id: 'submit-r1', status: 'done', attempts: 1, payload: { uid: 'u1', requestId: 'r1', stage: 'video' } }),
    ]);
  });

  it('drops a second enqueue with a task id the queue has seen, even after the task ran', async () => {
    const seen: string[] = [];
    const tasks = makeQueue()
      .register('submit', async (p) => void seen.push(`submit:${p.requestId}`))
      .register('poll', async (p) => void seen.push(`poll:${p.requestId}`));
    tasks.start();
    await tasks.enqueue('submit', payload('r1'), { id: 'same-id' });
    await tasks.enqueue('submit', payload('r1-again'), { id: 'same-id' });
    await tasks.drain({ timeoutMs: 3000 });
    await tasks.enqueue('submit', payload('r1-after-done'), { id: 'same-id' });
    // Names are per queue; unnamed tasks never collide.
    await tasks.enqueue('poll', payload('p1'), { id: 'same-id' });
    await tasks.enqueue('poll', payload('p2'));
    await tasks.enqueue('poll', payload('p2'));
    await tasks.drain({ timeoutMs: 3000 });
    expect(seen.sort()).toEqual(['poll:p1', 'poll:p2', 'poll:p2', 'submit:r1']);
  });

  it('holds a delayed task until the clock reaches it (drain can ignore it with a horizon)', async () => {
    const ran: string[] = [];
    const tasks = makeQueue().register('poll', async (p) => void ran.push(p.requestId));
    tasks.start();
    await tasks.enqueue('poll', payload('later'), { delaySeconds: 30 });
    await tasks.enqueue('poll', payload('now'));
    await tasks.drain({ horizonMs: 10_000, timeoutMs: 3000 });
    expect(ran).toEqual(['now']);
    expect(tasks.list({ status: 'pending' })[0]!.dueAt).toBe(clock.now() + 30_000);

    clock.advance(29_999);
    await sleepMs(30);
    expect(ran).toEqual(['now']);
    clock.advance(1);
    await tasks.drain({ timeoutMs: 3000 });
    expect(ran).toEqual(['now', 'later']);
  });

  it('never runs more than maxConcurrentDispatches handlers of a queue at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const tasks = makeQueue().register(
      'download',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleepMs(8);
        running--;
      },
      { maxConcurrentDispatches: 2 },
    );
    tasks.start();
    for (let i = 0; i < 10; i++) await tasks.enqueue('download', payload(`r${i}`));
    await tasks.drain({ timeoutMs: 5000 });
    expect(maxRunning).toBe(2);
    expect(tasks.list({ status: 'done' })).toHaveLength(10);
  });

  it('keeps concurrency limits per queue', async () => {
    const running = new Map<string, number>();
    const max = new Map<string, number>();
    const track = (queue: string) => async (): Promise<void> => {
      running.set(queue, (running.get(queue) ?? 0) + 1);
      max.set(queue, Math.max(max.get(queue) ?? 0, running.get(queue)!));
      await sleepMs(8);
      running.set(queue, running.get(queue)! - 1);
    };
    const tasks = makeQueue()
      .register('submit', track('submit'), { maxConcurrentDispatches: 1 })
      .register('poll', track('poll'), { maxConcurrentDispatches: 3 });
    tasks.start();
    for (let i = 0; i < 6; i++) {
      await tasks.enqueue('submit', payload(`s${i}`));
      await tasks.enqueue('poll', payload(`p${i}`));
    }
    await tasks.drain({ timeoutMs: 5000 });
    expect(max.get('submit')).toBe(1);
    expect(max.get('poll')).toBe(3);
  });

  it('dispatches at most maxDispatchesPerSecond per one-second window (counted by the clock)', async () => {
    let dispatched = 0;
    const tasks = makeQueue().register('poll', async () => void dispatched++, { maxDispatchesPerSecond: 3 });
    tasks.start();
    for (let i = 0; i < 10; i++) await tasks.enqueue('poll', payload(`r${i}`));

    await waitFor(() => dispatched === 3);
    await sleepMs(40); // plenty of polls, same second
    expect(dispatched).toBe(3);
    clock.advance(999);
    await sleepMs(20);
    expect(dispatched).toBe(3);
    clock.advance(1);
    await waitFor(() => dispatched === 6);
    await sleepMs(20);
    expect(dispatched).toBe(6);
    clock.advance(1000);
    await waitFor(() => dispatched === 9);
    clock.advance(1000);
    await tasks.drain({ timeoutMs: 3000 });
    expect(dispatched).toBe(10);
  });

  it('spreads a fractional rate over a longer window (0.5/s = one dispatch per 2 s)', async () => {
    let dispatched = 0;
    const tasks = makeQueue().register('poll', async () => void dispatched++, { maxDispatchesPerSecond: 0.5 });
    tasks.start();
    for (let i = 0; i < 3; i++) await tasks.enqueue('poll', payload(`r${i}`));
    await waitFor(() => dispatched === 1);
    clock.advance(1000);
    await sleepMs(30);
    expect(dispatched).toBe(1);
    clock.advance(1000);
    await waitFor(() => dispatched === 2);
  });

  it('retries a throwing handler after minBackoffSeconds, doubling up to maxBackoffSeconds', async () => {
    const attempts: number[] = [];
    const tasks = makeQueue().register(
      'submit',
      async (_p, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 4) throw new Error('luma 500');
      },
      { minBackoffSeconds: 1, maxBackoffSeconds: 3 },
    );
    tasks.start();
    const t0 = clock.now();
    await tasks.enqueue('submit', payload('r1'), { id: 't1' });
    const dueAfter = async (n: number): Promise<number> => {
      await waitFor(() => tasks.list()[0]!.attempts === n && tasks.list()[0]!.status === 'pending');
      return tasks.list()[0]!.dueAt - t0;
    };
    expect(await dueAfter(1)).toBe(1000);
    clock.advance(1000);
    expect(await dueAfter(2)).toBe(1000 + 2000);
    clock.advance(2000);
    expect(await dueAfter(3)).toBe(1000 + 2000 + 3000);
    clock.advance(3000);
    await tasks.drain({ timeoutMs: 3000 });
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(tasks.list()[0]).toMatchObject({ status: 'done', attempts: 4 });
  });

  it('honours RetryLaterError.retryAfterMs instead of the backoff', async () => {
    const attempts: number[] = [];
    const tasks = makeQueue().register(
      'poll',
      async (_p, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new RetryLaterError('generation still dreaming', 7000);
        if (ctx.attempt === 2) throw new RetryLaterError('no hint given');
      },
      { minBackoffSeconds: 0.5, maxBackoffSeconds: 60 },
    );
    tasks.start();
    const t0 = clock.now();
    await tasks.enqueue('poll', payload('r1'));
    await waitFor(() => tasks.list()[0]!.attempts === 1 && tasks.list()[0]!.status === 'pending');
    expect(tasks.list()[0]!.dueAt).toBe(t0 + 7000);
    expect(tasks.list()[0]!.lastError).toBe('RetryLaterError: generation still dreaming');
    clock.advance(6999);
    await sleepMs(30);
    expect(attempts).toEqual([1]);
    clock.advance(1);
    // Without retryAfterMs the queue's own backoff applies (0.5 s · 2 for the second attempt).
    await waitFor(() => tasks.list()[0]!.attempts === 2 && tasks.list()[0]!.status === 'pending');
    expect(tasks.list()[0]!.dueAt).toBe(t0 + 7000 + 1000);
    clock.advance(1000);
    await tasks.drain({ timeoutMs: 3000 });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('dead-letters a task after maxAttempts and logs it', async () => {
    const { log, entries } = capturingLog();
    let calls = 0;
    const tasks = makeQueue({ log }).register(
      'download',
      async () => {
        calls++;
        throw new Error('asset gone');
      },
      { maxAttempts: 3, minBackoffSeconds: 0 },
    );
    tasks.start();
    await tasks.enqueue('download', payload('r1'), { id: 'dl-r1' });
    await tasks.drain({ timeoutMs: 3000 });
    expect(calls).toBe(3);
    expect(tasks.list()[0]).toMatchObject({ status: 'dead', attempts: 3, lastError: 'Error: asset gone' });
    const dead = entries.find((entry) => entry.level === 'error');
    expect(dead?.message).toMatch(/dead-lettered/);
    expect(dead?.fields).toMatchObject({ queue: 'download', taskId: 'dl-r1', attempts: 3 });
    // The id stays taken: re-enqueueing a dead named task is dropped too.
    await tasks.enqueue('download', payload('r1'), { id: 'dl-r1' });
    await tasks.drain({ timeoutMs: 3000 });
    expect(calls).toBe(3);
  });

  it('dispatches each task twice with duplicateDelivery (same context, both at once)', async () => {
    const hold = gate();
    const calls: TaskContext[] = [];
    let running = 0;
    const tasks = makeQueue({ duplicateDelivery: true }).register('submit', async (_p, ctx) => {
      calls.push(ctx);
      running++;
      await hold.promise;
      running--;
    });
    tasks.start();
    await tasks.enqueue('submit', payload('r1'), { id: 'submit-r1' });
    await waitFor(() => running === 2, 3000, 'both copies running');
    hold.open();
    await tasks.drain({ timeoutMs: 3000 });
    expect(calls).toEqual([
      { attempt: 1, taskId: 'submit-r1', queue: 'submit' },
      { attempt: 1, taskId: 'submit-r1', queue: 'submit' },
    ]);
    expect(tasks.list()[0]!.status).toBe('done');
  });

  it('keeps tasks enqueued before any handler or restart, and runs them once a handler exists', async () => {
    const producer = makeQueue();
    await producer.enqueue('submit', payload('r1'), { id: 'early' });
    db.close();
    db = workspace.openDb();
    const ran: string[] = [];
    const consumer = makeQueue().register('submit', async (p) => void ran.push(p.requestId));
    consumer.start();
    await consumer.drain({ timeoutMs: 3000 });
    expect(ran).toEqual(['r1']);
  });

  it('redelivers a task whose dispatch was lost with a crashed process, after the lease', async () => {
    const stuck = gate();
    const attempts: number[] = [];
    const crashed = makeQueue({ leaseMs: 5000 }).register('submit', async (_p, ctx) => {
      attempts.push(ctx.attempt);
      await stuck.promise;
    });
    crashed.start();
    await crashed.enqueue('submit', payload('r1'), { id: 'lost' });
    await waitFor(() => attempts.length === 1);
    db.close();

    db = workspace.openDb();
    const recovered = makeQueue().register('submit', async (_p, ctx) => void attempts.push(ctx.attempt));
    recovered.start();
    await recovered.drain({ horizonMs: 0, timeoutMs: 2000 });
    expect(attempts).toEqual([1]);
    clock.advance(5000);
    await recovered.drain({ timeoutMs: 3000 });
    expect(attempts).toEqual([1, 2]);
    stuck.open();
  });

  it('validates task ids, delays and payloads like Cloud Tasks would', async () => {
    const tasks = makeQueue();
    await expect(tasks.enqueue('submit', payload('r1'), { id: 'has space' })).rejects.toThrow(/invalid task id/);
    await expect(tasks.enqueue('submit', payload('r1'), { id: 'a'.repeat(501) })).rejects.toThrow(/invalid task id/);
    await expect(tasks.enqueue('submit', payload('r1'), { delaySeconds: -1 })).rejects.toThrow(/delaySeconds/);
    await expect(tasks.enqueue('submit', { uid: 'u1', requestId: 'r1', attempt: Number.NaN })).rejects.toThrow(/finite/);
    expect(() => tasks.register('submit', async () => undefined, { maxDispatchesPerSecond: 0 })).toThrow(/at least one/);
    tasks.register('submit', async () => undefined);
    expect(() => tasks.register('submit', async () => undefined)).toThrow(/already has a handler/);
  });
});
