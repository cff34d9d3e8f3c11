/**
 * Fault injection for our own stores (the Luma simulator injects Luma's): wrappers implementing the same ports as
 * the local adapters, failing a configurable share of calls the way Firestore, Cloud Storage and Cloud Tasks do.
 * `LocalStack.start({ faults })` puts them between the pipeline core and the real adapters.
 */
import type { BlobStore, DocumentStore, TaskQueue } from '@d2v/core';
import { FaultDice, type FaultCounts } from './dice';
import { FaultyBlobStore } from './blob-store';
import { FaultyDocumentStore } from './document-store';
import { FaultyTaskQueue } from './task-queue';

export { FaultDice, type FaultCounts } from './dice';
export { FaultyBlobStore } from './blob-store';
export { FaultyDocumentStore } from './document-store';
export { FaultyTaskQueue } from './task-queue';
export { firestoreError, storageError, tasksError, isInjectedFault } from './errors';

export interface FaultSpec {
  /** Share (0–1) of document-store calls that fail. */
  store?: number;
  /** Share of blob-store calls that fail. */
  blobs?: number;
  /** Share of enqueues that fail, are delivered twice or late. */
  tasks?: number;
  seed?: number;
}

export interface FaultyPorts {
  store: DocumentStore;
  blobs: BlobStore;
  tasks: TaskQueue;
  /** Faults injected so far, by wrapper and kind. */
  injected(): Record<'store' | 'blobs' | 'tasks', FaultCounts>;
}

export function withFaults(ports: { store: DocumentStore; blobs: BlobStore; tasks: TaskQueue }, spec: FaultSpec): FaultyPorts {
  const seed = spec.seed ?? 1;
  const store = new FaultyDocumentStore(ports.store, new FaultDice(seed, 'store', spec.store ?? 0));
  const blobs = new FaultyBlobStore(ports.blobs, new FaultDice(seed, 'blobs', spec.blobs ?? 0));
  const tasks = new FaultyTaskQueue(ports.tasks, new FaultDice(seed, 'tasks', spec.tasks ?? 0));
  return { store, blobs, tasks, injected: () => ({ store: { ...store.injected }, blobs: { ...blobs.injected }, tasks: { ...tasks.injected } }) };
}
