/**
 * The core's handlers bound to this instance's ports. Triggers load this module lazily (`await
 * import('./pipeline')`), so a cold start only pays for the core when an event actually needs it: the bundle
 * makes it a chunk of its own (lib/pipeline.js, see scripts/bundle.mjs), and everything the triggers need from
 * the core, the ports or the adapters is re-exported here so that it comes through this one door.
 */
import { createHandlers, type PipelineHandlers } from '@d2v/core';
import { getPorts, portsGeneration } from './ports';
import { handBackLeasesOnShutdown } from './shutdown';

let handlers: PipelineHandlers | undefined;
let builtFor = -1;

export function getHandlers(): PipelineHandlers {
  const gen = portsGeneration();
  if (!handlers || builtFor !== gen) {
    handlers = createHandlers(getPorts());
    builtFor = gen;
    handBackLeasesOnShutdown(getHandlers, () => getPorts().log);
  }
  return handlers;
}

export { getPorts };
export { toDocData } from './adapters/firestore-store';
export { adminAppInstance } from './ports';
// The runtime logger (../log.ts); the analytics trigger's first message (triggers/analytics.ts).
export { createPinoLogger } from '@d2v/core';
export { parseAnalyticsMessage } from './analytics-message';
// The playback function (triggers/playback.ts).
export { getPlaybackHttp, setIdTokenVerifierForTesting } from './playback';
export { errorAnswer, sendHttpAnswer, PlaybackError } from '@d2v/core';
export { analyticsBatcher, resetAnalyticsBatcherForTesting } from './analytics-batcher';
// The test-only probe (triggers/probe.ts).
export { CloudTasksQueue, cloudTaskId } from './adapters/cloud-tasks';
