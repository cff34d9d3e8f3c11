import { describeDocumentStoreContract } from '../../../core/test/contracts/documentStore.contract';
import {
  OutboxDispatcher,
  SqliteDocumentStore,
  TransactionContentionError,
  UnsupportedValueError,
  type DocOutboxEvent,
  type LocalDatabase,
} from '../../src/adapters';
import { FakeClock, tempWorkspace, type TempWorkspace } from './helpers';

describeDocumentStoreContract('SqliteDocumentStore', async () => {
  const workspace = tempWorkspace();
  const store = new SqliteDocumentStore({ db: workspace.openDb() });
  return { store, cleanup: async () => workspace.dispose() };
});

describe('SqliteDocumentStore (local-only behaviour)', () => {
  let workspace: TempWorkspace;
  let db: LocalDatabase;
  let store: SqliteDocumentStore;
  const clock = new FakeClock();
  const outboxRows = () =>
    db.sqlite.prepare('SELECT trigger, kind, change, path, params, payload, created_at FROM outbox ORDER BY seq').all() as Array<{
      trigger: string;
      kind: string;
      change: string;
      path: string;
      params: string;
      payload: string;
      created_at: number;
    }>;

  beforeEach(() => {
    workspace = tempWorkspace();
    db = workspace.openDb();
    store = new SqliteDocumentStore({ db, clock });
    store.registerTrigger({ name: 'created', pattern: 'users/{uid}/videoRequests/{requestId}', on: 'create' });
    store.registerTrigger({ name: 'updated', pattern: 'users/{uid}/videoRequests/{requestId}', on: 'update' });
    store.registerTrigger({ name: 'written', pattern: 'users/{uid}/videoRequests/{requestId}', on: 'write' });
    store.registerTrigger({ name: 'deleted', pattern: 'users/{uid}/videoRequests/{requestId}', on: 'delete' });
  });

  afterEach(() => workspace.dispose());

  describe('triggers (outbox rows written with the commit)', () => {
    it('records create/update/delete events with params and before/after data', async () => {
      const path = 'users/u1/videoRequests/r1';
      await store.create(path, { state: 'pending' });
      await store.update(path, { state: 'validating' });
      await store.delete(path);

      const rows = outboxRows();
      expect(rows.map((row) => `${row.trigger}:${row.change}`)).toEqual([
        'created:create',
        'written:create',
        'updated:update',
        'written:update',
        'written:delete',
        'deleted:delete',
      ]);
      for (const row of rows) {
        expect(row.kind).toBe('doc');
        expect(row.path).toBe(path);
        expect(JSON.parse(row.params)).toEqual({ uid: 'u1', requestId: 'r1' });
        expect(row.created_at).toBe(clock.now());
      }
      expect(JSON.parse(rows[0]!.payload)).toEqual({ before: null, after: { state: 'pending' } });
      expect(JSON.parse(rows[2]!.payload)).toEqual({ before: { state: 'pending' }, after: { state: 'validating' } });
      expect(JSON.parse(rows[5]!.payload)).toEqual({ before: { state: 'validating' }, after: null });
    });

    it('ignores paths that do not match the pattern (other collections, subcollections)', async () => {
      await store.set('users/u1/drafts/d1', { text: 'x' });
      await store.set('users/u1/videoRequests/r1/transitions/000000', { n: 0 });
      expect(outboxRows()).toHaveLength(0);
    });

    it('records one event per document per commit, from the state before to the state after', async () => {
      const path = 'users/u1/videoRequests/r1';
      await store.runTransaction(async (tx) => {
        tx.create(path, { state: 'pending' });
        tx.update(path, { state: 'validating' });
        tx.update(path, { progress: 0.1 });
      });
      const rows = outboxRows().filter((row) => row.trigger === 'written');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.change).toBe('create');
      expect(JSON.parse(rows[0]!.payload)).toEqual({ before: null, after: { state: 'validating', progress: 0.1 } });

      // Created and deleted within one commit: nothing happened as far as anyone can see.
      await store.runTransaction(async (tx) => {
        tx.create('users/u1/videoRequests/r2', { state: 'pending' });
        tx.delete('users/u1/videoRequests/r2');
      });
      expect(outboxRows().filter((row) => row.path.endsWith('/r2'))).toHaveLength(0);
      // Deleting a missing document is no change either.
      await store.delete('users/u1/videoRequests/nope');
      expect(outboxRows().filter((row) => row.path.endsWith('/nope'))).toHaveLength(0);
    });

    it('writes no event for a transaction that throws or fails at commit', async () => {
      await expect(
        store.runTransaction(async (tx) => {
          tx.create('users/u1/videoRequests/r1', { state: 'pending' });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await store.create('users/u1/videoRequests/r2', { state: 'pending' });
      const before = outboxRows().length;
      await expect(
        store.runTransaction(async (tx) => {
          tx.update('users/u1/videoRequests/r2', { state: 'validating' });
          tx.create('users/u1/videoRequests/r2', { state: 'again' });
        }),
      ).rejects.toThrow(/already exists/);
      expect(outboxRows()).toHaveLength(before);
      expect(outboxRows().some((row) => row.path.endsWith('/r1'))).toBe(false);
    });

    it('writes events only for the attempt that commits when transactions conflict', async () => {
      const path = 'users/u1/videoRequests/r1';
      await store.create(path, { state: 'queued', attempts: 0 });
      let runs = 0;
      const bump = (): Promise<void> =>
        store.runTransaction(async (tx) => {
          runs++;
          const snap = await tx.get<{ attempts: number }>(path);
          await new Promise((resolve) => setImmediate(resolve));
          tx.update(path, { attempts: snap!.data.attempts + 1 });
        });
      await Promise.all([bump(), bump(), bump(), bump(), bump()]);
      expect(runs).toBeGreaterThan(5); // some attempts conflicted and ran again
      const updates = outboxRows().filter((row) => row.trigger === 'updated');
      expect(updates).toHaveLength(5);
      expect(updates.map((row) => (JSON.parse(row.payload) as { after: { attempts: number } }).after.attempts)).toEqual([1, 2, 3, 4, 5]);
    });

    it('wakes a started dispatcher as soon as the commit lands', async () => {
      const dispatcher = new OutboxDispatcher({ db, clock, pollIntervalMs: 60_000 });
      const seen: DocOutboxEvent[] = [];
      dispatcher.on('created', async (event) => {
        if (event.kind === 'doc') seen.push(event);
      });
      dispatcher.start();
      try {
        await store.create('users/u9/videoRequests/r9', { state: 'pending' });
        await dispatcher.drain({ timeoutMs: 2000 });
        expect(seen).toHaveLength(1);
        expect(seen[0]!.params).toEqual({ uid: 'u9', requestId: 'r9' });
        expect(seen[0]!.after).toEqual({ state: 'pending' });
      } finally {
        await dispatcher.stop();
      }
    });

    it('rejects a second trigger with the same name and malformed patterns', () => {
      expect(() => store.registerTrigger({ name: 'created', pattern: 'a/{b}', on: 'create' })).toThrow(/already registered/);
      expect(() => store.registerTrigger({ name: 'x', pattern: 'a/{b', on: 'create' })).toThrow(/invalid trigger pattern/);
      expect(() => store.registerTrigger({ name: 'y', pattern: '/a/{b}', on: 'create' })).toThrow(/invalid trigger pattern/);
    });
  });

  describe('values and paths', () => {
    it('refuses values that would not round-trip through JSON, naming the field', async () => {
      const path = 'things/t1';
      const strict = new SqliteDocumentStore({ db, ignoreUndefinedProperties: false });
      await expect(strict.set(path, { a: { b: undefined } })).rejects.toThrow(UnsupportedValueError);
      await strict.set(path, { a: 1 });
      await expect(strict.update(path, { a: undefined })).rejects.toThrow(UnsupportedValueError);
      await strict.delete(path);
      await expect(store.set(path, { a: [1, Number.NaN] })).rejects.toThrow(/a\[1\]/);
      await expect(store.set(path, { at: new Date() })).rejects.toThrow(/Date is not plain JSON/);
      await expect(store.set(path, { n: Number.POSITIVE_INFINITY })).rejects.toThrow(/finite/);
      expect(await store.get(path)).toBeNull();
    });

    it('by default drops undefined properties, as the Firebase runtime configures Firestore', async () => {
      await store.set('things/t1', { a: 1, b: undefined, nested: { c: undefined, d: 2 } });
      expect((await store.get('things/t1'))!.data).toEqual({ a: 1, nested: { d: 2 } });
      await expect(store.set('things/t2', { list: [1, undefined] })).rejects.toThrow(/list\[1\]/);
    });

    it('writes versions as fixed-width strings that sort like the numbers they are', async () => {
      const versions: string[] = [];
      for (let i = 0; i < 12; i++) {
        await store.set('things/v', { i });
        versions.push((await store.get('things/v'))!.version);
      }
      expect([...versions].sort()).toEqual(versions);
      expect(new Set(versions.map((v) => v.length)).size).toBe(1);
    });

    it('rejects malformed document and collection paths', async () => {
      await expect(store.get('users')).rejects.toThrow(/even number/);
      await expect(store.get('users//x/y')).rejects.toThrow(/empty segment/);
      await expect(store.get('users/../x')).rejects.toThrow(/not an id/);
      await expect(store.query({ collection: 'users/u1' })).rejects.toThrow(/odd number/);
      await expect(store.query({ collection: 'users/u1/videoRequests', group: true })).rejects.toThrow(/collection group/);
    });

    it('rejects query values that cannot be compared', async () => {
      await expect(store.query({ collection: 'things', where: [{ field: 'a', op: '==', value: { x: 1 } }] })).rejects.toThrow();
      await expect(store.query({ collection: 'things', where: [{ field: 'a', op: 'in', value: [] }] })).rejects.toThrow(/non-empty/);
      await expect(store.query({ collection: 'things', where: [{ field: 'a', op: '<', value: null }] })).rejects.toThrow(/null/);
    });

    it('orders mixed types the way Firestore does: null < booleans < numbers < strings < arrays < maps', async () => {
      const values: unknown[] = [{ m: 1 }, 'b', 3, true, null, [1], 'a', -1, false];
      await store.runTransaction(async (tx) => {
        values.forEach((value, i) => tx.set(`mixed/d${i}`, { v: value }));
        tx.set('mixed/none', { other: 1 });
      });
      const ordered = await store.query({ collection: 'mixed', orderBy: { field: 'v' } });
      expect(ordered.map((snap) => snap.data['v'])).toEqual([null, false, true, -1, 3, 'a', 'b', [1], { m: 1 }]);
    });
  });

  describe('transactions', () => {
    it('gives up with TransactionContentionError when it keeps losing', async () => {
      const small = new SqliteDocumentStore({ db, maxTransactionAttempts: 3 });
      await small.set('c/x', { n: 0 });
      let runs = 0;
      await expect(
        small.runTransaction(async (tx) => {
          runs++;
          await tx.get('c/x');
          await small.set('c/x', { n: runs }); // someone else always gets there first
          tx.set('c/x', { n: -1 });
        }),
      ).rejects.toThrow(TransactionContentionError);
      expect(runs).toBe(3);
      expect((await small.get('c/x'))!.data).toEqual({ n: 3 });
    });

    it('reruns a function that failed on a torn view instead of surfacing the error', async () => {
      await store.set('c/a', { n: 0 });
      await store.set('c/b', { n: 0 });
      let runs = 0;
      const result = await store.runTransaction(async (tx) => {
        runs++;
        const a = (await tx.get<{ n: number }>('c/a'))!.data.n;
        // Another writer moves both documents together between our two reads (first attempt only).
        if (runs === 1) await store.runTransaction(async (other) => (other.set('c/a', { n: 1 }), other.set('c/b', { n: 1 })));
        const b = (await tx.get<{ n: number }>('c/b'))!.data.n;
        if (a !== b) throw new Error('invariant a == b broken');
        return a;
      });
      expect(runs).toBe(2);
      expect(result).toBe(1);
    });

    it('refuses to use a transaction object after its function returned', async () => {
      let leaked: { set(path: string, data: object): void } | undefined;
      await store.runTransaction(async (tx) => {
        leaked = tx;
      });
      expect(() => leaked!.set('c/late', { n: 1 })).toThrow(/already finished/);
    });

    it('serializes retries: 100 concurrent increments finish within two attempts each', async () => {
      await store.set('c/counter', { n: 0 });
      const attemptsPerTransaction = await Promise.all(
        Array.from({ length: 100 }, async () => {
          let runs = 0;
          await store.runTransaction(async (tx) => {
            runs++;
            const n = (await tx.get<{ n: number }>('c/counter'))!.data.n;
            await new Promise((resolve) => setImmediate(resolve));
            tx.set('c/counter', { n: n + 1 });
          });
          return runs;
        }),
      );
      expect((await store.get('c/counter'))!.data).toEqual({ n: 100 });
      expect(Math.max(...attemptsPerTransaction)).toBeLessThanOrEqual(2);
    });

    it('lets a transaction started inside a retried one run (and retry) without waiting for the retry lane', async () => {
      await store.set('c/outer', { n: 0 });
      await store.set('c/inner', { n: 0 });
      const increment = (path: string): Promise<void> =>
        store.runTransaction(async (tx) => {
          const n = (await tx.get<{ n: number }>(path))!.data.n;
          await new Promise((resolve) => setImmediate(resolve));
          tx.set(path, { n: n + 1 });
        });
      let runs = 0;
      const outer = store.runTransaction(async (tx) => {
        runs++;
        await tx.get('c/outer');
        if (runs === 1) await store.set('c/outer', { n: -1 }); // force a retry: the next run is in the lane
        if (runs === 2) await Promise.all([increment('c/inner'), increment('c/inner')]); // they conflict and retry
        tx.set('c/outer', { n: runs });
      });
      const deadlock = new Promise((_, reject) => setTimeout(() => reject(new Error('deadlocked on the retry lane')), 3000).unref());
      await Promise.race([outer, deadlock]);
      expect((await store.get('c/outer'))!.data).toEqual({ n: 2 });
      expect((await store.get('c/inner'))!.data).toEqual({ n: 2 });
    });

    it('keeps data and versions across reopening the database file', async () => {
      await store.set('c/persist', { kept: true });
      const version = (await store.get('c/persist'))!.version;
      const reopened = new SqliteDocumentStore({ db: workspace.openDb() });
      expect(await reopened.get('c/persist')).toEqual({ path: 'c/persist', id: 'persist', data: { kept: true }, version });
    });
  });
});
