/**
 * The core's handlers bound to this instance's ports. Triggers load this module lazily (`await
 * import('./pipeline')`), so a cold start only pays for the core when an event actually needs it.
 */
import { createHandlers, type PipelineHandlers } from '@d2v/core';
import { getPorts, portsGeneration } from './ports';

let handlers: PipelineHandlers | undefined;
let builtFor = -1;

export function getHandlers(): PipelineHandlers {
  const gen = portsGeneration();
  if (!handlers || builtFor !== gen) {
    handlers = createHandlers(getPorts());
    builtFor = gen;
  }
  return handlers;
}

export { getPorts };
export { toDocData } from './adapters/firestore-store';
