/**
 * Issue #9, the credits ledger: every billed Luma create recorded once, refunded when Luma fails the generation,
 * summed per person (`GET /v1/credits`) and per day (the statistics buckets), shown on the request. Real stack with
 * every event and task delivered twice (D2V_DUPLICATE_DELIVERY), the simulator over HTTP failing one generation; the
 * ledger's totals must equal the simulator's own charge and refund records and its balance.
 */
import { charging, commitLedgerChange, newCharge, webhookToken } from '@d2v/core';
import { docPaths, type CreditEntry, type CreditSpend, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const TOKEN = 'demo-token';
const RAY2_540P_5S_CENTS = 40;
const START_BALANCE = 100_000;

describe('credits ledger (local stack, duplicate delivery, simulator with a failure)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  const ids: Record<'ok1' | 'failed' | 'ok2', string> = { ok1: '', failed: '', ok2: '' };
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ config: { duplicateDelivery: true } }));
    stack.simulator!.setCredits(START_BALANCE);
    const run = async (draftId: string) => {
      const { requestId } = await stack.api.createRequest(UID, { draftId, options: { model: 'ray-2', resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } });
      return stack.waitForState(UID, requestId, ['ready', 'posted', 'failed'], 120_000);
    };
    ids.ok1 = (await run('demo-sunrise')).requestId;
    stack.simulator!.setFaults({ failureRate: 1 });
    ids.failed = (await run('demo-sunrise')).requestId;
    stack.simulator!.setFaults({ failureRate: 0 });
    ids.ok2 = (await run('demo-sunrise')).requestId;
  });
  afterAll(() => cleanup?.());

  // The ledger is `charges` on each billed request (no document of its own).
  const entries = async (): Promise<CreditEntry[]> =>
    (await stack.documents.query<VideoRequest>({ collection: docPaths.videoRequests(UID) })).flatMap((s) => Object.values(s.data.charges ?? {}));
  const request = async (id: string) => (await stack.documents.get<VideoRequest>(docPaths.videoRequest(UID, id)))!.data;

  it('records each billed generation once and its refund once, equal to the simulator’s own records', async () => {
    const failed = await request(ids.failed);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('LUMA_GENERATION_FAILED');
    const ledger = await entries();
    const simulated = Object.values(ids).flatMap((id) => generationsFor(stack, id) as unknown as { id: string; chargedCents: number; refunded: boolean }[]);
    expect(simulated).toHaveLength(3);
    expect(ledger.map((e) => e.generationId).sort()).toEqual(simulated.map((g) => g.id).sort());
    for (const g of simulated) {
      const entry = ledger.find((e) => e.generationId === g.id)!;
      expect(entry.costCents).toBe(g.chargedCents);
      expect(entry.refunded).toBe(g.refunded);
    }
    const charged = ledger.reduce((n, e) => n + e.costCents, 0);
    const refunded = ledger.filter((e) => e.refunded).reduce((n, e) => n + e.costCents, 0);
    expect(charged).toBe(3 * RAY2_540P_5S_CENTS);
    expect(refunded).toBe(RAY2_540P_5S_CENTS);
    expect(START_BALANCE - stack.simulator!.stats().creditBalance).toBe(charged - refunded);
    expect(ledger.find((e) => e.requestId === ids.failed)).toMatchObject({ model: 'ray-2', resolution: '540p', duration: '5s', stage: 'video', refunded: true, uid: UID });
  });

  it('shows each request its cost, net of the refund', async () => {
    expect((await request(ids.ok1)).cost).toEqual({ credits: 40, usd: 0.4, chargedCredits: 40, refundedCredits: 0 });
    expect((await request(ids.failed)).cost).toEqual({ credits: 0, usd: 0, chargedCredits: 40, refundedCredits: 40 });
  });

  it('a completion or failure delivered again, and a charge recorded again, add no entry and no refund', async () => {
    for (const id of [ids.ok1, ids.failed]) {
      const doc = await request(id);
      for (let i = 0; i < 2; i++) {
        await stack.handlers.onLumaWebhook({ uid: UID, requestId: id, token: webhookToken(stack.ports.config.webhookSecret, UID, id), body: { id: doc.luma.generationId } });
      }
    }
    const ok = await request(ids.ok1);
    const ref = { uid: UID, requestId: ids.ok1 };
    const again = newCharge(stack.ports, ref, 'video', { id: ok.luma.generationId! }, { model: 'ray-2', resolution: '1080p', duration: '9s', prompt: 'x' } as never);
    expect(await commitLedgerChange(stack.ports, ref, charging(stack.ports, ref, again))).toBe(false);
    expect((await request(ids.ok1)).charges?.[ok.luma.generationId!]?.costCents).toBe(RAY2_540P_5S_CENTS);
    expect((await request(ids.ok1)).cost?.credits).toBe(RAY2_540P_5S_CENTS);
    expect(await entries()).toHaveLength(3);
    expect((await request(ids.failed)).cost?.refundedCredits).toBe(40);
    await stack.flushStats();
    const events = await stack.events.list();
    expect(events.filter((e) => e.type === 'credits_charged')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'credits_refunded')).toHaveLength(1);
    const stats = await stack.stats();
    expect(stats.total.ledger).toEqual({ generations: 3, chargedCents: 120, refunds: 1, refundedCents: 40, netCents: 80 });
  });

  it('GET /v1/credits answers the caller’s spend per day; a bad "days" is a 400', async () => {
    const res = await fetch(`${stack.url}/v1/credits?days=7`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as CreditSpend;
    const today = new Date().toISOString().slice(0, 10);
    expect(body.days).toEqual([{ day: today, generations: 3, chargedCents: 120, refundedCents: 40, netCents: 80 }]);
    expect(body.total).toEqual({ generations: 3, chargedCents: 120, refundedCents: 40, netCents: 80, netUsd: 0.8 });
    const bad = await fetch(`${stack.url}/v1/credits?days=abc`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    expect((await fetch(`${stack.url}/v1/credits`)).status).toBe(401);
  });
});
