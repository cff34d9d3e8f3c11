import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCoreConfig, CountingDocumentStore, CREATE_COUNTED_MS, LEDGERS, roomNow, silentLogger, wakeWaiters, WINDOW_LOOKUP_MAX, windowFreesAt, type Ports } from '@d2v/core';
import { docPaths } from '@d2v/schema';
import { LocalDatabase, SqliteDocumentStore, SqliteTaskQueue } from '../src';

/**
 * Who a released slot wakes (luma-capacity/wake.ts), over the real SQLite store and the real durable task queue (no
 * worker started, so the wake tasks stay in the table to be looked at; Luma and media are absent — waking never
 * calls them). A burst must drain in parallel: every waiter that fits is woken at once, oldest first, and wakes of
 * one waiter within a second fold into one task.
 */
describe('admission control: waking the waiters that fit', () => {
  let dir: string;
  let db: LocalDatabase;
  let store: SqliteDocumentStore;
  let tasks: SqliteTaskQueue;
  const T0 = Date.parse('2026-12-03T12:00:00.250Z');
  let now = T0;
  const ports = (limits: { lumaMaxConcurrent: number; lumaCreatesPerMinute: number }): Ports => ({
    store,
    tasks,
    clock: { now: () => now },
    log: silentLogger,
    config: buildCoreConfig({ webhookSecret: 'w'.repeat(32), ...limits }),
    tmpDir: dir,
  }) as unknown as Ports;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function put(uid: string, requestId: string, state: string, stateSince: number, submitIntentAt?: number): Promise<void> {
    await store.runTransaction(async (tx) =>
      tx.set(docPaths.videoRequest(uid, requestId), { uid, requestId, state, stateSince: iso(stateSince), transitionCount: 3, luma: submitIntentAt === undefined ? {} : { submitIntentAt } }),
    );
  }
  const woken = (): string[] => tasks.list({ queue: 'submit' }).map((t) => (t.payload as { requestId: string }).requestId).sort();

  beforeEach(async () => {
    now = T0;
    dir = mkdtempSync(join(tmpdir(), 'd2v-wake-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    store = new SqliteDocumentStore({ db });
    tasks = new SqliteTaskQueue({ db, clock: { now: () => now } });
    // One generation in flight (created 5 s ago), five waiters of two people, the oldest first by stateSince.
    await put('ann', 'flying', 'dreaming', now - 5000, now - 5000);
    for (const [i, [uid, id]] of [['bob', 'w1'], ['ann', 'w2'], ['bob', 'w3'], ['ann', 'w4'], ['bob', 'w5']].entries()) await put(uid!, id!, 'queued', now - 4000 + i * 100);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes as many of the oldest waiters as there are free slots, each once however many releases ask', async () => {
    const p = ports({ lumaMaxConcurrent: 3, lumaCreatesPerMinute: 20 });
    expect(await roomNow(p, 'video')).toBe(2);
    expect(await wakeWaiters(p, 'video')).toBe(2);
    expect(woken()).toEqual(['w1', 'w2']);
    // A second release in the same second asks again: the same two, folded into the tasks already there.
    expect(await wakeWaiters(p, 'video')).toBe(2);
    expect(tasks.list({ queue: 'submit' })).toHaveLength(2);
    // The wakes are due now, not at a recheck's delay.
    for (const t of tasks.list({ queue: 'submit' })) expect(t.dueAt).toBeLessThanOrEqual(now);
  });

  it('the create window bounds the room too, and a full house wakes nobody', async () => {
    // 2 creates a minute, 1 already in the window: room for one, though two slots are free.
    expect(await wakeWaiters(ports({ lumaMaxConcurrent: 3, lumaCreatesPerMinute: 2 }), 'video')).toBe(1);
    expect(woken()).toEqual(['w1']);
    expect(await wakeWaiters(ports({ lumaMaxConcurrent: 1, lumaCreatesPerMinute: 20 }), 'video')).toBe(0);
    expect(woken()).toEqual(['w1']);
  });

  it('a create stays in our window a little longer than in Luma\'s (our time is the intent, before Luma accepts)', async () => {
    const p = ports({ lumaMaxConcurrent: 10, lumaCreatesPerMinute: 1 });
    now += 60_000 - 5000 + 100; // 60.1 s after the create's intent: out of Luma's window, still in ours
    expect(CREATE_COUNTED_MS).toBeGreaterThan(60_100);
    expect(await roomNow(p, 'video')).toBe(0);
    now += CREATE_COUNTED_MS - 60_000;
    expect(await roomNow(p, 'video')).toBe(1);
  });

  it('when the window has room for the k-th waiting create: exact near the front, an early bound further back, a bounded read', async () => {
    // Eight more creates in the window, one a second (the in-flight one's intent is 5 s old, the oldest of all).
    for (let j = 0; j < 8; j++) await put('cyd', `c${j}`, 'dreaming', now - 4000 + j * 1000, now - 4000 + j * 1000);
    const counting = new CountingDocumentStore(store);
    const p = { ...ports({ lumaMaxConcurrent: 20, lumaCreatesPerMinute: 9 }), store: counting } as Ports;
    const ledger = LEDGERS.video;
    // The 3rd oldest create (c1, 3 s old) ages out CREATE_COUNTED_MS after it.
    expect(await windowFreesAt(p, ledger, now, 3)).toBe(now - 3000 + CREATE_COUNTED_MS);
    expect(WINDOW_LOOKUP_MAX).toBeLessThan(9);
    // The 9th would be c7; the lookup stops at the WINDOW_LOOKUP_MAX-th: earlier than the truth, never later.
    counting.reset();
    const bound = await windowFreesAt(p, ledger, now, 9);
    expect(bound).toBe(now - 5000 + (WINDOW_LOOKUP_MAX - 1) * 1000 + CREATE_COUNTED_MS);
    expect(bound!).toBeLessThan(now + 3000 + CREATE_COUNTED_MS);
    expect(counting.report().reads).toBe(WINDOW_LOOKUP_MAX);
  });
});
