export { LocalStack, PROCESS_SLOTS, DEFAULT_SEED_DIR, DEFAULT_WEB_APP_DIR, type LocalStackOptions } from './stack';
export { loadLocalConfig, ConfigError, type LocalConfig } from './config';
export { ClientApi, ApiError } from './client-api';
export { seedFromEmulatorData } from './seed';
export * from './adapters';
export { LocalStatsAggregator, STATS_CONSUMER, type LocalStatsAggregatorOptions } from './stats-aggregator';
