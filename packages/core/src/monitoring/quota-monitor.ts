/**
 * Luma usage and quota, checked on the sweeper's schedule: the credit balance (kept as a short history in
 * `ops/lumaQuota`, from which the burn rate and the days left are estimated), the generation slots in use
 * against Luma's concurrency limit, and the share of Luma calls answered 429 over the last hour or two (from
 * the statistics buckets). Thresholds come from the core config; each alert fires once per crossing
 * (alerts.ts). One document write per sweep; best effort — a failed check never fails the sweep.
 */
import { docPaths } from '@d2v/schema';
import { publishEvent } from '../analytics';
import { reportUnexpectedError } from '../error-report';
import { bucketsCollection, type StatsBucket } from '../aggregation/buckets';
import { flattenCounters } from '../aggregation/counters';
import { dayOf, type DayRollUp } from '../aggregation/read';
import { budgetHeadroomCents } from '../credits/budget-guard';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { announceAlertChanges, evaluateAlerts, type AlertCheck } from './alerts';
import { QUOTA_MONITOR_DOC, type BalanceSample, type QuotaMonitorDoc, type QuotaReading } from './quota-doc';

/** Requests holding (or about to hold) a Luma generation slot. */
const SLOT_STATES = ['submitting', 'dreaming', 'keyframe_dreaming'] as const;

/** History shorter than this gives no burn rate (a single sweep's noise is not a trend). */
const MIN_BURN_SPAN_MS = 10 * 60_000;

/**
 * Spend per day since the last top-up (a balance that went up starts a new window); null without enough
 * history or when nothing was spent.
 */
export function burnRate(history: readonly BalanceSample[]): number | null {
  let start = 0;
  for (let i = 1; i < history.length; i++) if (history[i]!.balanceCents > history[i - 1]!.balanceCents) start = i;
  const first = history[start];
  const last = history[history.length - 1];
  if (!first || !last) return null;
  const spanMs = Date.parse(last.at) - Date.parse(first.at);
  if (spanMs < MIN_BURN_SPAN_MS) return null;
  const spent = first.balanceCents - last.balanceCents;
  return spent > 0 ? Math.round((spent / spanMs) * 86_400_000 * 100) / 100 : null;
}

export async function monitorLumaQuota(ports: Ports): Promise<QuotaReading> {
  const now = ports.clock.now();
  const nowIso = new Date(now).toISOString();
  const previous = (await ports.store.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))?.data;

  let balanceCents: number | null = null;
  try {
    balanceCents = (await ports.luma.getCredits()).credit_balance;
  } catch (e) {
    ports.log.warn({ err: String(e) }, logs.creditsCheckFailed);
  }
  const keepAfter = now - ports.config.creditHistoryHours * 3_600_000;
  const history = (previous?.balanceHistory ?? []).filter((s) => Date.parse(s.at) >= keepAfter);
  if (balanceCents !== null) history.push({ at: nowIso, balanceCents });
  const burnCentsPerDay = burnRate(history);
  const daysLeft = balanceCents !== null && burnCentsPerDay ? Math.round((balanceCents / burnCentsPerDay) * 100) / 100 : null;

  const daySpentCents = await daySpend(ports, now);
  const headroom = budgetHeadroomCents(ports.config, { balanceCents, daySpentCents });

  const slotsInUse = await countSlotsInUse(ports);
  const slotUsage = slotsInUse / ports.config.lumaMaxConcurrent;
  const calls = await recentLumaCalls(ports, now);
  const rateLimitedRate = calls.calls > 0 ? calls.rateLimited / calls.calls : null;

  const reading: QuotaReading = {
    at: nowIso,
    balanceCents,
    burnCentsPerDay,
    daysLeft,
    daySpentCents,
    budgetHeadroomCents: headroom,
    slotsInUse,
    slotsMax: ports.config.lumaMaxConcurrent,
    slotUsage,
    lumaCalls: calls.calls,
    rateLimited: calls.rateLimited,
    rateLimitedRate,
  };
  const c = ports.config;
  const checks: AlertCheck[] = [
    { name: 'low_credits', value: balanceCents ?? undefined, threshold: c.lowCreditsCents, direction: 'below', margin: 0.1 },
    // No burn (or no history yet) means no end in sight: the alert may clear.
    { name: 'credits_running_out', value: balanceCents === null ? undefined : daysLeft ?? Number.MAX_SAFE_INTEGER, threshold: c.alertCreditsDaysLeft, direction: 'below', margin: 0.2 },
    // The budget guard pauses a create that would cross the floor or the day's budget: alert while less than
    // about one video's worth is left (so the operator hears of it once, not per paused request).
    { name: 'submissions_paused', value: headroom ?? undefined, threshold: c.pauseAlertHeadroomCents, direction: 'below', margin: 0.1 },
    { name: 'luma_slots_full', value: slotUsage, threshold: c.alertSlotUsage, direction: 'above', margin: 0.2 },
    {
      name: 'luma_rate_limited',
      value: calls.calls >= c.alertRateLimitedMinCalls ? (rateLimitedRate ?? 0) : 0,
      threshold: c.alertRateLimitedRate,
      direction: 'above',
      margin: 0.5,
    },
  ];
  const { states, changes } = evaluateAlerts(previous?.alerts ?? {}, checks, nowIso);
  const doc: QuotaMonitorDoc = { balanceHistory: history, alerts: states, last: reading, updatedAt: nowIso };
  await ports.store.runTransaction(async (tx) => {
    tx.set(QUOTA_MONITOR_DOC, doc as unknown as DocData);
  });
  if (balanceCents !== null) await publishEvent(ports, { type: 'credits_balance', balanceCents, value: daysLeft ?? undefined });
  await announceAlertChanges(ports, changes);
  if (changes.some((ch) => ch.name === 'submissions_paused' && ch.change === 'raised')) {
    // Money, not a bug, but someone must act: reported once per crossing in Error Reporting's shape too.
    const error = new Error(`New Luma submissions are pausing: ${headroom} ¢ left before the credits floor (${c.creditsFloorCents} ¢) or the daily budget (${c.dailyBudgetCents || 'none'} ¢)`);
    await reportUnexpectedError(ports, { error, step: 'budget-guard', errorCode: 'CREDITS_PAUSED' });
  }
  return reading;
}

/**
 * Net Luma spend of the UTC day of `now` (charges less refunds), from the day's roll-up `stats/{day}` that the sweep
 * writes just before this check (ops-checks.ts); 0 before the day has one, null if unreadable.
 */
async function daySpend(ports: Ports, now: number): Promise<number | null> {
  try {
    const rollUp = (await ports.store.get<DayRollUp>(docPaths.stats(dayOf(now))))?.data;
    const counters = flattenCounters(rollUp?.counters ?? {});
    return Math.round(((counters['ledger.chargedCents'] ?? 0) - (counters['ledger.refundedCents'] ?? 0)) * 100) / 100;
  } catch (e) {
    ports.log.warn({ err: String(e) }, logs.quotaCheckFailed);
    return null;
  }
}

/** Requests in a slot state, counted with one indexed collection-group query (a few documents: Luma caps them). */
async function countSlotsInUse(ports: Ports): Promise<number> {
  // A count() aggregation: one read, however many generations are in flight.
  return ports.store.count({ collection: 'videoRequests', group: true, where: [{ field: 'state', op: 'in', value: [...SLOT_STATES] }] });
}

/** Luma calls and 429s in the current and the previous UTC hour, from the statistics buckets. */
async function recentLumaCalls(ports: Ports, now: number): Promise<{ calls: number; rateLimited: number }> {
  let calls = 0;
  let rateLimited = 0;
  for (const t of [now - 3_600_000, now]) {
    const buckets = await ports.store.query<StatsBucket>({
      collection: bucketsCollection(dayOf(t)),
      where: [{ field: 'hour', op: '==', value: new Date(t).getUTCHours() }],
    });
    for (const bucket of buckets) {
      const counters = flattenCounters(bucket.data.counters);
      calls += counters['luma.calls'] ?? 0;
      rateLimited += counters['luma.rateLimited'] ?? 0;
    }
  }
  return { calls, rateLimited };
}
