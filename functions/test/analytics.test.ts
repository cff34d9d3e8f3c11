/**
 * Analytics aggregation: the pure counting, exactly-once application on the local stack's SQLite store, and
 * the Pub/Sub trigger through firebase-functions-test with a realistic message delivered twice.
 */
import './helpers/env';
import functionsTest from 'firebase-functions-test';
import type { AnalyticsEvent } from '@d2v/schema';
import { addCounters, applyAnalyticsEvent, countersForEvent, eventDay, markerId, statsMarkerPath } from '@d2v/core';
import { analyticsAggregator } from '../src/triggers/analytics';
import { parseAnalyticsMessage } from '../src/analytics-message';
import { setPortsForTesting } from '../src/ports';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';

const fft = functionsTest();
afterAll(() => fft.cleanup());

const ev = (over: Partial<AnalyticsEvent>): AnalyticsEvent => ({
  eventId: 'e1',
  type: 'transition',
  at: '2025-06-01T12:00:00.000Z',
  uid: 'u1',
  requestId: 'r1',
  ...over,
});

describe('countersForEvent (pure)', () => {
  it('counts a transition by its target state', () => {
    expect(countersForEvent(ev({ from: 'processing', to: 'ready', durationMs: 61_234.4 }))).toEqual({
      'events.total': 1,
      'events.transition': 1,
      'transitions.ready': 1,
      'latency.ready.count': 1,
      'latency.ready.totalMs': 61_234,
    });
  });
  it('counts failures by error code', () => {
    expect(countersForEvent(ev({ to: 'failed', errorCode: 'LUMA_MODERATION' }))).toMatchObject({ 'transitions.failed': 1, 'errors.LUMA_MODERATION': 1 });
  });
  it('counts actions, Luma calls and credits', () => {
    expect(countersForEvent(ev({ type: 'action', action: 'post' }))).toMatchObject({ 'actions.post': 1 });
    expect(countersForEvent(ev({ type: 'luma_call', creditsCents: 40 }))).toMatchObject({ 'luma.calls': 1, 'credits.cents': 40, 'credits.creates': 1 });
    expect(countersForEvent(ev({ type: 'error', errorCode: 'INTERNAL' }))).toMatchObject({ 'errors.INTERNAL': 1 });
  });
  it('never lets a code split a field path', () => {
    expect(Object.keys(countersForEvent(ev({ type: 'error', errorCode: 'a.b/c' })))).toContain('errors.a_b_c');
  });
  it('adds counters into nested maps without touching other fields', () => {
    const doc = addCounters({ day: '2025-06-01', transitions: { ready: 2 } }, { 'transitions.ready': 1, 'transitions.failed': 1, 'events.total': 2 });
    expect(doc).toEqual({ day: '2025-06-01', transitions: { ready: 3, failed: 1 }, events: { total: 2 } });
  });
  it('files events under their UTC day, and hashes unsafe event ids', () => {
    expect(eventDay({ at: '2025-06-01T23:30:00-02:00' })).toBe('2025-06-02');
    expect(markerId('abc-123')).toBe('abc-123');
    expect(markerId('a/b')).toMatch(/^[0-9a-f]{64}$/);
    expect(statsMarkerPath('2025-06-01', 'e1')).toBe('stats/2025-06-01/events/e1');
  });
});

describe('applying events to a store (local stack SQLite store)', () => {
  let fx: LocalPortsFixture;
  beforeEach(async () => {
    fx = await makeLocalPorts({ simulator: false });
  });
  afterEach(async () => {
    setPortsForTesting(undefined);
    await fx.close();
  });

  it('counts each event exactly once', async () => {
    const now = '2025-06-01T12:00:01.000Z';
    expect(await applyAnalyticsEvent(fx.store, ev({ eventId: 'a', to: 'ready' }), now)).toBe('counted');
    expect(await applyAnalyticsEvent(fx.store, ev({ eventId: 'a', to: 'ready' }), now)).toBe('duplicate');
    expect(await applyAnalyticsEvent(fx.store, ev({ eventId: 'b', to: 'failed', errorCode: 'TIMEOUT' }), now)).toBe('counted');
    const stats = (await fx.store.get('stats/2025-06-01'))!.data;
    expect(stats).toMatchObject({ day: '2025-06-01', events: { total: 2, transition: 2 }, transitions: { ready: 1, failed: 1 }, errors: { TIMEOUT: 1 } });
  });

  it('counts concurrent deliveries of many events correctly', async () => {
    const events = Array.from({ length: 20 }, (_, i) => ev({ eventId: `c${i}`, to: i % 2 ? 'ready' : 'posted' }));
    await Promise.all([...events, ...events].map((e) => applyAnalyticsEvent(fx.store, e, 'now')));
    const stats = (await fx.store.get('stats/2025-06-01'))!.data;
    expect(stats).toMatchObject({ events: { total: 20 }, transitions: { ready: 10, posted: 10 } });
  });

  it('the Pub/Sub trigger counts a published event once, even when delivered twice, and drops garbage', async () => {
    setPortsForTesting(fx.ports);
    const wrapped = fft.wrap(analyticsAggregator);
    const event = ev({ eventId: 'pubsub-1', to: 'posted' });
    const message = {
      messageId: '1234567890',
      publishTime: '2025-06-01T12:00:00.500Z',
      data: Buffer.from(JSON.stringify(event)).toString('base64'),
      attributes: { type: 'transition', requestId: 'r1' },
    };
    await wrapped({ data: { message, subscription: 'projects/demo-draft2video/subscriptions/s' } });
    await wrapped({ data: { message, subscription: 'projects/demo-draft2video/subscriptions/s' } });
    await wrapped({ data: { message: { ...message, messageId: '2', data: Buffer.from('not json').toString('base64') } } });
    await wrapped({ data: { message: { ...message, messageId: '3', data: Buffer.from('{"type":"nope"}').toString('base64') } } });
    const stats = (await fx.store.get('stats/2025-06-01'))!.data;
    expect(stats).toMatchObject({ events: { total: 1 }, transitions: { posted: 1 } });
  });
});

describe('parseAnalyticsMessage', () => {
  it('accepts only valid analytics events', () => {
    expect(parseAnalyticsMessage({ json: ev({}) })).toMatchObject({ eventId: 'e1' });
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
