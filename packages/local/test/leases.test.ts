import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLease, buildCoreConfig, handBackLeases, Incarnation, silentLogger, withLease, type Ports } from '@d2v/core';
import { docPaths, type VideoRequest } from '@d2v/schema';
import { LocalDatabase, LocalStack, SqliteDocumentStore, SqliteTaskQueue } from '../src';
import { DataDirLockedError } from '../src/data-dir-lock';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';

/**
 * Leases measured in seconds: renewed by a heartbeat while a step runs, dead with their incarnation, handed back
 * by a graceful stop; and the local stack's one-process-per-data-dir rule that makes "dead with their incarnation"
 * true. Real SQLite throughout; the lease tests use the core's lease module on the real document store.
 */
describe('step leases', () => {
  let dir: string;
  let db: LocalDatabase;
  let ports: Ports;
  const ref = { uid: UID, requestId: 'lease-1' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd2v-leases-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    const store = new SqliteDocumentStore({ db });
    ports = {
      store,
      clock: { now: () => Date.now() },
      log: silentLogger,
      config: buildCoreConfig({ webhookSecret: 'w'.repeat(32), stepLeaseMs: 3000 }),
      liveness: new Incarnation({ othersAreDead: true }),
    } as Partial<Ports> as Ports;
    await store.runTransaction(async (tx) =>
      tx.set(docPaths.videoRequest(UID, ref.requestId), {
        uid: UID, requestId: ref.requestId, draftId: 'd', options: {}, state: 'downloading', progress: 0.7, warnings: [],
        luma: { submitAttempts: 1, polls: 0, previousGenerationIds: [] }, transitionCount: 8, createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(), deadlineAt: Date.now() + 3_600_000,
      }),
    );
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const read = async () => (await ports.store.get<VideoRequest>(docPaths.videoRequest(UID, ref.requestId)))!.data;

  it('is renewed every third of its length while the step runs, so it never lapses under a live worker', async () => {
    const claim = await acquireLease(ports, ref, { step: 'download', states: ['downloading'] });
    if (claim.kind !== 'held') throw new Error(`not held: ${claim.kind}`);
    const first = claim.doc.lease!.until;
    const seen: number[] = [];
    await withLease(ports, claim.held, async () => {
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 500));
        seen.push((await read()).lease!.until);
      }
    });
    // Four seconds of work under a three-second lease: renewed (at 1 s, 2 s, 3 s…), never expired meanwhile.
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...seen)).toBeGreaterThan(first + 2000);
    expect(seen.every((until, i) => until > Date.now() - (8 - i) * 500)).toBe(true);
    // A step that returns settles its own lease (its closing transition); this one did not: still ours.
    expect((await read()).lease?.owner).toBe(claim.held.owner);
  });

  it('meets a live lease as busy (no write), and another incarnation’s as dead at once', async () => {
    const before = await read();
    const busy = await acquireLease(ports, ref, { step: 'download', states: ['downloading'] });
    expect(busy.kind).toBe('busy');
    expect((await read()).updatedAt).toBe(before.updatedAt);
    const restarted = { ...ports, liveness: new Incarnation({ othersAreDead: true }) };
    const taken = await acquireLease(restarted, ref, { step: 'download', states: ['downloading'], patch: (_d, t) => ({ tookOverFromDead: t.fromDead }) });
    expect(taken.kind).toBe('held');
    expect((await read()).lease!.owner.startsWith(`${restarted.liveness.incarnation}.`)).toBe(true);
    expect((await read()) as unknown as { tookOverFromDead: boolean }).toMatchObject({ tookOverFromDead: true });
  });

  it('is given back when its step throws, and handed back by a graceful stop while its step still runs', async () => {
    const mine = { ...ports, liveness: new Incarnation({ othersAreDead: true }) };
    await ports.store.runTransaction(async (tx) => {
      const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(UID, ref.requestId)))!.data;
      tx.set(docPaths.videoRequest(UID, ref.requestId), { ...doc, lease: null });
    });
    const a = await acquireLease(mine, ref, { step: 'download', states: ['downloading'] });
    if (a.kind !== 'held') throw new Error('not held');
    await expect(withLease(mine, a.held, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect((await read()).lease ?? null).toBeNull();

    const b = await acquireLease(mine, ref, { step: 'download', states: ['downloading'] });
    if (b.kind !== 'held') throw new Error('not held');
    let release!: () => void;
    const running = withLease(mine, b.held, () => new Promise<void>((r) => (release = r)));
    expect(mine.liveness.held()).toHaveLength(1);
    expect(await handBackLeases(mine)).toBe(1);
    expect((await read()).lease ?? null).toBeNull();
    release();
    await running;
    expect(mine.liveness.held()).toHaveLength(0);
  });
});

describe('one local stack per data dir', () => {
  it('refuses a second stack on the same data dir with a sentence, and starts again once the first stopped', async () => {
    const { stack, cleanup } = await startTestStack();
    try {
      const err = await LocalStack.start({ config: { dataDir: stack.config.dataDir, port: 0 }, logger: 'silent', seedDir: false }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toMatch(/is in use by another d2v local stack \(pid \d+\)\. Stop that one first/);
    } finally {
      await stack.stop();
    }
    const again = await LocalStack.start({ env: { ...process.env, LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' }, config: { dataDir: stack.config.dataDir, port: 0 }, logger: 'silent' });
    await again.stop();
    await cleanup().catch(() => undefined);
  });

  it('at start, rows an earlier incarnation left in flight are due at once, their attempt not spent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2v-reclaim-'));
    const db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    try {
      const dead = new SqliteTaskQueue({ db, incarnation: 'dead-1', pollIntervalMs: 5 });
      dead.register('poll', () => new Promise<void>(() => undefined)); // the process "dies" inside the handler
      await dead.enqueue('poll', { uid: UID, requestId: 'r1' }, { id: 'p1' });
      dead.start();
      while (dead.list({ status: 'inflight' }).length === 0) await new Promise((r) => setTimeout(r, 5));
      await dead.stop({ graceMs: 0 });
      const row = dead.list()[0]!;
      expect(row).toMatchObject({ status: 'inflight', attempts: 1 });
      expect(row.dueAt).toBeGreaterThan(Date.now() + 500_000); // without a reclaim: due in ten minutes

      const next = new SqliteTaskQueue({ db, incarnation: 'next-2' });
      expect(next.reclaimAbandoned()).toBe(1);
      expect(next.list()[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(next.list()[0]!.dueAt).toBeLessThanOrEqual(Date.now());
      expect(next.reclaimAbandoned()).toBe(0);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a graceful stop hands back running work; the next start on the same data dir finishes it, billed once', async () => {
    const { stack, cleanup } = await startTestStack();
    const dataDir = stack.config.dataDir;
    // 1080p: processing lasts seconds, long enough to stop the stack in the middle of it.
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: { resolution: '1080p', autoPost: true, fresh: true } });
    await stack.waitForState(UID, requestId, ['processing']);
    const back = await stack.stop({ graceMs: 0 });
    expect(back.leases).toBe(1); // the processing lease
    expect(back.tasks).toBeGreaterThanOrEqual(1); // the process task it was running
    const next = await LocalStack.start({
      env: { ...process.env, MEDIA_X264_PRESET: 'veryfast', LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
      logger: 'silent',
      config: { dataDir, port: 0, pollIntervalSeconds: 1 },
      core: { pollIntervalSeconds: 1 },
      // The same simulator is gone with the first stack: a new one, which knows nothing of the first's generation.
      simulator: { seed: 8, timing: { queuedMs: 200, dreamingMs: 1200 } },
    });
    try {
      const doc = await next.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
      expect(doc.state).toBe('posted');
      expect(generationsFor(next, requestId)).toHaveLength(0); // nothing created again by the restart
    } finally {
      await next.stop();
      await cleanup().catch(() => undefined);
    }
  });
});
