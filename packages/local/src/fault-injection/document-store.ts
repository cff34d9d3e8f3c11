import type { DocData, DocSnapshot, DocumentStore, Query, Transaction } from '@d2v/core';
import { countFault, type FaultCounts, type FaultDice } from './dice';
import { firestoreError } from './errors';

/**
 * A DocumentStore that fails a share of calls the way Firestore does under load: reads and queries answer
 * UNAVAILABLE; a transaction fails before it runs (UNAVAILABLE), runs and then loses to contention (ABORTED, after
 * the SDK's own retries: nothing committed), or commits and still reports a failure (DEADLINE_EXCEEDED after an
 * applied commit — the ambiguous answer every Firestore client must live with).
 */
export class FaultyDocumentStore implements DocumentStore {
  readonly injected: FaultCounts = {};

  constructor(
    private readonly inner: DocumentStore,
    private readonly dice: FaultDice,
    private readonly kinds = { unavailable: 4, contention: 4, ambiguousCommit: 1 },
  ) {}

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    this.failRead('get');
    return this.inner.get<T>(path);
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    this.failRead('query');
    return this.inner.query<T>(q);
  }

  async count(q: Query): Promise<number> {
    this.failRead('count');
    return this.inner.count(q);
  }

  async runTransaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    const fault = this.dice.roll(this.kinds);
    if (fault) countFault(this.injected, `transaction:${fault}`);
    if (fault === 'unavailable') throw firestoreError('UNAVAILABLE');
    if (fault === 'contention') {
      // The function runs (its reads happen) but the commit is refused: the inner store rolls back.
      return this.inner.runTransaction(async (tx) => {
        await fn(tx);
        throw firestoreError('ABORTED');
      });
    }
    const result = await this.inner.runTransaction(fn);
    if (fault === 'ambiguousCommit') throw firestoreError('DEADLINE_EXCEEDED');
    return result;
  }

  private failRead(call: string): void {
    if (this.dice.roll({ unavailable: 1 })) {
      countFault(this.injected, `${call}:unavailable`);
      throw firestoreError('UNAVAILABLE');
    }
  }
}
