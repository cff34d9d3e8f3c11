/**
 * @d2v/prompt: a draft → the Luma request(s) the pipeline sends (the prompt builder), and "Create Script" (the shot
 * script and the requests of a multi-shot video). A library: it needs the schema and the Luma request types only.
 */
export {
  buildLumaPlan, prepareDraft, composeDraftPrompt, keyframeModel, planStages, type PlanStage,
  type LumaPlan, type PlanContext, type PlanAnalysis, type PreparedDraft, type ComposedPrompt,
} from './plan';
export { renderPrompt, type PromptPart, type PartSource, type PartRole, type PartStage } from './compose';
export {
  CAMERA_MOVES, CAMERA_MOVE_IDS, LUMA_CONCEPT_KEYS_USED, chooseCamera,
  type CameraMoveId, type CameraChoice, type LumaConceptKey,
} from './camera';
export { checkDraftImages, resolveImages, hostAllowed, normaliseWeight, type ImageInfo, type InspectImage, type CheckedImages } from './images';
export { sanitizeDraftText, hashtagToWords, type SanitizeReport } from './sanitize';
export { assertNotRefused, findRefusedContent, REFUSAL_LABELS, type RefusalCategory } from './blocklist';
export { STYLE_HINTS } from './styles';
export * from './limits';
export * from './script';
