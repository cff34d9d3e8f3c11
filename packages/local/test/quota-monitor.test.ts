/**
 * Luma usage and quota monitoring as the sweeper runs it: balance history, burn rate and days left, slot usage,
 * the 429 share of recent calls, and alerts that fire once per crossing and clear with a margin. The real Luma
 * simulator over HTTP (its balance set between sweeps), a real SQLite store and event table, and a clock the
 * test moves (hours pass between sweeps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  QUOTA_MONITOR_DOC, applyAnalyticsBatch, buildCoreConfig, burnRate, createHandlers, logs, monitorLumaQuota,
  type Logger, type LogFields, type Ports, type QuotaMonitorDoc,
} from '@d2v/core';
import { LumaClient } from '@d2v/luma';
import { startLumaSimulator, type LumaSimulator } from '@d2v/luma-sim';
import { docPaths, type AnalyticsEvent } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink } from '../src';

const HOUR = 3_600_000;

describe('Luma quota monitor', () => {
  let dir: string;
  let db: LocalDatabase;
  let sim: LumaSimulator;
  let ports: Ports;
  let sink: SqliteEventSink;
  const clock = { t: Date.parse('2025-06-01T00:10:00.000Z'), now: () => clock.t };
  const logged: { level: string; fields: LogFields; message: string }[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: (fields, message) => void logged.push({ level: 'info', fields, message }),
    warn: (fields, message) => void logged.push({ level: 'warn', fields, message }),
    error: (fields, message) => void logged.push({ level: 'error', fields, message }),
    child: () => log,
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd2v-quota-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    sim = await startLumaSimulator({ apiKeys: ['sim-key'], seed: 3 });
    sink = new SqliteEventSink({ db, clock });
    ports = {
      store: new SqliteDocumentStore({ db, clock }),
      blobs: new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32), clock }),
      tasks: { enqueue: async () => undefined },
      events: sink,
      luma: new LumaClient({ apiKey: 'sim-key', baseUrl: sim.url }),
      media: {} as never,
      clock,
      log,
      config: buildCoreConfig({ webhookSecret: 'w'.repeat(32), lowCreditsCents: 2000, alertCreditsDaysLeft: 3, lumaMaxConcurrent: 2, alertSlotUsage: 0.9, alertRateLimitedRate: 0.2, alertRateLimitedMinCalls: 20 }),
      tmpDir: dir,
    };
  });
  afterAll(async () => {
    await sim.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const alertEvents = async (type: 'alert' | 'alert_cleared') => (await sink.list({ type })).map((e) => e.alert);
  const monitorDoc = async () => (await ports.store.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))!.data;
  async function inState(requestId: string, state: string): Promise<void> {
    await ports.store.runTransaction(async (tx) => tx.set(docPaths.videoRequest('u1', requestId), { uid: 'u1', requestId, state, deadlineAt: clock.t + HOUR, updatedAt: new Date(clock.t).toISOString() }));
  }

  it('keeps the balance history and estimates burn rate and days left; alerts once per crossing, and clears after a top-up', async () => {
    sim.setCredits(10_000);
    let reading = await monitorLumaQuota(ports);
    expect(reading).toMatchObject({ balanceCents: 10_000, burnCentsPerDay: null, daysLeft: null, slotsInUse: 0 });

    clock.t += 6 * HOUR;
    sim.setCredits(9_000);
    reading = await monitorLumaQuota(ports);
    expect(reading.burnCentsPerDay).toBe(4000); // 1000 ¢ in 6 h
    expect(reading.daysLeft).toBe(2.25);
    expect(await alertEvents('alert')).toEqual(['credits_running_out']);

    clock.t += 6 * HOUR;
    sim.setCredits(8_000);
    await monitorLumaQuota(ports);
    expect(await alertEvents('alert')).toEqual(['credits_running_out']); // still true: said once

    clock.t += HOUR;
    sim.setCredits(1_500);
    await monitorLumaQuota(ports);
    expect(await alertEvents('alert')).toEqual(['credits_running_out', 'low_credits']);
    expect((await monitorDoc()).alerts).toMatchObject({ low_credits: { active: true, value: 1500, threshold: 2000 }, credits_running_out: { active: true } });

    // A top-up starts a new burn window: no burn is known yet, both clear.
    clock.t += 5 * 60_000;
    sim.setCredits(50_000);
    reading = await monitorLumaQuota(ports);
    expect(reading).toMatchObject({ balanceCents: 50_000, burnCentsPerDay: null, daysLeft: null });
    expect(await alertEvents('alert_cleared')).toEqual(['low_credits', 'credits_running_out']);
    expect(logged.filter((l) => l.message === logs.alertRaised).map((l) => [l.level, l.fields.alert, l.fields.runbook])).toEqual([
      ['warn', 'credits_running_out', 'docs/OPERATIONS.md#credits-running-out'],
      ['warn', 'low_credits', 'docs/OPERATIONS.md#low-credits'],
    ]);
    expect((await sink.list({ type: 'credits_balance' })).map((e) => e.balanceCents)).toEqual([10_000, 9_000, 8_000, 1_500, 50_000]);
  });

  it('burn rate: needs ten minutes of history, and starts again after a top-up', () => {
    const at = (h: number) => new Date(Date.parse('2025-06-01T00:00:00Z') + h * HOUR).toISOString();
    expect(burnRate([{ at: at(0), balanceCents: 100 }, { at: at(0.1), balanceCents: 90 }])).toBeNull();
    expect(burnRate([{ at: at(0), balanceCents: 100 }, { at: at(2), balanceCents: 200 }, { at: at(14), balanceCents: 100 }])).toBe(200);
  });

  it('alerts when Luma’s generation slots are (nearly) all in use, and clears when they free up', async () => {
    clock.t += HOUR;
    await inState('s1', 'dreaming');
    await inState('s2', 'submitting');
    const reading = await monitorLumaQuota(ports);
    expect(reading).toMatchObject({ slotsInUse: 2, slotUsage: 1 });
    expect((await alertEvents('alert')).filter((a) => a === 'luma_slots_full')).toHaveLength(1);
    await inState('s1', 'ready');
    await inState('s2', 'ready');
    await monitorLumaQuota(ports);
    expect(await alertEvents('alert_cleared')).toContain('luma_slots_full');
  });

  it('alerts on the 429 share of the last hour’s Luma calls, once there are enough calls to mean something', async () => {
    clock.t += HOUR;
    const call = (i: number, outcome: string): AnalyticsEvent => ({
      schemaVersion: 2, eventId: `call-${i}`, type: 'luma_call', at: new Date(clock.t - 60_000).toISOString(), lumaOp: 'create_video', outcome, requestId: `r${i % 3}`,
    });
    await applyAnalyticsBatch(ports.store, Array.from({ length: 10 }, (_, i) => call(i, i < 5 ? 'rate_limited' : 'ok')), { shards: 4, nowIso: new Date(clock.t).toISOString() });
    await monitorLumaQuota(ports);
    expect(await alertEvents('alert')).not.toContain('luma_rate_limited'); // 50 %, but only 10 calls
    await applyAnalyticsBatch(ports.store, Array.from({ length: 20 }, (_, i) => call(100 + i, i < 5 ? 'rate_limited' : 'ok')), { shards: 4, nowIso: new Date(clock.t).toISOString() });
    const reading = await monitorLumaQuota(ports);
    expect(reading).toMatchObject({ lumaCalls: 30, rateLimited: 10 });
    expect((await alertEvents('alert')).filter((a) => a === 'luma_rate_limited')).toHaveLength(1);
    await applyAnalyticsBatch(ports.store, Array.from({ length: 100 }, (_, i) => call(200 + i, 'ok')), { shards: 4, nowIso: new Date(clock.t).toISOString() });
    await monitorLumaQuota(ports);
    expect(await alertEvents('alert_cleared')).toContain('luma_rate_limited'); // 10/130 ≈ 8 %: under half the threshold
  });

  it('runs on the sweeper: the quota document and the day roll-up for dashboards (no write when nothing changed)', async () => {
    const before = (await monitorDoc()).updatedAt;
    clock.t += 60_000;
    await createHandlers(ports).sweep();
    expect((await monitorDoc()).updatedAt).not.toBe(before);
    const day = new Date(clock.t).toISOString().slice(0, 10);
    const rolled = (await ports.store.get<{ summary: { luma: { calls: number; rateLimited: number } }; rolledUpAt: string }>(docPaths.stats(day)))!.data;
    expect(rolled.summary.luma).toMatchObject({ calls: 130, rateLimited: 10 });
    const first = rolled.rolledUpAt;
    clock.t += 60_000;
    await createHandlers(ports).sweep();
    expect((await ports.store.get<{ rolledUpAt: string }>(docPaths.stats(day)))!.data.rolledUpAt).toBe(first);
  });
});
