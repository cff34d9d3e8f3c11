/**
 * Unexpected errors in Cloud Error Reporting's shape, through the real pino logger, validated by the schema in
 * @d2v/schema; expected failures counted, never reported. Real SQLite store and event sink; the task queue only
 * records, Luma and media are absent (nothing here reaches them), and the store throws on purpose for one test
 * (a fake failure at the storage boundary, named as such).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  RetryLaterError, buildCoreConfig, createHandlers, createLogger, errorReportEntry, logs, runInContext, transition,
  type DocumentStore, type Ports,
} from '@d2v/core';
import { REPORTED_ERROR_EVENT_TYPE, ReportedErrorLogEntrySchema, docPaths } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink } from '../src';

const UID = 'demo-user';

describe('error reporting', () => {
  let dir: string;
  let db: LocalDatabase;
  let sink: SqliteEventSink;
  let store: SqliteDocumentStore;
  let lines: Record<string, unknown>[];
  const absent = (name: string) => new Proxy({}, { get: (_t, key) => { throw new Error(`${name}.${String(key)} used`); } }) as never;

  function portsWith(over: Partial<Ports> = {}): Ports {
    const out = new Writable({ write: (chunk, _e, cb) => (lines.push(...String(chunk).trim().split('\n').map((l) => JSON.parse(l))), cb()) });
    return {
      store,
      blobs: new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32) }),
      tasks: { enqueue: async () => undefined },
      events: sink,
      luma: absent('luma'),
      media: absent('media'),
      clock: { now: () => Date.now() },
      log: createLogger({ level: 'debug', destination: out }),
      config: buildCoreConfig({ webhookSecret: 'w'.repeat(32), serviceVersion: 'test-rev' }),
      tmpDir: dir,
      ...over,
    };
  }
  const reports = () => lines.filter((l) => l['@type'] === REPORTED_ERROR_EVENT_TYPE);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'd2v-error-report-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    store = new SqliteDocumentStore({ db });
    sink = new SqliteEventSink({ db });
  });
  beforeEach(() => (lines = []));
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function workingRequest(requestId: string): Promise<void> {
    await store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', options: {} }));
    await transition(portsWith(), { uid: UID, requestId }, {
      from: ['pending'], to: 'validating', by: 'system', reason: 'test',
    }, {
      initialize: {
        doc: { draftId: 'd1', options: { model: 'ray-2' }, uid: UID, requestId, state: 'pending', progress: 0, warnings: [], luma: { submitAttempts: 0, polls: 0, previousGenerationIds: [] }, transitionCount: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), deadlineAt: Date.now() + 60_000 } as never,
        entry: { n: 0, from: null, to: 'pending', at: new Date().toISOString(), by: 'client', reason: 'test' },
      },
    });
  }

  it('an exception escaping a handler is logged once as a ReportedErrorEvent keyed by the request, rethrown, and counted', async () => {
    await workingRequest('r-boom');
    // Fake at the storage boundary: this store fails every read of the request (a bug or an outage).
    const failing: DocumentStore = {
      get: async function readRequestThatFails(path) {
        if (path.endsWith('/r-boom')) throw new TypeError('storage exploded');
        return store.get(path);
      },
      query: (q) => store.query(q),
      count: (q) => store.count(q),
      runTransaction: (fn) => store.runTransaction(fn),
    };
    const handlers = createHandlers(portsWith({ store: failing }));
    await expect(handlers.onPollTask({ uid: UID, requestId: 'r-boom', stage: 'video', attempt: 0 }, { attempt: 3 })).rejects.toThrow('storage exploded');
    const [report, ...more] = reports();
    expect(more).toHaveLength(0);
    const entry = ReportedErrorLogEntrySchema.parse(report);
    expect(entry).toMatchObject({
      severity: 'ERROR',
      message: logs.unexpectedError,
      serviceContext: { service: 'draft2video', version: 'test-rev' },
      context: { user: UID, reportLocation: { filePath: 'packages/local/test/error-report.test.ts', functionName: expect.stringContaining('readRequestThatFails') } },
      requestId: 'r-boom',
      uid: UID,
      step: 'poll',
      attempt: 3,
    });
    expect(entry.stack_trace).toMatch(/^TypeError: storage exploded\n\s+at /);
    expect(entry.context.reportLocation.lineNumber).toBeGreaterThan(0);
    const counted = await sink.list({ requestId: 'r-boom', type: 'error' });
    expect(counted).toEqual([expect.objectContaining({ step: 'poll', attempt: 3, errorCode: 'UNEXPECTED', reason: 'TypeError: storage exploded' })]);
  });

  it('a step asking to run later is not an error', async () => {
    await workingRequest('r-later');
    const busy: DocumentStore = {
      get: async () => { throw new RetryLaterError('busy'); },
      query: (q) => store.query(q),
      count: (q) => store.count(q),
      runTransaction: (fn) => store.runTransaction(fn),
    };
    await expect(createHandlers(portsWith({ store: busy })).onPollTask({ uid: UID, requestId: 'r-later', stage: 'video' })).rejects.toThrow('busy');
    expect(reports()).toHaveLength(0);
  });

  it('a request failing for our own reason (our Luma credentials) is reported where the failure was decided; moderation is only counted', async () => {
    await workingRequest('r-auth');
    await workingRequest('r-moderated');
    const ports = portsWith();
    await runInContext({ step: 'submit', uid: UID, requestId: 'r-auth', attempt: 1 }, async function failWithAuth() {
      await transition(ports, { uid: UID, requestId: 'r-auth' }, {
        from: ['validating'], to: 'failed', by: 'system', reason: 'Luma create failed',
        error: { code: 'LUMA_AUTH', message: 'The video service rejected our credentials.', retryable: false },
      });
    });
    await transition(ports, { uid: UID, requestId: 'r-moderated' }, {
      from: ['validating'], to: 'failed', by: 'luma', reason: 'Luma video generation failed',
      error: { code: 'LUMA_MODERATION', message: 'moderated', retryable: true },
    });
    const all = reports().map((r) => ReportedErrorLogEntrySchema.parse(r));
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ requestId: 'r-auth', errorCode: 'LUMA_AUTH', step: 'submit', context: { reportLocation: { functionName: 'failWithAuth', filePath: 'packages/local/test/error-report.test.ts' } } });
    expect(all[0]!.stack_trace).toContain('request failed with LUMA_AUTH');
    // Both are counted as failures in the statistics (expected and unexpected apart): see the aggregation tests.
    expect(await sink.list({ requestId: 'r-moderated', type: 'error' })).toHaveLength(0);
  });

  it('the schema refuses entries Error Reporting would not take: no @type, no service, no report location', () => {
    const entry = { ...errorReportEntry({ error: new Error('x'), step: 'poll' }, { service: 'svc' }, new Date().toISOString()), severity: 'ERROR', message: 'm' };
    expect(ReportedErrorLogEntrySchema.safeParse(entry).success).toBe(true);
    expect(ReportedErrorLogEntrySchema.safeParse({ ...entry, '@type': 'other' }).success).toBe(false);
    expect(ReportedErrorLogEntrySchema.safeParse({ ...entry, serviceContext: {} }).success).toBe(false);
    expect(ReportedErrorLogEntrySchema.safeParse({ ...entry, context: {} }).success).toBe(false);
  });
});
