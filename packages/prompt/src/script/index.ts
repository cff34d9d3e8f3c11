/** "Create Script": the shot script, its schema, and the Luma requests for a multi-shot video. */
export {
  buildScript, durationToMs, defaultShotCount, shotRange, splitDuration, shotTypes, type BuildScriptOptions,
} from './build';
export { planFromScript, SHOT_FRAMING, type ScriptPlan, type ShotPlan } from './plan';
export { checkScript, parseScript, type ScriptCheck, type ScriptIssue } from './parse';
export * from './types';
export { describeIssues } from './issues';
