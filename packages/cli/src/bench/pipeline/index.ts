/**
 * `d2v bench pipeline`'s engine, for the command and for tests: the ideal schedule (ideal.ts), one run of the
 * local stack (run.ts), plain ffmpeg's processing floor (plain-processing.ts), the figures derived from it (measure.ts) and the report with its text form (report.ts).
 */
export { idealSchedule, idealScheduleAt, processedBy, type IdealSchedule, type LumaLimits } from './ideal';
export { lumaTimeline, percentile, secondsPerState, slotUsage, stageFigures, type LumaTimeline, type SlotHold, type StageFigure } from './measure';
export { formatPipelineBenchReport, type PipelineBenchReport, type PipelineBenchSettings } from './report';
export { PIPELINE_DEFAULTS, PIPELINE_QUICK, runPipelineBenchmark, type PipelineBenchOptions } from './run';
