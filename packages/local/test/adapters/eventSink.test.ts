import type { AnalyticsEvent } from '@d2v/schema';
import { SqliteEventSink, type LocalDatabase } from '../../src/adapters';
import { tempWorkspace, type TempWorkspace } from './helpers';

let counter = 0;
const event = (fields: Omit<AnalyticsEvent, 'eventId' | 'at'>): AnalyticsEvent => ({
  eventId: `e${++counter}`,
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, counter)).toISOString(),
  ...fields,
});

describe('SqliteEventSink', () => {
  let workspace: TempWorkspace;
  let db: LocalDatabase;
  let sink: SqliteEventSink;

  beforeEach(() => {
    workspace = tempWorkspace();
    db = workspace.openDb();
    sink = new SqliteEventSink({ db });
  });

  afterEach(() => workspace.dispose());

  const transition = (requestId: string, from: AnalyticsEvent['from'], to: AnalyticsEvent['to'], errorCode?: string) =>
    sink.publish(event({ type: 'transition', uid: 'u1', requestId, from, to, ...(errorCode ? { errorCode } : {}) }));

  it('appends events and lists them in publish order, filtered by request and type', async () => {
    await transition('r1', 'pending', 'validating');
    await sink.publish(event({ type: 'luma_call', uid: 'u1', requestId: 'r1', action: 'create', creditsCents: 40, attrs: { model: 'ray-2', ok: true } }));
    await transition('r2', 'pending', 'validating');
    await transition('r1', 'validating', 'queued');

    expect((await sink.list()).map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect((await sink.list({ requestId: 'r1' })).map((e) => e.to ?? e.action)).toEqual(['validating', 'create', 'queued']);
    expect(await sink.list({ type: 'luma_call' })).toEqual([
      { eventId: 'e2', at: expect.any(String), type: 'luma_call', uid: 'u1', requestId: 'r1', action: 'create', creditsCents: 40, attrs: { model: 'ray-2', ok: true } },
    ]);
  });

  it('ignores a second publish of the same eventId', async () => {
    const once = event({ type: 'action', uid: 'u1', requestId: 'r1', action: 'post' });
    await sink.publish(once);
    await sink.publish(once);
    expect(await sink.list()).toHaveLength(1);
  });

  it('aggregates transitions per target state, errors per code, success/failure rates and credits', async () => {
    expect((await sink.aggregate()).requests.successRate).toBeNull();
    for (const id of ['r1', 'r2', 'r3', 'r4']) await transition(id, 'pending', 'validating');
    await transition('r1', 'processing', 'ready');
    await transition('r2', 'processing', 'ready');
    await transition('r2', 'ready', 'posted');
    await transition('r3', 'dreaming', 'failed', 'LUMA_FAILED');
    // r4 failed, was retried by the person, and then succeeded: a success.
    await transition('r4', 'validating', 'failed', 'LUMA_RATE_LIMITED');
    await transition('r4', 'processing', 'ready');
    await sink.publish(event({ type: 'error', uid: 'u1', requestId: 'r3', errorCode: 'LUMA_FAILED' }));
    await sink.publish(event({ type: 'luma_call', requestId: 'r1', creditsCents: 40 }));
    await sink.publish(event({ type: 'luma_call', requestId: 'r2', creditsCents: 12.5 }));

    const stats = await sink.aggregate();
    expect(stats.totalEvents).toBe(13);
    expect(stats.byType).toEqual({ error: 1, luma_call: 2, transition: 10 });
    expect(stats.transitionsTo).toEqual({ validating: 4, ready: 3, posted: 1, failed: 2 });
    expect(stats.errorsByCode).toEqual({ LUMA_FAILED: 2, LUMA_RATE_LIMITED: 1 });
    expect(stats.requests).toEqual({ seen: 4, succeeded: 3, failed: 1, successRate: 0.75, failureRate: 0.25 });
    expect(stats.creditsCents).toBe(52.5);
  });
});
