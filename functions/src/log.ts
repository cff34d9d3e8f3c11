/**
 * The Functions runtime's logger: the core's Cloud Logging-shaped pino logger on stdout, one per instance,
 * with the function's name on every entry.
 */
import type { Logger as PinoLogger } from 'pino';
import { createPinoLogger } from '@d2v/core';

let shared: PinoLogger | undefined;

export function runtimeLogger(): PinoLogger {
  shared ??= createPinoLogger({
    base: { service: 'draft2video', ...(process.env.K_SERVICE ? { function: process.env.K_SERVICE } : {}) },
  });
  return shared;
}
