export * from './types';
export * from './errors';
export { lumaClientFromEnv } from './client-env';
export {
  LumaClient,
  DEFAULT_LUMA_BASE_URL,
  DEFAULT_LUMA_TIMEOUT_MS,
  DEFAULT_LUMA_MAX_RETRIES,
  type LumaClientOptions,
  type LumaLogger,
  type ListGenerationsOptions,
} from './client';
export type { RetryDelays } from './retry';
export { estimateCostCents, estimateFollowUpCostCents, type FollowUpCostInput, type SourceVideoShape } from './cost';
export { extractLumaDetail, parseRetryAfterMs } from './error-mapping';
