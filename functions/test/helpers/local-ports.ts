/**
 * The Firebase triggers under test run against the LOCAL STACK's adapters behind the very same ports — SQLite
 * documents, files on disk, the durable task queue (not started: tests run queued tasks through the task
 * functions' `.run()`), the event table — plus the Luma simulator over real HTTP and the real media port.
 * Nothing of firebase-admin is mocked; the only Firebase code in play is firebase-functions' own wrappers.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCoreConfig, silentLogger, type CoreConfigInput, type Ports, type TaskQueueName } from '@d2v/core';
import { LumaClient } from '@d2v/luma';
import { startLumaSimulator, type LumaSimulator, type SimulatorOptions } from '@d2v/luma-sim';
import { createMedia, generateKek, Keyring } from '@d2v/media';
import {
  FileBlobStore,
  LocalDatabase,
  SqliteDocumentStore,
  SqliteEventSink,
  SqliteTaskQueue,
  type TaskRecord,
} from '@d2v/local';
import { TEST_WEBHOOK_SECRET } from './env';

const SIM_KEY = 'sim-key';

export interface LocalPortsFixture {
  ports: Ports;
  store: SqliteDocumentStore;
  blobs: FileBlobStore;
  tasks: SqliteTaskQueue;
  events: SqliteEventSink;
  simulator: LumaSimulator | undefined;
  dir: string;
  /** Pending tasks of a queue, oldest first. */
  pending(queue: TaskQueueName): TaskRecord[];
  close(): Promise<void>;
}

export async function makeLocalPorts(opts: {
  webhookBaseUrl?: string;
  core?: Partial<CoreConfigInput>;
  simulator?: SimulatorOptions | false;
} = {}): Promise<LocalPortsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'd2v-functions-test-'));
  const db = new LocalDatabase({ file: join(dir, 'd2v.sqlite') });
  const clock = { now: () => Date.now() };
  // Same setting as the Firestore adapter's instance (configureFirestore): undefined properties are dropped.
  const store = new SqliteDocumentStore({ db, clock, ignoreUndefinedProperties: true });
  const blobs = new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:9', signingSecret: 'test-blob-signing-secret', clock });
  const tasks = new SqliteTaskQueue({ db, clock });
  const events = new SqliteEventSink({ db, clock });
  const simulator =
    opts.simulator === false
      ? undefined
      : await startLumaSimulator({ apiKeys: [SIM_KEY], timing: { queuedMs: 50, dreamingMs: 200, imageQueuedMs: 50, imageDreamingMs: 100 }, ...opts.simulator });
  const luma = new LumaClient({ apiKey: SIM_KEY, baseUrl: simulator?.url ?? 'http://127.0.0.1:9' });
  const media = createMedia({ keyring: new Keyring(generateKek('test-kek')) });
  const config = buildCoreConfig({
    webhookBaseUrl: opts.webhookBaseUrl ?? '',
    webhookSecret: TEST_WEBHOOK_SECRET,
    pollIntervalSeconds: 1,
    ...opts.core,
  });
  const ports: Ports = { store, blobs, tasks, events, luma, media, clock, log: silentLogger, config, tmpDir: join(dir, 'tmp') };
  mkdirSync(ports.tmpDir, { recursive: true });
  return {
    ports,
    store,
    blobs,
    tasks,
    events,
    simulator,
    dir,
    pending: (queue) => tasks.list({ queue, status: 'pending' }),
    async close() {
      await tasks.stop().catch(() => undefined);
      await simulator?.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
