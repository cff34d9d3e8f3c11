/**
 * Every number the prompt builder works with, in one place (Luma's documented limits first, then our own choices).
 * Lengths are measured in UTF-16 code units (`string.length`), which is never less than the code-point count
 * Luma's Python service measures — so a prompt within these limits is within Luma's in either unit.
 */

/** Luma: "Prompt is too short, minimum length is 3 characters" / "too long, maximum length is 5000". */
export const LUMA_PROMPT_MIN = 3;
export const LUMA_PROMPT_MAX = 5000;

/**
 * Our target for the whole prompt. Ray follows a focused paragraph better than a wall of text, and the
 * examples in Luma's docs are one to three sentences; long drafts are condensed towards this.
 */
export const PROMPT_TARGET = 1200;
/** The draft's own words never get less room than this, however much the builder adds. */
export const SCENE_MIN_BUDGET = 300;
/** A title longer than this is cut (titles are headlines, not descriptions). */
export const TITLE_MAX = 150;
/** Trailing hashtags become at most this many "Themes:" words. */
export const MAX_THEMES = 8;

/** Luma: `image_ref` takes up to 4 images (one integration says 8; the docs say 4). */
export const MAX_IMAGE_REFS = 4;
/** Luma: `character_ref.identity0.images` takes up to 4 photos of the same person. */
export const MAX_CHARACTER_IMAGES = 4;
/** Luma: use one `style_ref`. */
export const MAX_STYLE_REFS = 1;
/**
 * A draft listing more images than this in one field is refused outright instead of being trimmed: we do not
 * validate, inspect and rank an unbounded list (the app lets a person attach a handful).
 */
export const MAX_LISTED_IMAGES = 16;

/** Weights Luma's API examples use when the draft gives none (image_ref 0.85, style_ref 0.8). */
export const DEFAULT_IMAGE_REF_WEIGHT = 0.85;
export const DEFAULT_STYLE_REF_WEIGHT = 0.8;

/**
 * Checks on the owner's images when the runtime can inspect them (`PlanContext.inspectImage`). Luma documents
 * no limits; these keep obviously useless inputs from costing a keyframe.
 */
export interface ImageLimits {
  maxBytes: number;
  minSide: number;
  maxSide: number;
  contentTypes: readonly string[];
}
export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 10 * 1024 * 1024,
  minSide: 64,
  maxSide: 8192,
  contentTypes: ['image/jpeg', 'image/png', 'image/webp'],
};
