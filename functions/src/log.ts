/**
 * The Functions runtime's logger: the core's Cloud Logging-shaped pino logger on stdout, one per instance,
 * with the function's name on every entry. Built on first use, from ./pipeline (where the core and pino load):
 * requiring it here rather than importing it keeps the core out of every function's cold start.
 */
import type { Logger as PinoLogger } from 'pino';

let shared: PinoLogger | undefined;

export function runtimeLogger(): PinoLogger {
  if (!shared) {
    const { createPinoLogger } = require('./pipeline') as typeof import('./pipeline');
    shared = createPinoLogger({
      base: { service: 'draft2video', ...(process.env.K_SERVICE ? { function: process.env.K_SERVICE } : {}) },
    });
  }
  return shared;
}
