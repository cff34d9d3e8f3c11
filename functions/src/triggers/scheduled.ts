/**
 * Every minute (Cloud Scheduler's shortest period): fail requests past their deadline, re-kick working requests
 * with no live step lease that have not moved for the core's rekickAfterMs (a lost task, an exhausted retry budget).
 * Cheap: two indexed collection-group queries (state + deadlineAt, state + updatedAt) and one Luma credits GET.
 * One instance (maxInstances 1) so two sweeps never race each other; no retry (the next run is a minute away);
 * a sweep that takes longer than its period is cut at 120 s.
 */
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { PIPELINE_SECRETS, REGION } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

export const sweeper = onSchedule(
  {
    schedule: 'every 1 minutes',
    timeZone: 'Etc/UTC',
    region: REGION,
    retryCount: 0,
    memory: '512MiB',
    timeoutSeconds: 120,
    maxInstances: 1,
    secrets: PIPELINE_SECRETS,
  },
  async () => {
    const { getHandlers } = await import('../pipeline');
    const result = await getHandlers().sweep();
    runtimeLogger().info({ ...result }, logs.sweepFinished);
  },
);
