/**
 * The budget guard (issue #9): a new Luma create waits while it would take the credit balance below the configured
 * floor, or the day's spend past the daily budget — instead of failing at Luma, or spending what nobody approved.
 *
 * Decided from the quota monitor's last reading (`ops/lumaQuota`: Luma's `GET /credits` and the day's net spend from
 * the day's statistics roll-up, refreshed by every sweep), so it costs one document read per submit and no write
 * while nothing is paused; the request itself is judged inside the submit's own claim (steps/budget-wait.ts). The reading is at most a sweep old: the creates of that minute can pass the line by what they
 * cost, and Luma's own refusal of a create it cannot bill stays the hard stop. No reading yet (a fresh deploy, Luma
 * unreachable): nothing is paused — the guard protects money, it does not make an outage of its own.
 */
import type { CoreConfig } from '../config';
import { QUOTA_MONITOR_DOC, type QuotaMonitorDoc } from '../monitoring/quota-doc';
import type { Ports } from '../ports';

export type BudgetPauseReason = 'credits_low' | 'daily_budget';

export interface BudgetPause {
  reason: BudgetPauseReason;
  /** What the request shows while it waits (`queue.status`). */
  status: string;
  /** A sentence for the person and the operator. */
  message: string;
}

/** What is left before the guard pauses: the smaller of balance − floor and budget − day's spend (cents); null when unknown. */
export function budgetHeadroomCents(config: Pick<CoreConfig, 'creditsFloorCents' | 'dailyBudgetCents'>, reading: { balanceCents: number | null; daySpentCents?: number | null }): number | null {
  const room: number[] = [];
  if (reading.balanceCents !== null) room.push(reading.balanceCents - config.creditsFloorCents);
  if (config.dailyBudgetCents > 0 && reading.daySpentCents != null) room.push(config.dailyBudgetCents - reading.daySpentCents);
  return room.length ? Math.min(...room) : null;
}

/** A verdict on a create costing `costCents`: why it must wait now, or null when it may go. */
export type BudgetVerdict = (costCents: number) => BudgetPause | null;

/** Reads the last reading once and answers for any create from it. */
export async function loadBudgetVerdict(ports: Pick<Ports, 'store' | 'config' | 'clock'>): Promise<BudgetVerdict> {
  const last = (await ports.store.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))?.data.last;
  if (!last) return () => null;
  const { creditsFloorCents: floor, dailyBudgetCents: budget } = ports.config;
  const today = new Date(ports.clock.now()).toISOString().slice(0, 10);
  const spent = last.at.slice(0, 10) === today ? (last.daySpentCents ?? 0) : 0;
  return (costCents) => {
    if (last.balanceCents !== null && last.balanceCents - costCents < floor) {
      return {
        reason: 'credits_low',
        status: 'paused: credits low',
        message: `Waiting: Luma's credit balance (${last.balanceCents} ¢) would fall below the floor of ${floor} ¢; it goes on by itself once credits are added.`,
      };
    }
    if (budget > 0 && spent + costCents > budget) {
      return {
        reason: 'daily_budget',
        status: 'paused: daily budget reached',
        message: `Waiting: today's Luma spend (${spent} ¢) would pass the daily budget of ${budget} ¢; it goes on when the budget is raised or at 00:00 UTC.`,
      };
    }
    return null;
  };
}
