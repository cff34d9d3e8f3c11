/**
 * @d2v/luma-sim — a local, faithful stand-in for Luma Dream Machine's API (see the Luma API brief and
 * this package's README.md): real HTTP, real ffmpeg-rendered assets, Luma's errors, limits and callbacks, and
 * seeded fault injection.
 */
export { startLumaSimulator } from './simulator';
export type { LumaSimulator, SimulatedGeneration, SimulatorStats } from './simulator';
export {
  simulatorOptionsFromEnv,
  SIMULATOR_ENV_VARS,
  LUMA_FAILURE_REASONS,
  DEFAULT_TIMING,
  DEFAULT_LIMITS,
  DEFAULT_FAULTS,
  DEFAULT_CREDITS_CENTS,
} from './config';
export type {
  SimulatorOptions,
  TimingOptions,
  LimitOptions,
  FaultOptions,
  FamilyLimits,
  ModelFamily,
  SimLogger,
  SimLogLevel,
} from './config';
export type { CallbackCounters } from './callbacks';
export { CALLBACK_RETRIES, CALLBACK_RETRY_DELAY_MS, CALLBACK_TIMEOUT_MS } from './callbacks';
export { API_PREFIX } from './routes';
export { CONCEPT_KEYS } from './validation';
export { INPUT_FRAMES_FAILURE } from './inputs';
export { videoSize, imageSize } from './dimensions';
export type { Size } from './dimensions';
export { videoCostCents, imageCostCents, upscaleCostCents, ADD_AUDIO_CENTS } from './credits';
export type { LumaGenerationJson, GenerationListJson, GenerationType, GenerationState, FieldError, ErrorBody } from './types';
