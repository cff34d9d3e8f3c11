/**
 * The quota monitor's document (`ops/lumaQuota`): its last reading, a short balance history and the alerts' state.
 * Its own module so that readers of the reading (the budget guard) need not import the monitor.
 */
import type { AlertName, AlertState } from './alerts';

export const QUOTA_MONITOR_DOC = 'ops/lumaQuota';

export interface BalanceSample {
  at: string;
  balanceCents: number;
}

export interface QuotaReading {
  at: string;
  balanceCents: number | null;
  /** Spend per day over the history since the last top-up; null until there is enough history. */
  burnCentsPerDay: number | null;
  daysLeft: number | null;
  /** Net Luma spend of the reading's UTC day (the statistics buckets' ledger); null when it could not be read. */
  daySpentCents?: number | null;
  /** What is left before the budget guard pauses new creates (cents; see credits/budget-guard.ts). */
  budgetHeadroomCents?: number | null;
  slotsInUse: number;
  /** Luma's concurrency (`lumaMaxConcurrent`) the usage is measured against. */
  slotsMax: number;
  slotUsage: number;
  lumaCalls: number;
  rateLimited: number;
  rateLimitedRate: number | null;
}

export interface QuotaMonitorDoc {
  balanceHistory: BalanceSample[];
  alerts: Partial<Record<AlertName, AlertState>>;
  last: QuotaReading;
  updatedAt: string;
}
