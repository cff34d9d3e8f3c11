/** "Create Script": the shot script, its schema, and the Luma requests for a multi-shot video. */
export {
  buildScript, durationToMs, defaultShotCount, shotRange, splitDuration, shotTypes, type BuildScriptOptions,
} from './build';
export { planFromScript, parseScript, SHOT_FRAMING, type ScriptPlan, type ShotPlan } from './plan';
export * from './types';
