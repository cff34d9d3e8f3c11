/**
 * What the sweeper does for operators on every run, after its own work: the roll-up of today's statistics into
 * `stats/{day}` (yesterday's too during the first hours of a day, for late events) and the Luma quota check (alerts). Each part is best effort: it logs its failure and never fails the sweep.
 */
import { dayOf, rollUpDay } from '../aggregation/read';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { monitorLumaQuota } from './quota-monitor';

/** Yesterday is rolled up again while today is younger than this. */
const LATE_EVENTS_MS = 2 * 3_600_000;

export async function runOpsChecks(ports: Ports): Promise<void> {
  const now = ports.clock.now();
  const days = [dayOf(now)];
  if (now - Date.parse(`${days[0]}T00:00:00Z`) < LATE_EVENTS_MS) days.unshift(dayOf(now - 86_400_000));
  for (const day of days) {
    try {
      await rollUpDay(ports.store, day, new Date(now).toISOString());
    } catch (e) {
      ports.log.warn({ err: String(e), day }, logs.statsRollUpFailed);
    }
  }
  // After the roll-up: the monitor reads the day's spend from `stats/{day}` as just written (one read, not the buckets).
  try {
    await monitorLumaQuota(ports);
  } catch (e) {
    ports.log.warn({ err: String(e) }, logs.quotaCheckFailed);
  }
}
