import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCoreConfig, createHandlers, logs, onTransitionApplied, transition,
  type AppliedTransition, type Logger, type LogFields, type Ports, type TaskQueue,
} from '@d2v/core';
import { docPaths, type VideoRequest } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink } from '../src';

const UID = 'demo-user';

/**
 * The guarded transition's hooks (what multi-shot videos hang on): run after the commit, only for applied
 * transitions, and a hook that throws cannot undo or fail the transition. Real SQLite store and event sink; the
 * task queue only records (no worker runs), and Luma and media are absent because a transition never calls them.
 */
describe('transition hooks', () => {
  let dir: string;
  let db: LocalDatabase;
  let ports: Ports;
  const warnings: { fields: LogFields; message: string }[] = [];
  const heard: { applied: AppliedTransition; stored: string | undefined }[] = [];
  let hookThrows = false;

  const recordingLog: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields, message) => void warnings.push({ fields, message }),
    error: () => undefined,
    child: () => recordingLog,
  };
  const absent = (name: string) =>
    new Proxy({}, { get: (_t, key) => { throw new Error(`${name}.${String(key)} used by a transition`); } }) as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd2v-hooks-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    const recordingQueue: TaskQueue = { enqueue: async () => undefined };
    ports = {
      store: new SqliteDocumentStore({ db }),
      blobs: new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32) }),
      tasks: recordingQueue,
      events: new SqliteEventSink({ db }),
      luma: absent('luma'),
      media: absent('media'),
      clock: { now: () => Date.now() },
      log: recordingLog,
      config: buildCoreConfig({ webhookSecret: 'w'.repeat(32) }),
      tmpDir: dir,
    };
    onTransitionApplied(async function recordingHook(p, applied) {
      // Read back through the store: a hook runs after the commit, so it sees what was written.
      const stored = (await p.store.get<VideoRequest>(docPaths.videoRequest(applied.ref.uid, applied.ref.requestId)))?.data.state;
      heard.push({ applied, stored });
      if (hookThrows) throw new Error('hook broke');
    });
    await ports.store.runTransaction(async (tx) => tx.set(docPaths.draft(UID, 'd1'), { id: 'd1', uid: UID, text: 'A red kite dances over green hills on a windy day.' }));
  });
  afterAll(() => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function queuedRequest(requestId: string): Promise<void> {
    await ports.store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', options: { duration: '5s' } }));
    await createHandlers(ports).onRequestCreated({ uid: UID, requestId, data: {} });
  }
  const ref = (requestId: string) => ({ uid: UID, requestId });

  test('a hook hears each applied transition once, after its commit; a refused one not at all', async () => {
    await queuedRequest('r-heard');
    // pending → validating → queued is one commit (a chained transition): each step is heard once, after it.
    expect(heard.filter((h) => h.applied.ref.requestId === 'r-heard').map((h) => `${h.applied.from}→${h.applied.to}:${h.stored}`)).toEqual([
      'pending→validating:queued',
      'validating→queued:queued',
    ]);
    const before = heard.length;
    const refused = await transition(ports, ref('r-heard'), { from: ['dreaming'], to: 'downloading', by: 'system', reason: 'stale event' });
    expect(refused.applied).toBe(false);
    expect(heard).toHaveLength(before);
  });

  test('a hook that throws is logged and ignored: the transition stands and its caller carries on', async () => {
    await queuedRequest('r-throws');
    hookThrows = true;
    try {
      const moved = await transition(ports, ref('r-throws'), { from: ['queued'], to: 'failed', by: 'system', reason: 'test' });
      expect(moved.applied).toBe(true);
    } finally {
      hookThrows = false;
    }
    const stored = (await ports.store.get<VideoRequest>(docPaths.videoRequest(UID, 'r-throws')))!.data;
    expect(stored.state).toBe('failed');
    expect(heard.at(-1)!.stored).toBe('failed');
    expect(warnings).toContainEqual({
      message: logs.transitionHookFailed,
      fields: expect.objectContaining({ err: 'Error: hook broke', hook: 'recordingHook', state: 'failed' }),
    });
  });
});
