/**
 * This instance's analytics batcher (one per instance, built on the first message): events wait at most
 * STATS_FLUSH_SECONDS for company, then go into the buckets as one batch (see triggers/analytics.ts).
 */
import { AnalyticsBatcher, applyAnalyticsBatch } from '@d2v/core';
import { STATS_FLUSH_SECONDS, paramValue } from './config';
import { getPorts, portsGeneration } from './ports';

let batcher: AnalyticsBatcher | undefined;
let builtFor = -1;

export function analyticsBatcher(): AnalyticsBatcher {
  if (!batcher || builtFor !== portsGeneration()) {
    const ports = getPorts();
    batcher = new AnalyticsBatcher({
      flushMs: paramValue(STATS_FLUSH_SECONDS, 10) * 1000,
      apply: (events) => applyAnalyticsBatch(ports.store, events, { shards: ports.config.statsShards, nowIso: new Date(ports.clock.now()).toISOString() }),
    });
    builtFor = portsGeneration();
  }
  return batcher;
}

/** Tests: a fresh batcher (e.g. after changing STATS_FLUSH_SECONDS). */
export function resetAnalyticsBatcherForTesting(): void {
  batcher = undefined;
}
