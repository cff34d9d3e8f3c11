/**
 * @d2v/luma-sim — a local, faithful stand-in for Luma Dream Machine's API (see the Luma API brief (LUMA_API.md,
 * shared with the project brief) and this package's README.md): real HTTP, real ffmpeg-rendered assets, Luma's
 * errors, limits and callbacks, and seeded fault injection.
 */
export { startLumaSimulator } from './simulator';
export type { LumaSimulator, SimulatedGeneration, SimulatorStats } from './simulator';
export {
  LUMA_FAILURE_REASONS,
  DEFAULT_TIMING,
  DEFAULT_LIMITS,
  DEFAULT_FAULTS,
  DEFAULT_FOLLOW_UPS,
  DEFAULT_CREDITS_CENTS,
  EXTEND_OUTPUTS,
} from './config';
export { simulatorOptionsFromEnv, SIMULATOR_ENV_VARS } from './config-env';
export type {
  SimulatorOptions,
  TimingOptions,
  LimitOptions,
  FaultOptions,
  FollowUpOptions,
  ExtendOutput,
  FamilyLimits,
  ModelFamily,
  SimLogger,
  SimLogLevel,
} from './config';
export type { CallbackCounters } from './callbacks';
export { CALLBACK_RETRIES, CALLBACK_RETRY_DELAY_MS, CALLBACK_TIMEOUT_MS } from './callbacks';
export type { MediaFacts } from './generation-record';
export { API_PREFIX } from './routes';
export { CONCEPT_KEYS } from './validation';
export { INPUT_FRAMES_FAILURE } from './inputs';
export { videoSize, imageSize } from './dimensions';
export type { Size } from './dimensions';
export {
  videoCostCents,
  imageCostCents,
  upscaleCostCents,
  modifyCostCents,
  reframeVideoCostCents,
  reframeImageCostCents,
  ADD_AUDIO_CENTS,
  MODIFY_CENTS_PER_MEGAPIXEL,
} from './credits';
export { GENERATION_TYPES, MODIFY_MODES } from './types';
export type {
  LumaGenerationJson,
  GenerationListJson,
  GenerationType,
  GenerationState,
  ModifyMode,
  FieldError,
  ErrorBody,
} from './types';
