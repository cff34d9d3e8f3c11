/**
 * Analytics aggregation: the pure counting, exactly-once batches into the hourly sharded buckets on the local
 * stack's SQLite store, and the Pub/Sub trigger through firebase-functions-test with realistic messages — many at
 * once (one batch, one write per bucket), each delivered twice, and garbage.
 */
import './helpers/env';
import functionsTest from 'firebase-functions-test';
import type { AnalyticsEvent } from '@d2v/schema';
import {
  CountingDocumentStore,
  addCounters,
  applyAnalyticsBatch,
  bucketPath,
  countersForEvent,
  countersForEvents,
  eventDay,
  readDayCounters,
  seenId,
} from '@d2v/core';
import { analyticsAggregator } from '../src/triggers/analytics';
import { parseAnalyticsMessage } from '../src/analytics-message';
import { resetAnalyticsBatcherForTesting } from '../src/analytics-batcher';
import { setPortsForTesting } from '../src/ports';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';

const fft = functionsTest();
afterAll(() => fft.cleanup());

const ev = (over: Partial<AnalyticsEvent>): AnalyticsEvent => ({
  schemaVersion: 2,
  eventId: 'e1',
  type: 'transition',
  at: '2025-06-01T12:00:00.000Z',
  uid: 'u1',
  requestId: 'r1',
  ...over,
});

describe('countersForEvent (pure)', () => {
  it('counts a transition by its target state and the time spent in the state it left', () => {
    expect(countersForEvent(ev({ from: 'dreaming', to: 'downloading', durationMs: 41_234.4, model: 'ray-2' }))).toEqual({
      'events.total': 1,
      'events.transition': 1,
      'transitions.downloading': 1,
      'latency.dreaming.count': 1,
      'latency.dreaming.sumMs': 41_234,
      'latency.dreaming.b13': 1,
    });
  });
  it('counts a ready request as a success of its model, with the time to a watchable video', () => {
    expect(countersForEvent(ev({ from: 'processing', to: 'ready', durationMs: 900, totalMs: 61_000, model: 'ray-2' }))).toMatchObject({
      'outcomes.succeeded': 1,
      'byModel.ray-2.succeeded': 1,
      'latency.processing.b4': 1,
      'latency.total.count': 1,
      'latency.total.b15': 1,
    });
  });
  it('counts failures by code, expected (moderation) apart from unexpected (our credentials)', () => {
    expect(countersForEvent(ev({ to: 'failed', errorCode: 'LUMA_MODERATION', model: 'ray-2' }))).toMatchObject({
      'outcomes.failed': 1,
      'byModel.ray-2.failed': 1,
      'failures.byCode.LUMA_MODERATION': 1,
      'failures.expected': 1,
    });
    expect(countersForEvent(ev({ to: 'failed', errorCode: 'LUMA_AUTH' }))).toMatchObject({ 'failures.unexpected': 1, 'byModel.unknown.failed': 1 });
  });
  it('counts actions with their result, Luma calls with outcome, 429s and latency, and credits of billed creates only', () => {
    expect(countersForEvent(ev({ type: 'action', action: 'post', ok: false }))).toMatchObject({ 'actions.post.refused': 1 });
    expect(countersForEvent(ev({ type: 'luma_call', lumaOp: 'create_video', outcome: 'ok', durationMs: 300, creditsCents: 40, model: 'ray-2' }))).toMatchObject({
      'luma.calls': 1,
      'luma.byOp.create_video.calls': 1,
      'luma.outcomes.ok': 1,
      'luma.latency.create_video.b3': 1,
      'credits.cents': 40,
      'credits.creates': 1,
      'byModel.ray-2.creditsCents': 40,
    });
    const refused = countersForEvent(ev({ type: 'luma_call', lumaOp: 'create_video', outcome: 'rate_limited', creditsCents: 40 }));
    expect(refused).toMatchObject({ 'luma.rateLimited': 1, 'luma.byOp.create_video.failed': 1 });
    expect(refused['credits.cents']).toBeUndefined();
  });
  it('counts the moments outside the pipeline: cache hits, quota refusals, cancels, playback (time to first frame), downloads', () => {
    expect(countersForEvent(ev({ type: 'cache_hit', model: 'ray-2' }))).toMatchObject({ 'cache.hits': 1, 'byModel.ray-2.cacheHits': 1 });
    expect(countersForEvent(ev({ type: 'quota_refused', reason: 'daily_user' }))).toMatchObject({ 'quota.refused.daily_user': 1 });
    expect(countersForEvent(ev({ type: 'cancel' }))).toMatchObject({ 'requests.cancelled': 1 });
    expect(countersForEvent(ev({ type: 'playback_start', durationMs: 180 }))).toMatchObject({ 'playback.starts': 1, 'latency.firstFrame.b2': 1 });
    expect(countersForEvent(ev({ type: 'download', bytes: 1234 }))).toMatchObject({ 'downloads.count': 1, 'downloads.bytes': 1234 });
  });
  it('never lets a code split a field path, and keeps time in ready (the person’s) out of the stage latencies', () => {
    expect(Object.keys(countersForEvent(ev({ to: 'failed', errorCode: 'a.b/c' })))).toContain('failures.byCode.a_b_c');
    expect(Object.keys(countersForEvent(ev({ from: 'ready', to: 'posted', durationMs: 5000 }))).some((k) => k.startsWith('latency.'))).toBe(false);
  });
  it('adds counters into nested maps without touching other fields', () => {
    const doc = addCounters({ day: '2025-06-01', transitions: { ready: 2 } }, { 'transitions.ready': 1, 'transitions.failed': 1, 'events.total': 2 });
    expect(doc).toEqual({ day: '2025-06-01', transitions: { ready: 3, failed: 1 }, events: { total: 2 } });
  });
  it('files events under their UTC day and hour, a shard per request, and remembers them by a short hash', () => {
    expect(eventDay({ at: '2025-06-01T23:30:00-02:00' })).toBe('2025-06-02');
    expect(bucketPath(ev({ at: '2025-06-01T23:30:00-02:00' }), 4)).toMatch(/^stats\/2025-06-02\/buckets\/01-0[0-3]$/);
    expect(bucketPath(ev({ eventId: 'x' }), 4)).toBe(bucketPath(ev({ eventId: 'y' }), 4));
    expect(seenId('abc')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('applying batches to a store (local stack SQLite store)', () => {
  let fx: LocalPortsFixture;
  beforeEach(async () => {
    fx = await makeLocalPorts({ simulator: false });
  });
  afterEach(async () => {
    setPortsForTesting(undefined);
    await fx.close();
  });
  const opts = { shards: 4, nowIso: '2025-06-01T12:00:01.000Z' };

  it('counts each event exactly once, within a batch and across batches', async () => {
    const a = ev({ eventId: 'a', to: 'ready', requestId: 'r1' });
    const b = ev({ eventId: 'b', to: 'failed', errorCode: 'TIMEOUT', requestId: 'r2' });
    expect(await applyAnalyticsBatch(fx.store, [a, a, b], opts)).toMatchObject({ counted: 2, duplicates: 1 });
    expect(await applyAnalyticsBatch(fx.store, [b, a], opts)).toEqual({ counted: 0, duplicates: 2, buckets: 0 });
    expect(await readDayCounters(fx.store, '2025-06-01')).toEqual(countersForEvents([a, b]));
  });

  it('writes one document per bucket a batch touches, however many events it holds', async () => {
    const counting = new CountingDocumentStore(fx.store);
    const events = Array.from({ length: 60 }, (_, i) => ev({ eventId: `c${i}`, requestId: `r${i % 3}`, to: i % 2 ? 'ready' : 'posted' }));
    const result = await applyAnalyticsBatch(counting, events, opts);
    const touched = new Set(events.map((e) => bucketPath(e, 4))).size;
    expect(result).toEqual({ counted: 60, duplicates: 0, buckets: touched });
    expect(counting.report().writes).toBe(touched);
    expect(touched).toBeLessThanOrEqual(3);
  });

  it('counts concurrent batches with overlapping events correctly', async () => {
    const events = Array.from({ length: 20 }, (_, i) => ev({ eventId: `c${i}`, requestId: `r${i % 5}`, to: i % 2 ? 'ready' : 'posted' }));
    await Promise.all([events.slice(0, 12), events.slice(8), events, events.slice(5, 15)].map((batch) => applyAnalyticsBatch(fx.store, batch, opts)));
    expect(await readDayCounters(fx.store, '2025-06-01')).toEqual(countersForEvents(events));
  });

  it('the Pub/Sub trigger folds messages arriving together into one batch, counts each once even when delivered twice, and drops garbage', async () => {
    const counting = new CountingDocumentStore(fx.store);
    setPortsForTesting({ ...fx.ports, store: counting });
    process.env.STATS_FLUSH_SECONDS = '1';
    resetAnalyticsBatcherForTesting();
    try {
      const wrapped = fft.wrap(analyticsAggregator);
      const message = (event: AnalyticsEvent, id: string) => ({
        data: {
          message: { messageId: id, publishTime: event.at, data: Buffer.from(JSON.stringify(event)).toString('base64'), attributes: { type: event.type } },
          subscription: 'projects/demo-draft2video/subscriptions/s',
        },
      });
      const events = Array.from({ length: 10 }, (_, i) => ev({ eventId: `p${i}`, requestId: 'r1', to: 'posted' }));
      // Everything at once (an instance's concurrent invocations), each event twice, plus two unusable messages.
      await Promise.all([
        ...events.flatMap((e, i) => [wrapped(message(e, `m${i}`)), wrapped(message(e, `m${i}-again`))]),
        wrapped({ data: { message: { messageId: 'x', data: Buffer.from('not json').toString('base64') } } }),
        wrapped({ data: { message: { messageId: 'y', data: Buffer.from('{"type":"nope"}').toString('base64') } } }),
      ]);
      expect(await readDayCounters(fx.store, '2025-06-01')).toEqual(countersForEvents(events));
      // One request's events: one bucket, written once for the whole batch.
      expect(counting.report().writes).toBe(1);
    } finally {
      delete process.env.STATS_FLUSH_SECONDS;
      resetAnalyticsBatcherForTesting();
    }
  });
});

describe('parseAnalyticsMessage', () => {
  it('accepts only valid analytics events, and reads events from before the schema had a version as version 1', () => {
    expect(parseAnalyticsMessage({ json: ev({}) })).toMatchObject({ eventId: 'e1', schemaVersion: 2 });
    const { schemaVersion: _dropped, ...v1 } = ev({});
    expect(parseAnalyticsMessage({ json: v1 })).toMatchObject({ eventId: 'e1', schemaVersion: 1 });
    expect(parseAnalyticsMessage({ json: { eventId: 'x' } })).toBeNull();
    expect(
      parseAnalyticsMessage({
        get json(): unknown {
          throw new Error('bad json');
        },
      }),
    ).toBeNull();
  });
});
