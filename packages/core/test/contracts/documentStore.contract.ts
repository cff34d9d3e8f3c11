/**
 * The DocumentStore contract: what the pipeline core relies on from any document store. Written only against
 * the port, so the local SQLite adapter and the Firestore adapter (against the emulator) run the same suite.
 *
 * Every test works under a fresh namespace (unique root collection and collection-group ids) so the suite can
 * share one long-lived emulator database without cleaning it between tests.
 */
import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  NotFoundError,
  type DocData,
  type DocSnapshot,
  type DocumentStore,
  type Transaction,
} from '../../src/ports';
import { settle } from './settle';

export interface DocumentStoreFixture {
  store: DocumentStore;
  cleanup(): Promise<void>;
}

/** Lets other callbacks (timers, I/O) run: makes concurrent transactions actually interleave. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function describeDocumentStoreContract(name: string, makeStore: () => Promise<DocumentStoreFixture>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let fixture: DocumentStoreFixture;
    let store: DocumentStore;
    let ns: string;
    /** A root collection of this test's own. */
    let root: string;
    const doc = (id: string): string => `${root}/${id}`;
    const write = (fn: (tx: Transaction) => void): Promise<void> => store.runTransaction(async (tx) => fn(tx));
    const dataOf = async (path: string): Promise<DocData | null> => (await store.get(path))?.data ?? null;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      ns = randomUUID().replace(/-/g, '').slice(0, 12);
      root = `contract_${ns}`;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('single documents', () => {
      it('returns null for a missing document', async () => {
        expect(await store.get(doc('missing'))).toBeNull();
      });

      it('creates a document and reads back exactly what was written', async () => {
        const data = {
          text: 'héllo — 世界 🎬',
          empty: '',
          int: 42,
          negative: -7,
          float: 0.1 + 0.2,
          big: 2 ** 53 - 1,
          zero: 0,
          yes: true,
          no: false,
          nothing: null,
          list: [1, 'two', false, null, { three: 3 }, [4]],
          emptyList: [],
          nested: { a: { b: { c: 'deep' } }, emptyMap: {} },
        };
        await write((tx) => tx.create(doc('d1'), data));
        const snap = await store.get(doc('d1'));
        expect(snap).not.toBeNull();
        expect(snap!.path).toBe(doc('d1'));
        expect(snap!.id).toBe('d1');
        expect(snap!.data).toEqual(data);
        expect(typeof snap!.version).toBe('string');
        expect(snap!.version.length).toBeGreaterThan(0);
      });

      it('refuses to create a document that exists (AlreadyExistsError) and leaves it unchanged', async () => {
        await write((tx) => tx.create(doc('d1'), { v: 1 }));
        const err = await settle(() => write((tx) => tx.create(doc('d1'), { v: 2 })));
        expect(err).toBeInstanceOf(AlreadyExistsError);
        expect(await dataOf(doc('d1'))).toEqual({ v: 1 });
      });

      it('set replaces the whole document, and creates it when missing', async () => {
        await write((tx) => tx.set(doc('d1'), { a: 1, b: { x: 1, y: 2 } }));
        expect(await dataOf(doc('d1'))).toEqual({ a: 1, b: { x: 1, y: 2 } });
        await write((tx) => tx.set(doc('d1'), { b: { x: 9 } }));
        expect(await dataOf(doc('d1'))).toEqual({ b: { x: 9 } });
      });

      it('update merges top-level fields shallowly (a nested map is replaced whole)', async () => {
        await write((tx) => tx.create(doc('d1'), { a: 1, b: { x: 1, y: 2 }, c: 'keep' }));
        await write((tx) => tx.update(doc('d1'), { a: 2, b: { x: 3 }, d: null }));
        expect(await dataOf(doc('d1'))).toEqual({ a: 2, b: { x: 3 }, c: 'keep', d: null });
      });

      it('update treats a dotted key as a field path into nested maps, leaving sibling fields alone', async () => {
        await write((tx) => tx.create(doc('d1'), { luma: { generationId: 'g1', state: 'queued' }, scalar: 'x' }));
        await write((tx) => tx.update(doc('d1'), { 'luma.state': 'dreaming', 'outputs.bytes': 10, 'scalar.inner': true }));
        expect(await dataOf(doc('d1'))).toEqual({
          luma: { generationId: 'g1', state: 'dreaming' },
          outputs: { bytes: 10 },
          scalar: { inner: true },
        });
      });

      // The stores run with undefined-tolerant settings (the Firebase runtime sets Firestore's
      // ignoreUndefinedProperties): undefined properties are dropped, and a top-level undefined in update()
      // deletes that field — the same result as the JSON round trip of a spread object with that key unset.
      it('drops undefined properties on write, and update() with an undefined field deletes it', async () => {
        await write((tx) => tx.create(doc('d1'), { a: 1, b: undefined, nested: { c: 2, d: undefined }, gone: 'soon' }));
        expect(await dataOf(doc('d1'))).toEqual({ a: 1, nested: { c: 2 }, gone: 'soon' });
        await write((tx) => tx.update(doc('d1'), { gone: undefined, a: 2 }));
        expect(await dataOf(doc('d1'))).toEqual({ a: 2, nested: { c: 2 } });
      });

      it('refuses to update a missing document (NotFoundError) and does not create it', async () => {
        const err = await settle(() => write((tx) => tx.update(doc('nope'), { a: 1 })));
        expect(err).toBeInstanceOf(NotFoundError);
        expect(await store.get(doc('nope'))).toBeNull();
      });

      it('deletes a document; deleting a missing one is not an error', async () => {
        await write((tx) => tx.create(doc('d1'), { a: 1 }));
        await write((tx) => tx.delete(doc('d1')));
        expect(await store.get(doc('d1'))).toBeNull();
        await write((tx) => tx.delete(doc('d1')));
        expect(await store.get(doc('d1'))).toBeNull();
      });

      it('changes the version on every write, not on reads, and never reuses one after delete + create', async () => {
        await write((tx) => tx.create(doc('d1'), { n: 1 }));
        const v1 = (await store.get(doc('d1')))!.version;
        expect((await store.get(doc('d1')))!.version).toBe(v1);
        await write((tx) => tx.update(doc('d1'), { n: 2 }));
        const v2 = (await store.get(doc('d1')))!.version;
        await write((tx) => tx.set(doc('d1'), { n: 2 }));
        const v3 = (await store.get(doc('d1')))!.version;
        await write((tx) => tx.delete(doc('d1')));
        await write((tx) => tx.create(doc('d1'), { n: 1 }));
        const v4 = (await store.get(doc('d1')))!.version;
        expect(new Set([v1, v2, v3, v4]).size).toBe(4);
      });

      it('does not let the caller mutate stored data through the objects it wrote or read', async () => {
        const data = { list: [1, 2], nested: { a: 1 } };
        await store.runTransaction(async (tx) => {
          tx.set(doc('d1'), data);
          data.list.push(3);
          data.nested.a = 2;
        });
        const snap = await store.get<{ list: number[]; nested: { a: number } }>(doc('d1'));
        expect(snap!.data).toEqual({ list: [1, 2], nested: { a: 1 } });
        snap!.data.list.push(99);
        expect(await dataOf(doc('d1'))).toEqual({ list: [1, 2], nested: { a: 1 } });
      });
    });

    describe('transactions', () => {
      it('returns the value of the transaction function', async () => {
        await write((tx) => tx.create(doc('d1'), { n: 5 }));
        const result = await store.runTransaction(async (tx) => ((await tx.get<{ n: number }>(doc('d1')))?.data.n ?? 0) * 2);
        expect(result).toBe(10);
      });

      it('commits all writes of a transaction together, or none when one of them fails', async () => {
        await write((tx) => {
          tx.create(doc('a'), { v: 1 });
          tx.create(doc('b'), { v: 1 });
        });
        expect(await dataOf(doc('a'))).toEqual({ v: 1 });
        expect(await dataOf(doc('b'))).toEqual({ v: 1 });

        const err = await settle(() =>
          write((tx) => {
            tx.set(doc('a'), { v: 2 });
            tx.create(doc('c'), { v: 2 });
            tx.update(doc('missing'), { v: 2 });
          }),
        );
        expect(err).toBeInstanceOf(NotFoundError);
        expect(await dataOf(doc('a'))).toEqual({ v: 1 });
        expect(await store.get(doc('c'))).toBeNull();
      });

      it('keeps writes invisible to everyone else until the commit', async () => {
        let seenFromOutside: DocSnapshot | null | undefined;
        await store.runTransaction(async (tx) => {
          tx.set(doc('d1'), { v: 1 });
          seenFromOutside = await store.get(doc('d1'));
        });
        expect(seenFromOutside).toBeNull();
        expect(await dataOf(doc('d1'))).toEqual({ v: 1 });
      });

      it('writes nothing and passes the error on when the function throws', async () => {
        const boom = new Error('boom');
        const err = await settle(() =>
          store.runTransaction(async (tx) => {
            tx.set(doc('d1'), { v: 1 });
            throw boom;
          }),
        );
        expect(err).toBe(boom);
        expect(await store.get(doc('d1'))).toBeNull();
      });

      it('rejects a read after a write in the same transaction, and writes nothing', async () => {
        await write((tx) => tx.create(doc('other'), { v: 0 }));
        const err = await settle(() =>
          store.runTransaction(async (tx) => {
            tx.set(doc('d1'), { v: 1 });
            await tx.get(doc('other'));
          }),
        );
        expect(err).toBeInstanceOf(Error);
        expect(await store.get(doc('d1'))).toBeNull();
      });

      it('sees one snapshot per attempt: a document read twice reads the same, whatever commits meanwhile', async () => {
        await write((tx) => tx.create(doc('d1'), { v: 1 }));
        const pairs: Array<[unknown, unknown]> = [];
        let outsideWrite: Promise<void> | undefined;
        await store.runTransaction(async (tx) => {
          const first = (await tx.get<{ v: number }>(doc('d1')))!.data.v;
          // Started, not awaited: a store that locks what a transaction read makes this wait for our commit.
          outsideWrite ??= write((other) => other.set(doc('d1'), { v: 2 }));
          await pause(30);
          const second = (await tx.get<{ v: number }>(doc('d1')))!.data.v;
          pairs.push([first, second]);
        });
        await outsideWrite;
        expect(pairs.length).toBeGreaterThan(0);
        for (const [first, second] of pairs) expect(second).toBe(first);
        expect(await dataOf(doc('d1'))).toEqual({ v: 2 });
      });

      it('serializes 20 concurrent read-modify-write increments: the counter ends at exactly 20', async () => {
        await write((tx) => tx.create(doc('counter'), { n: 0 }));
        await Promise.all(
          Array.from({ length: 20 }, () =>
            store.runTransaction(async (tx) => {
              const snap = await tx.get<{ n: number }>(doc('counter'));
              await yieldToEventLoop();
              tx.set(doc('counter'), { n: snap!.data.n + 1 });
            }),
          ),
        );
        expect(await dataOf(doc('counter'))).toEqual({ n: 20 });
      });

      it('lets exactly one of two concurrent compare-and-set transactions on the same state win', async () => {
        await write((tx) => tx.create(doc('req'), { state: 'queued', owner: null }));
        const claim = (owner: string): Promise<boolean> =>
          store.runTransaction(async (tx) => {
            const snap = await tx.get<{ state: string }>(doc('req'));
            await yieldToEventLoop();
            if (snap?.data.state !== 'queued') return false;
            tx.update(doc('req'), { state: 'submitting', owner });
            tx.create(doc(`req-log-${owner}`), { owner });
            return true;
          });
        const results = await Promise.all([claim('w1'), claim('w2')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? 'w1' : 'w2';
        const loser = winner === 'w1' ? 'w2' : 'w1';
        expect(await dataOf(doc('req'))).toEqual({ state: 'submitting', owner: winner });
        expect(await store.get(doc(`req-log-${winner}`))).not.toBeNull();
        expect(await store.get(doc(`req-log-${loser}`))).toBeNull();
      });

      it('treats "read as absent" as a precondition: two concurrent create-if-absent, one creates', async () => {
        const createIfAbsent = (who: string): Promise<boolean> =>
          store.runTransaction(async (tx) => {
            const snap = await tx.get(doc('lease'));
            await yieldToEventLoop();
            if (snap) return false;
            tx.set(doc('lease'), { who });
            return true;
          });
        const results = await Promise.all([createIfAbsent('a'), createIfAbsent('b')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await dataOf(doc('lease'))).toEqual({ who: results[0] ? 'a' : 'b' });
      });
    });

    describe('queries', () => {
      let group: string;

      beforeEach(async () => {
        group = `items_${ns}`;
        await write((tx) => {
          tx.set(`${root}/p1/${group}/a`, { kind: 'video', n: 1, label: 'alpha', flag: true, nested: { score: 30 } });
          tx.set(`${root}/p1/${group}/b`, { kind: 'script', n: 2, label: 'bravo', flag: false, nested: { score: 10 } });
          tx.set(`${root}/p1/${group}/c`, { kind: 'video', n: 3, label: 'charlie', flag: 1, nested: { score: 20 } });
          tx.set(`${root}/p1/${group}/d`, { kind: 'video', n: 4, label: 'delta', nothing: null });
          tx.set(`${root}/p1/${group}/e`, { kind: 'image', label: 'echo', n: '5' });
          tx.set(`${root}/p2/${group}/f`, { kind: 'video', n: 6, label: 'foxtrot' });
          tx.set(`${root}/p1/${group}/a/sub/x`, { kind: 'video', n: 100 });
          tx.set(`${root}/p1/other_${ns}/g`, { kind: 'video', n: 7 });
        });
      });

      const ids = (snaps: DocSnapshot[]): string[] => snaps.map((snap) => snap.id);
      const inP1 = (): string => `${root}/p1/${group}`;

      it('lists a collection (only its own documents) by id, with paths and data', async () => {
        const snaps = await store.query({ collection: inP1() });
        expect(ids(snaps)).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(snaps[0]!.path).toBe(`${inP1()}/a`);
        expect(snaps[0]!.data).toEqual({ kind: 'video', n: 1, label: 'alpha', flag: true, nested: { score: 30 } });
      });

      it('filters with == on strings, numbers, booleans and null, type-strictly', async () => {
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'kind', op: '==', value: 'video' }] }))).toEqual(['a', 'c', 'd']);
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'n', op: '==', value: 2 }] }))).toEqual(['b']);
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'flag', op: '==', value: true }] }))).toEqual(['a']);
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'flag', op: '==', value: 1 }] }))).toEqual(['c']);
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'nothing', op: '==', value: null }] }))).toEqual(['d']);
        expect(ids(await store.query({ collection: inP1(), where: [{ field: 'n', op: '==', value: 5 }] }))).toEqual([]);
      });

      it('filters with in', async () => {
        const snaps = await store.query({ collection: inP1(), where: [{ field: 'kind', op: 'in', value: ['script', 'image'] }] });
        expect(ids(snaps)).toEqual(['b', 'e']);
      });

      it('filters with range operators on numbers and strings (other types never match)', async () => {
        const q = (op: '<' | '<=' | '>' | '>=', value: number | string) =>
          store.query({ collection: inP1(), where: [{ field: typeof value === 'number' ? 'n' : 'label', op, value }] }).then(ids);
        expect(await q('<', 2)).toEqual(['a']);
        expect(await q('<=', 2)).toEqual(['a', 'b']);
        expect(await q('>', 3)).toEqual(['d']);
        expect(await q('>=', 3)).toEqual(['c', 'd']);
        expect(await q('>=', 'charlie')).toEqual(['c', 'd', 'e']);
        expect(await q('<', 'bz')).toEqual(['a', 'b']);
      });

      it('combines filters, including on dotted nested fields', async () => {
        const snaps = await store.query({
          collection: inP1(),
          where: [
            { field: 'kind', op: '==', value: 'video' },
            { field: 'nested.score', op: '>=', value: 20 },
          ],
        });
        expect(ids(snaps)).toEqual(['a', 'c']);
      });

      it('orders by a field ascending and descending, leaving out documents without it, and limits', async () => {
        expect(ids(await store.query({ collection: inP1(), orderBy: { field: 'nested.score' } }))).toEqual(['b', 'c', 'a']);
        expect(ids(await store.query({ collection: inP1(), orderBy: { field: 'nested.score', direction: 'desc' } }))).toEqual(['a', 'c', 'b']);
        expect(ids(await store.query({ collection: inP1(), orderBy: { field: 'label', direction: 'desc' }, limit: 2 }))).toEqual(['e', 'd']);
        expect(ids(await store.query({ collection: inP1(), limit: 3 }))).toEqual(['a', 'b', 'c']);
      });

      it('combines where, orderBy and limit', async () => {
        const snaps = await store.query({
          collection: inP1(),
          where: [{ field: 'kind', op: '==', value: 'video' }],
          orderBy: { field: 'n', direction: 'desc' },
          limit: 2,
        });
        expect(ids(snaps)).toEqual(['d', 'c']);
      });

      it('queries a collection group across parents (and only that collection id)', async () => {
        const all = await store.query({ collection: group, group: true });
        expect(all.map((snap) => snap.path).sort()).toEqual(
          ['a', 'b', 'c', 'd', 'e'].map((id) => `${root}/p1/${group}/${id}`).concat(`${root}/p2/${group}/f`).sort(),
        );
        const videos = await store.query({
          collection: group,
          group: true,
          where: [{ field: 'kind', op: '==', value: 'video' }],
          orderBy: { field: 'n', direction: 'desc' },
        });
        expect(ids(videos)).toEqual(['f', 'd', 'c', 'a']);
      });

      it('reflects committed writes and deletes', async () => {
        await write((tx) => {
          tx.delete(`${inP1()}/a`);
          tx.update(`${inP1()}/b`, { kind: 'video' });
        });
        const snaps = await store.query({ collection: inP1(), where: [{ field: 'kind', op: '==', value: 'video' }] });
        expect(ids(snaps)).toEqual(['b', 'c', 'd']);
      });
    });
  });
}
