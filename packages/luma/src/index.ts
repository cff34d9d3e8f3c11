export * from './types';
export * from './errors';
export {
  LumaClient,
  lumaClientFromEnv,
  DEFAULT_LUMA_BASE_URL,
  DEFAULT_LUMA_TIMEOUT_MS,
  DEFAULT_LUMA_MAX_RETRIES,
  type LumaClientOptions,
  type LumaLogger,
  type ListGenerationsOptions,
} from './client';
export type { RetryDelays } from './retry';
export { estimateCostCents } from './cost';
export { extractLumaDetail, parseRetryAfterMs } from './error-mapping';
