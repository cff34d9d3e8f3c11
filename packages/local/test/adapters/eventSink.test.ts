import type { AnalyticsEvent } from '@d2v/schema';
import { SqliteEventSink, type LocalDatabase } from '../../src/adapters';
import { tempWorkspace, type TempWorkspace } from './helpers';

let counter = 0;
const event = (fields: Omit<AnalyticsEvent, 'eventId' | 'at' | 'schemaVersion'>): AnalyticsEvent => ({
  schemaVersion: 2,
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
    await sink.publish(event({ type: 'luma_call', uid: 'u1', requestId: 'r1', lumaOp: 'create_video', creditsCents: 40, attrs: { model: 'ray-2', ok: true } }));
    await transition('r2', 'pending', 'validating');
    await transition('r1', 'validating', 'queued');

    expect((await sink.list()).map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect((await sink.list({ requestId: 'r1' })).map((e) => e.to ?? e.lumaOp)).toEqual(['validating', 'create_video', 'queued']);
    expect(await sink.list({ type: 'luma_call' })).toEqual([
      { schemaVersion: 2, eventId: 'e2', at: expect.any(String), type: 'luma_call', uid: 'u1', requestId: 'r1', lumaOp: 'create_video', creditsCents: 40, attrs: { model: 'ray-2', ok: true } },
    ]);
  });

  it('ignores a second publish of the same eventId', async () => {
    const once = event({ type: 'action', uid: 'u1', requestId: 'r1', action: 'post' });
    await sink.publish(once);
    await sink.publish(once);
    expect(await sink.list()).toHaveLength(1);
  });

  it('hands events to a consumer in order after its cursor, and keeps the cursor moving forward only', async () => {
    for (const id of ['r1', 'r2', 'r3']) await transition(id, 'pending', 'validating');
    expect(sink.cursor('stats')).toBe(0);
    const first = sink.readAfter(0, 2);
    expect(first.map((b) => b.event.requestId)).toEqual(['r1', 'r2']);
    sink.advanceCursor('stats', first[1]!.seq);
    expect(sink.readAfter(sink.cursor('stats'), 10).map((b) => b.event.requestId)).toEqual(['r3']);
    sink.advanceCursor('stats', first[0]!.seq);
    expect(sink.cursor('stats')).toBe(first[1]!.seq);
    expect(sink.cursor('other')).toBe(0);
  });
});
