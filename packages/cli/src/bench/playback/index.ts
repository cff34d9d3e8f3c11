/**
 * `d2v bench playback`'s engine, for the command and for tests: one run (run.ts) into a report (report.ts) that
 * format.ts prints.
 */
export { PLAYBACK_TARGETS, type PlaybackBenchReport, type SeekSample } from './report';
export { runPlaybackBenchmark, type PlaybackBenchOptions } from './run';
export { formatPlaybackBenchMarkdown, formatPlaybackBenchReport } from './format';
