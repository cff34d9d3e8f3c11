/**
 * Issue #11's event and aggregate tests on the real local stack (simulator over HTTP, ffmpeg, SQLite): the
 * analytics events of whole runs — happy path with playback and download, a failure retried to success, a
 * cancel, a content-cache hit — compared with each request's
 * transition log; every event valid, versioned and flat (BigQuery-friendly); the stored aggregates equal to a
 * recount of the raw event table, percentiles included; and every log line of a handler carrying its request,
 * owner, step, attempt and state.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { bucketIndex, countersForEvents, createLogger, summarizeCounters } from '@d2v/core';
import { AnalyticsEventSchema, type AnalyticsEvent, type Transition, type VideoState } from '@d2v/schema';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

const UID = 'demo-user';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true } as const;

let stack: LocalStack;
let cleanup: () => Promise<void>;
let logDir: string;
let logFile: string;

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'd2v-analytics-log-'));
  logFile = join(logDir, 'd2v.log');
  ({ stack, cleanup } = await startTestStack({
    logger: createLogger({ level: 'debug', destination: pino.destination({ dest: logFile, sync: true }) }),
    config: { statsFlushIntervalMs: 3_600_000 },
  }));
});
afterAll(async () => {
  await cleanup?.();
  rmSync(logDir, { recursive: true, force: true });
});
afterEach(() => {
  stack.simulator!.setFaults({ failureRate: 0 });
  stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 1200 });
});

/** A new generation each time (`fresh`): the same draft would otherwise be answered from the content cache. */
async function create(options: Record<string, unknown> = { fresh: true }): Promise<string> {
  return (await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: { ...FAST, ...options } })).requestId;
}
const wait = (id: string, states: VideoState[], ms = 90_000) => stack.waitForState(UID, id, states, ms);
/** Requests an action and waits for its outcome on the request and its event (published after the action's clean-up). */
async function act(id: string, type: string): Promise<void> {
  const actionEvents = async () => (await stack.events.list({ requestId: id })).filter((e) => e.type === 'action').length;
  const before = await actionEvents();
  const { actionId } = await stack.api.requestAction(UID, id, { type });
  for (let i = 0; i < 400; i++) {
    if ((await stack.api.getRequest(UID, id)).lastActionResult?.id === actionId && (await actionEvents()) > before) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`action ${type} on ${id} got no result`);
}

/** The request's events tell the same story as its transition log: one event per entry, same order and fields. */
async function expectEventsMatchLog(requestId: string): Promise<{ events: AnalyticsEvent[]; log: Transition[] }> {
  const log: Transition[] = await stack.api.listTransitions(UID, requestId);
  const events = await stack.events.list({ requestId });
  const created = events.filter((e) => e.type === 'request_created');
  expect(created).toHaveLength(1);
  expect(created[0]).toMatchObject({ n: 0, to: log[0]!.to, uid: UID, model: 'ray-2' });
  const moves = events.filter((e) => e.type === 'transition').sort((a, b) => a.n! - b.n!);
  expect(moves.map((e) => [e.n, e.from, e.to, e.errorCode ?? null])).toEqual(log.slice(1).map((t) => [t.n, t.from, t.to, t.error?.code ?? null]));
  for (const [i, e] of moves.entries()) {
    const entered = log[i]!; // the entry that put the request into e.from
    expect(e.durationMs).toBe(Date.parse(log[i + 1]!.at) - Date.parse(entered.at));
    expect(e.at).toBe(log[i + 1]!.at);
  }
  return { events, log };
}

describe('analytics events of whole runs, against the transition log', () => {
  let happy: string;
  let retried: string;
  let cancelled: string;

  it('happy path: one event per transition, Luma calls with latency and outcome, playback and download', async () => {
    happy = await create();
    expect((await wait(happy, ['posted', 'failed'])).state).toBe('posted');
    const { events } = await expectEventsMatchLog(happy);
    const creates = events.filter((e) => e.type === 'luma_call' && e.lumaOp === 'create_video');
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ outcome: 'ok', httpStatus: 200, model: 'ray-2', step: 'submit', attempt: 1 });
    expect(creates[0]!.creditsCents).toBeGreaterThan(0);
    expect(creates[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(events.some((e) => e.type === 'luma_call' && e.lumaOp === 'get' && e.outcome === 'ok' && e.step === 'webhook')).toBe(true);

    const headers = { authorization: 'Bearer demo-token' };
    const play = await fetch(`${stack.url}/v1/requests/${happy}/video`, { headers });
    expect(play.status).toBe(200);
    const played = Buffer.from(await play.arrayBuffer()).length;
    const download = await fetch(`${stack.url}/v1/requests/${happy}/video?download=1`, { headers });
    await download.arrayBuffer();
    const after = await stack.events.list({ requestId: happy });
    expect(after.filter((e) => e.type === 'playback_start')).toEqual([expect.objectContaining({ uid: UID, model: 'ray-2', attrs: { viewer: 'owner' } })]);
    expect(after.find((e) => e.type === 'playback_start')!.durationMs).toBeGreaterThanOrEqual(0);
    expect(after.filter((e) => e.type === 'download')).toEqual([expect.objectContaining({ bytes: played })]);
  });

  it('failure, then retry by the owner: the failed transition carries its code, the retry is an action, a second billed create', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    retried = await create();
    const failed = await wait(retried, ['failed', 'posted']);
    expect(failed.state).toBe('failed');
    stack.simulator!.setFaults({ failureRate: 0 });
    await act(retried, 'retry');
    expect((await wait(retried, ['posted', 'failed'])).state).toBe('posted');
    const { events, log } = await expectEventsMatchLog(retried);
    expect(log.map((t) => t.to)).toContain('failed');
    expect(events.filter((e) => e.type === 'action')).toEqual([expect.objectContaining({ action: 'retry', ok: true, step: 'action' })]);
    expect(events.filter((e) => e.type === 'luma_call' && e.lumaOp === 'create_video' && e.outcome === 'ok')).toHaveLength(2);
  });

  it('cancel: deleting a video still dreaming is a cancel (and a delete action), and its log ends deleted', async () => {
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 30_000 });
    cancelled = await create();
    await wait(cancelled, ['dreaming']);
    await act(cancelled, 'delete');
    expect((await wait(cancelled, ['deleted'])).state).toBe('deleted');
    const { events, log } = await expectEventsMatchLog(cancelled);
    expect(log.at(-1)).toMatchObject({ from: 'dreaming', to: 'deleted', by: 'client' });
    expect(events.filter((e) => e.type === 'cancel')).toEqual([expect.objectContaining({ from: 'dreaming', model: 'ray-2' })]);
    expect(events.filter((e) => e.type === 'action')).toEqual([expect.objectContaining({ action: 'delete', ok: true })]);
    expect(events.some((e) => e.type === 'luma_call' && e.lumaOp === 'delete')).toBe(true);
  });

  it('cache hit: the same draft again is answered from an earlier video, one cache_hit event, no Luma call', async () => {
    const hit = await create({});
    expect(['ready', 'posted']).toContain((await wait(hit, ['ready', 'posted', 'failed'])).state);
    const { events } = await expectEventsMatchLog(hit);
    const hits = events.filter((e) => e.type === 'cache_hit');
    expect(hits).toEqual([expect.objectContaining({ schemaVersion: 2, model: 'ray-2' })]);
    expect([happy, retried]).toContain(hits[0]!.attrs?.sourceRequestId);
    expect(events.some((e) => e.type === 'luma_call')).toBe(false);
  });

  it('every event is valid, versioned and flat: one scalar per column (attrs: scalars), ISO timestamps', async () => {
    const all = await stack.events.list();
    expect(all.length).toBeGreaterThan(30);
    for (const event of all) {
      expect(AnalyticsEventSchema.parse(event)).toEqual(event);
      expect(event.schemaVersion).toBe(2);
      expect(new Date(event.at).toISOString()).toBe(event.at);
      for (const [key, value] of Object.entries(event)) {
        if (key === 'attrs') for (const inner of Object.values(value as object)) expect(['string', 'number', 'boolean']).toContain(typeof inner);
        else expect(['string', 'number', 'boolean']).toContain(typeof value);
      }
    }
  });

  it('the stored aggregates equal a recount of the raw event table, percentiles included', async () => {
    const report = await stack.stats();
    const raw = await stack.events.list();
    const recount = countersForEvents(raw);
    expect(report.counters).toEqual(recount);
    expect(report.total).toEqual(summarizeCounters(recount));
    expect(report.total.outcomes).toMatchObject({ succeeded: 3, failed: 1 });
    expect(report.total.failures.expected).toBe(1);
    expect(report.total.requests).toMatchObject({ created: 4, cancelled: 1, deleted: 1 });
    expect(report.total.byModel['ray-2']).toMatchObject({ created: 4, succeeded: 3, failed: 1, cacheHits: 1 });
    expect(report.total.playback.starts).toBe(1);
    expect(report.total.downloads.count).toBe(1);
    // A percentile estimate falls in the histogram bucket that holds the true value.
    const dreaming = raw.filter((e) => e.type === 'transition' && e.from === 'dreaming' && e.to !== 'deleted').map((e) => e.durationMs!).sort((a, b) => a - b);
    const trueP50 = dreaming[Math.ceil(0.5 * dreaming.length) - 1]!;
    expect(report.total.latency.dreaming!.count).toBe(dreaming.length);
    expect(bucketIndex(report.total.latency.dreaming!.p50Ms!)).toBe(bucketIndex(Math.round(trueP50)));
    expect(report.total.latency.total!.count).toBe(3);
  });

  it('every log line of a handler carries requestId, uid, step and state, and task steps their attempt', () => {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l.requestId === happy);
    expect(mine.length).toBeGreaterThan(10);
    for (const line of mine.filter((l) => l.step !== undefined && l.step !== 'sweep')) {
      expect(line).toMatchObject({ requestId: happy, uid: UID });
      expect(typeof line.state).toBe('string');
      if (['submit', 'poll', 'download', 'create', 'process'].includes(line.step as string)) expect(line.attempt).toBeGreaterThanOrEqual(1);
    }
    const steps = new Set(mine.map((l) => l.step));
    for (const step of ['create', 'submit', 'webhook', 'download', 'process']) expect(steps).toContain(step);
    // No key twice on a line (a child logger's bindings and the context never both print).
    for (const raw of readFileSync(logFile, 'utf8').trim().split('\n').filter((l) => l.includes(`"requestId":"${happy}"`))) {
      const keys = [...raw.matchAll(/"([A-Za-z_@][A-Za-z0-9_]*)":/g)].map((m) => m[1]);
      expect(keys.filter((k) => k === 'requestId')).toHaveLength(1);
    }
  });
});

describe('the same run with every event and task delivered twice', () => {
  let twice: LocalStack;
  let stop: () => Promise<void>;
  beforeAll(async () => ({ stack: twice, cleanup: stop } = await startTestStack({ config: { duplicateDelivery: true, statsFlushIntervalMs: 3_600_000 } })));
  afterAll(() => stop?.());

  it('publishes one event per transition, and the aggregates still equal a recount', async () => {
    const { requestId } = await twice.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST });
    expect((await twice.waitForState(UID, requestId, ['posted', 'failed'], 120_000)).state).toBe('posted');
    const log: Transition[] = await twice.api.listTransitions(UID, requestId);
    const events = await twice.events.list({ requestId });
    expect(events.filter((e) => e.type === 'request_created')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'transition').map((e) => e.n).sort((a, b) => a! - b!)).toEqual(log.slice(1).map((t) => t.n));
    const report = await twice.stats();
    expect(report.counters).toEqual(countersForEvents(await twice.events.list()));
    expect(report.total.outcomes.succeeded).toBe(1);
  });
});
