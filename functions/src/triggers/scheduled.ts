/**
 * Every 5 minutes: fail requests past their deadline, re-kick ones whose next task was lost. One instance
 * (maxInstances 1) so two sweeps never race each other; no retry (the next run is 5 minutes away).
 */
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { PIPELINE_SECRETS, REGION } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

export const sweeper = onSchedule(
  {
    schedule: 'every 5 minutes',
    timeZone: 'Etc/UTC',
    region: REGION,
    retryCount: 0,
    memory: '512MiB',
    timeoutSeconds: 300,
    maxInstances: 1,
    secrets: PIPELINE_SECRETS,
  },
  async () => {
    const { getHandlers } = await import('../pipeline');
    const result = await getHandlers().sweep();
    runtimeLogger().info({ ...result }, logs.sweepFinished);
  },
);
