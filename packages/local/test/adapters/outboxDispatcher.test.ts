import {
  OutboxDispatcher,
  SqliteDocumentStore,
  type DocOutboxEvent,
  type LocalDatabase,
  type OutboxDispatcherOptions,
  type OutboxEvent,
} from '../../src/adapters';
import { capturingLog, FakeClock, gate, sleepMs, tempWorkspace, waitFor, type TempWorkspace } from './helpers';

const PATTERN = 'users/{uid}/videoRequests/{requestId}';

describe('OutboxDispatcher', () => {
  let workspace: TempWorkspace;
  let db: LocalDatabase;
  let store: SqliteDocumentStore;
  let clock: FakeClock;
  const dispatchers: OutboxDispatcher[] = [];

  const makeDispatcher = (options: Partial<OutboxDispatcherOptions> = {}): OutboxDispatcher => {
    const dispatcher = new OutboxDispatcher({ db, clock, pollIntervalMs: 5, ...options });
    dispatchers.push(dispatcher);
    return dispatcher;
  };
  const createRequests = async (count: number, onStore = store): Promise<void> => {
    await onStore.runTransaction(async (tx) => {
      for (let i = 0; i < count; i++) tx.create(`users/u1/videoRequests/r${i}`, { state: 'pending', i });
    });
  };

  beforeEach(() => {
    workspace = tempWorkspace();
    db = workspace.openDb();
    clock = new FakeClock();
    store = new SqliteDocumentStore({ db, clock });
    store.registerTrigger({ name: 'created', pattern: PATTERN, on: 'create' });
  });

  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.stop()));
    workspace.dispose();
  });

  it('delivers each event once to its handler and marks it done', async () => {
    const events: OutboxEvent[] = [];
    const dispatcher = makeDispatcher().on('created', async (event) => void events.push(event));
    dispatcher.start();
    await createRequests(3);
    await dispatcher.drain({ timeoutMs: 3000 });

    expect(events).toHaveLength(3);
    const first = events.find((event) => event.path === 'users/u1/videoRequests/r0') as DocOutboxEvent;
    expect(first).toMatchObject({
      kind: 'doc',
      change: 'create',
      trigger: 'created',
      params: { uid: 'u1', requestId: 'r0' },
      before: null,
      after: { state: 'pending', i: 0 },
      attempt: 1,
      createdAt: new Date(clock.now()).toISOString(),
    });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(dispatcher.list().map((record) => [record.status, record.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ]);
  });

  it('retries a failing handler with exponential backoff (by the clock), then succeeds', async () => {
    const attempts: number[] = [];
    const dispatcher = makeDispatcher({ minBackoffMs: 1000, maxBackoffMs: 10_000 }).on('created', async (event) => {
      attempts.push(event.attempt);
      if (event.attempt < 3) throw new Error(`transient failure ${event.attempt}`);
    });
    dispatcher.start();
    const t0 = clock.now();
    await createRequests(1);

    await waitFor(() => dispatcher.list()[0]!.attempts === 1 && dispatcher.list()[0]!.status === 'pending');
    expect(dispatcher.list()[0]).toMatchObject({ dueAt: t0 + 1000, lastError: 'Error: transient failure 1' });
    clock.advance(999);
    await sleepMs(40); // many polls: still not due
    expect(attempts).toEqual([1]);

    clock.advance(1);
    await waitFor(() => dispatcher.list()[0]!.attempts === 2 && dispatcher.list()[0]!.status === 'pending');
    expect(dispatcher.list()[0]!.dueAt).toBe(t0 + 1000 + 2000); // doubled
    clock.advance(2000);
    await dispatcher.drain({ timeoutMs: 3000 });

    expect(attempts).toEqual([1, 2, 3]);
    expect(dispatcher.list()[0]).toMatchObject({ status: 'done', attempts: 3, lastError: null });
  });

  it('dead-letters an event after maxAttempts and logs it; requeueDead gives it another budget', async () => {
    const { log, entries } = capturingLog();
    let healthy = false;
    let calls = 0;
    const dispatcher = makeDispatcher({ maxAttempts: 3, minBackoffMs: 0, log }).on('created', async () => {
      calls++;
      if (!healthy) throw new Error('permanently broken');
    });
    dispatcher.start();
    await createRequests(1);
    await dispatcher.drain({ timeoutMs: 3000 });

    expect(calls).toBe(3);
    const [record] = dispatcher.list();
    expect(record).toMatchObject({ status: 'dead', attempts: 3, lastError: 'Error: permanently broken' });
    const deadLog = entries.find((entry) => entry.level === 'error');
    expect(deadLog?.message).toMatch(/dead-lettered/);
    expect(deadLog?.fields).toMatchObject({ eventId: record!.id, attempts: 3 });

    healthy = true;
    expect(dispatcher.requeueDead()).toBe(1);
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(dispatcher.list()[0]).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('caps the backoff at maxBackoffMs', async () => {
    const dispatcher = makeDispatcher({ minBackoffMs: 100, maxBackoffMs: 250 }).on('created', async () => {
      throw new Error('no');
    });
    dispatcher.start();
    const t0 = clock.now();
    await createRequests(1);
    const dueAfter = async (attempts: number): Promise<number> => {
      await waitFor(() => dispatcher.list()[0]!.attempts === attempts && dispatcher.list()[0]!.status === 'pending');
      return dispatcher.list()[0]!.dueAt - t0;
    };
    expect(await dueAfter(1)).toBe(100);
    clock.advance(100);
    expect(await dueAfter(2)).toBe(100 + 200);
    clock.advance(200);
    expect(await dueAfter(3)).toBe(100 + 200 + 250);
  });

  it('delivers every event twice, concurrently, with duplicateDelivery', async () => {
    const hold = gate();
    let running = 0;
    let maxRunning = 0;
    const calls: string[] = [];
    const dispatcher = makeDispatcher({ duplicateDelivery: true }).on('created', async (event) => {
      calls.push(event.id);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await hold.promise;
      running--;
    });
    dispatcher.start();
    await createRequests(1);
    await waitFor(() => running === 2, 3000, 'both deliveries in flight at once');
    hold.open();
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toBe(calls[1]);
    expect(maxRunning).toBe(2);
    expect(dispatcher.list()[0]).toMatchObject({ status: 'done', attempts: 1 });
  });

  it("delivers the second copy after the first in 'sequential' mode, each with its own copy of the event", async () => {
    const order: string[] = [];
    const dispatcher = makeDispatcher({ duplicateDelivery: 'sequential' }).on('created', async (event) => {
      order.push(`start:${(event as DocOutboxEvent).after?.['state'] as string}`);
      (event as DocOutboxEvent).after!['state'] = 'mutated by handler';
      await sleepMs(5);
      order.push('end');
    });
    dispatcher.start();
    await createRequests(1);
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(order).toEqual(['start:pending', 'end', 'start:pending', 'end']);
  });

  it('retries the event when either of the duplicate deliveries fails', async () => {
    let calls = 0;
    const dispatcher = makeDispatcher({ duplicateDelivery: true, minBackoffMs: 0 }).on('created', async () => {
      calls++;
      if (calls === 2) throw new Error('the racing copy lost');
    });
    dispatcher.start();
    await createRequests(1);
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(calls).toBe(4);
    expect(dispatcher.list()[0]).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('runs at most `concurrency` handlers at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const dispatcher = makeDispatcher({ concurrency: 3 }).on('created', async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleepMs(10);
      running--;
    });
    dispatcher.start();
    await createRequests(12);
    await dispatcher.drain({ timeoutMs: 5000 });
    expect(maxRunning).toBe(3);
    expect(dispatcher.list({ status: 'done' })).toHaveLength(12);
  });

  it('leaves events of triggers without a handler in the table (drain ignores them) until one is registered', async () => {
    store.registerTrigger({ name: 'updated', pattern: PATTERN, on: 'update' });
    const seen: string[] = [];
    const dispatcher = makeDispatcher().on('created', async (event) => void seen.push(event.trigger));
    dispatcher.start();
    await createRequests(1);
    await store.update('users/u1/videoRequests/r0', { state: 'validating' });
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(seen).toEqual(['created']);
    expect(dispatcher.list({ trigger: 'updated' })[0]!.status).toBe('pending');

    dispatcher.on('updated', async (event) => void seen.push(event.trigger));
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(seen).toEqual(['created', 'updated']);
  });

  it('stop() waits for handlers in flight and claims nothing afterwards', async () => {
    const hold = gate();
    let finished = 0;
    const dispatcher = makeDispatcher({ concurrency: 1 }).on('created', async () => {
      await hold.promise;
      finished++;
    });
    dispatcher.start();
    await createRequests(2);
    await waitFor(() => dispatcher.inFlightCount === 1);
    const stopped = dispatcher.stop();
    hold.open();
    await stopped;
    expect(finished).toBe(1);
    await sleepMs(30);
    expect(finished).toBe(1);
    expect(dispatcher.list().map((record) => record.status).sort()).toEqual(['done', 'pending']);
  });

  it('survives a crash: an event in flight when the process died is redelivered after its lease', async () => {
    const { log, entries } = capturingLog();
    const stuck = gate();
    const firstRun: OutboxEvent[] = [];
    const crashed = makeDispatcher({ leaseMs: 30_000, log }).on('created', async (event) => {
      firstRun.push(event);
      await stuck.promise; // never finishes before the "crash"
    });
    crashed.start();
    await createRequests(1);
    await waitFor(() => firstRun.length === 1);

    // The process dies: its connection goes away with the handler still running.
    db.close();

    const db2 = workspace.openDb();
    const secondRun: OutboxEvent[] = [];
    const recovered = new OutboxDispatcher({ db: db2, clock, pollIntervalMs: 5 }).on('created', async (event) => {
      secondRun.push(event);
    });
    dispatchers.push(recovered);
    recovered.start();
    expect(recovered.list()[0]).toMatchObject({ status: 'inflight', attempts: 1 });
    await recovered.drain({ horizonMs: 0, timeoutMs: 2000 }); // lease not expired: nothing due yet
    expect(secondRun).toHaveLength(0);

    clock.advance(30_000);
    await recovered.drain({ timeoutMs: 3000 });
    expect(secondRun).toHaveLength(1);
    expect(secondRun[0]!.id).toBe(firstRun[0]!.id);
    expect(secondRun[0]!.attempt).toBe(2);
    expect(recovered.list()[0]).toMatchObject({ status: 'done', attempts: 2 });

    // The zombie handler finishing later changes nothing (its connection and lease are gone).
    stuck.open();
    await crashed.stop();
    expect(recovered.list()[0]).toMatchObject({ status: 'done', attempts: 2 });
    expect(entries.some((entry) => entry.level === 'error' && /bookkeeping failed/.test(entry.message))).toBe(true);
  });

  it('delivers events committed before a restart (the outbox is durable)', async () => {
    await createRequests(2);
    db.close();
    const db2 = workspace.openDb();
    const seen: string[] = [];
    const dispatcher = new OutboxDispatcher({ db: db2, clock, pollIntervalMs: 5 }).on('created', async (event) => void seen.push(event.path));
    dispatchers.push(dispatcher);
    dispatcher.start();
    await dispatcher.drain({ timeoutMs: 3000 });
    expect(seen.sort()).toEqual(['users/u1/videoRequests/r0', 'users/u1/videoRequests/r1']);
  });

  it('lets only one of two dispatchers on the same database claim each event', async () => {
    const seen: string[] = [];
    const handler = async (event: OutboxEvent): Promise<void> => {
      seen.push(event.id);
      await sleepMs(2);
    };
    const a = makeDispatcher().on('created', handler);
    const b = new OutboxDispatcher({ db: workspace.openDb(), clock, pollIntervalMs: 5 }).on('created', handler);
    dispatchers.push(b);
    a.start();
    b.start();
    await createRequests(20);
    await a.drain({ timeoutMs: 5000 });
    await b.drain({ timeoutMs: 5000 });
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
  });

  it('refuses drain() before start() and a second handler for one trigger', async () => {
    const dispatcher = makeDispatcher().on('created', async () => undefined);
    await expect(dispatcher.drain()).rejects.toThrow(/started/);
    expect(() => dispatcher.on('created', async () => undefined)).toThrow(/already registered/);
  });
});
