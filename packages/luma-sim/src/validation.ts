/**
 * Request validation, in Luma's two layers: first the schema (FastAPI/pydantic: wrong JSON types, missing or
 * unknown model → 422 with a list of field errors; validation-fields.ts), then Luma's own rules (prompt length,
 * enum values, loop, keyframes, reference limits → 400 with one `detail` string; shared ones in
 * validation-rules.ts). Each endpoint's validator has its own module — video (and extend), image, the derived
 * upscale/audio endpoints, the media edits (modify, reframe), the list query — and this module gathers them, so
 * routes import validation from one place. Nothing here has side effects, so a rejected request is never charged
 * and never counts toward limits.
 */
export { PROMPT_MIN_LENGTH, PROMPT_MAX_LENGTH, isHttpUrl, type InputImage, type ExistingGeneration, type GenerationLookup } from './validation-rules';
export { CONCEPT_KEYS, validateVideoRequest, type Keyframe, type VideoSpec } from './validation-video';
export { MAX_IMAGE_REFS, MAX_STYLE_REFS, MAX_CHARACTER_IMAGES, validateImageRequest, type ImageSpec } from './validation-image';
export { validateUpscaleRequest, validateAudioRequest, type UpscaleSpec, type AudioSpec } from './validation-derived';
export {
  validateModifyRequest,
  validateReframeVideoRequest,
  validateReframeImageRequest,
  type ModifySpec,
  type ReframeVideoSpec,
  type ReframeImageSpec,
  type ReframeGeometry,
} from './validation-edit';
export { validateListQuery } from './validation-list';
