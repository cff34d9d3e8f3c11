/**
 * `d2v bench media`'s engine, for the command and for tests: one run (run.ts) sequencing the stages — compression
 * and quality (compress-stage.ts) on a generated corpus (corpus.ts), crypto throughput against openssl
 * (crypto-stage.ts), memory (memory-stage.ts) — into a report (report.ts) that format.ts prints. This barrel is
 * what outside code imports, so the modules behind it can move without touching callers.
 */
export { TARGETS, type ClipResult, type MediaBenchReport, type QualityScores } from './report';
export { FULL_CORPUS, QUICK_CORPUS, corpusFilterGraph, type CorpusClip } from './corpus';
export { measureQuality, measureCompression, type CompressStageOptions } from './compress-stage';
export { measureCrypto, opensslGcmBytesPerSecond, type CryptoMeasurement, type CryptoRound } from './crypto-stage';
export { measureMemory, type MemoryStageOptions } from './memory-stage';
export { runMediaBenchmark, type MediaBenchOptions } from './run';
export { formatMediaBenchMarkdown, formatMediaBenchReport } from './format';
