/**
 * An instance shutting down hands back the step leases it holds. Cloud Run sends SIGTERM and kills the instance
 * SHUTDOWN_GRACE_MS later (scale-in, a deploy, recycling); a step still running may finish in that window, so its
 * lease is shortened to the kill, not cleared: the next worker (Cloud Tasks retries the cut request) takes over as
 * soon as this instance can no longer write, instead of after a whole lease.
 */
import type { Logger, PipelineHandlers } from '@d2v/core';
import { logs } from './logs';

/** Cloud Run's grace between SIGTERM and SIGKILL. */
export const SHUTDOWN_GRACE_MS = 10_000;

let installed = false;

export function handBackLeasesOnShutdown(handlers: () => PipelineHandlers, log: () => Logger, signals: NodeJS.Process = process): void {
  if (installed) return;
  installed = true;
  signals.once('SIGTERM', () => {
    const reusableAt = Date.now() + SHUTDOWN_GRACE_MS;
    void handlers()
      .handBackLeases({ reusableAt })
      .then((leases) => log().info({ leases }, logs.leasesHandedBack))
      .catch((err: unknown) => log().warn({ err: String(err) }, logs.handBackFailed))
      .finally(() => {
        // The functions framework closes the server on SIGTERM itself; without it, do what SIGTERM would have done.
        if (signals.listenerCount('SIGTERM') === 0) signals.kill(signals.pid, 'SIGTERM');
      });
  });
}
