/**
 * Draft → Luma request(s). Deterministic (same draft and options → same requests, byte for byte) and explainable
 * (`parts` is the prompt, piece by piece, with where each piece came from; `analysis` is what the builder read).
 *
 * A text-only draft becomes one Ray video request. A draft with reference, character or style images becomes two:
 * a Photon keyframe image carrying the images (Ray takes no weights or characters), then the Ray video; the core
 * puts the keyframe's image into the video's `keyframes.frame0` when the keyframe completes.
 *
 * Every check that can fail does so here, before a credit is spent, with a PipelineError whose message says what
 * to change: DRAFT_EMPTY, PROMPT_TOO_SHORT, PROMPT_REFUSED, IMAGE_NOT_ALLOWED, IMAGE_INVALID, INVALID_REQUEST.
 */
import { PipelineError, type Draft, type VideoOptions } from '@d2v/schema';
import type { ImageGenerationRequest, VideoGenerationRequest } from '@d2v/luma';
import { analyzeText, selectSentences, type TextAnalysis } from './analyze';
import { assertNotRefused } from './blocklist';
import { chooseCamera, type CameraChoice, type CameraMoveId, type LumaConceptKey } from './camera';
import { cameraPart, moodPart, partsLength, qualityParts, renderPrompt, sentencePart, styleParts, type PromptPart } from './compose';
import { checkDraftImages, hasImages, resolveImages, type CheckedImages, type ImageContext } from './images';
import { LUMA_PROMPT_MAX, LUMA_PROMPT_MIN, MAX_THEMES, PROMPT_TARGET, SCENE_MIN_BUDGET, TITLE_MAX } from './limits';
import { sanitizeDraftText, type Removed } from './sanitize';
import { DENSE_SCRIPT_RE, foldForCompare, truncateAtWord } from './text';

export { LUMA_PROMPT_MAX, LUMA_PROMPT_MIN, MAX_CHARACTER_IMAGES, MAX_IMAGE_REFS, PROMPT_TARGET } from './limits';
export type { PromptPart } from './compose';

export interface PlanContext extends ImageContext {
  /** Short-lived URL Luma can fetch for an object in the owner's Storage. */
  signBlobUrl(path: string): Promise<string>;
  imageHostAllowList: readonly string[];
}

/** What the builder read from the draft (shown by `d2v prompt`; not sent to Luma). */
export interface PlanAnalysis {
  subject?: string;
  action?: string;
  setting?: string;
  moods: string[];
  /** Writing systems in the draft ("Latin", "Han", "Arabic", "Emoji", …). */
  scripts: string[];
  /** Whether the English word lists were applied. */
  english: boolean;
  camera: { move: CameraMoveId; concept?: LumaConceptKey; reason: string };
  sentences: { total: number; kept: number[]; droppedAsChatter: number; droppedForLength: number };
  removed: Removed;
  images: {
    imageRef: { label: string; weight: number }[];
    characterRef: string[];
    styleRef?: { label: string; weight: number };
    dropped: { label: string; why: string }[];
  };
}

export interface LumaPlan {
  /** Photon keyframe first when the draft has images (Ray takes no weights or characters). */
  keyframe?: ImageGenerationRequest;
  video: VideoGenerationRequest;
  warnings: string[];
  /** The prompts, piece by piece (image-stage pieces only when there is a keyframe). */
  parts: PromptPart[];
  analysis?: PlanAnalysis;
}

const GENERIC_TITLE_RE = /^(?:untitled|new draft|draft\s*\d*|my draft|video\s*\d*|new video|no title)$/i;

/** The draft read, cleaned and checked; shared by the video plan and the script builder. */
export interface PreparedDraft {
  /** Cleaned title, when it adds something the text does not say. */
  title?: string;
  /** Cleaned title, always (empty when the draft has none). */
  cleanTitle: string;
  text: string;
  themes: string[];
  /** The hashtags the themes came from, as written. */
  themeTags: string[];
  hashtags: string[];
  removed: Removed;
  analysis: TextAnalysis;
  images: CheckedImages;
  /** The text is too thin to use (images carry the draft). */
  textIgnored: boolean;
  warnings: string[];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Cleans and checks everything that needs no I/O: text (contact data, tags, refused words, emptiness) and images
 * (ownership, hosts, file types, weights, limits). Throws the first problem as a PipelineError.
 */
export function prepareDraft(draft: Draft, imageHostAllowList: readonly string[]): PreparedDraft {
  const warnings: string[] = [];
  const body = sanitizeDraftText(draft.text ?? '');
  const titleReport = draft.title ? sanitizeDraftText(draft.title) : undefined;
  const removed: Removed = { ...body.removed };
  if (titleReport) for (const k of Object.keys(removed) as (keyof Removed)[]) removed[k] += titleReport.removed[k];
  const hashtags = [...body.hashtags, ...(titleReport?.hashtags ?? [])];
  const themeList: { words: string; tag: string }[] = [];
  for (const r of [body, titleReport]) {
    r?.themes.forEach((words, i) => {
      if (!themeList.some((t) => t.words === words)) themeList.push({ words, tag: r.themeTags[i] ?? `#${words}` });
    });
  }
  if (themeList.length > MAX_THEMES) warnings.push(`Only the first ${MAX_THEMES} of ${themeList.length} hashtags were used as themes.`);
  const themes = themeList.slice(0, MAX_THEMES).map((t) => truncateAtWord(t.words, 40));
  const themeTags = themeList.slice(0, MAX_THEMES).map((t) => t.tag);
  const titleClean = truncateAtWord((titleReport?.text ?? '').replace(/\s*\n\s*/g, ' '), TITLE_MAX);

  const listedImages = (draft.referenceImages?.length ?? 0) + (draft.characterImages?.length ?? 0) + (draft.styleImage ? 1 : 0);
  const content = [titleClean, body.text, ...themes].join(' ');
  // Code points, not graphemes: thresholds only, and segmenting 100,000 characters into graphemes is slow.
  const letters = (content.match(/[\p{L}\p{N}]/gu) ?? []).length;
  const emoji = (content.match(/\p{Extended_Pictographic}/gu) ?? []).length;
  const minimum = DENSE_SCRIPT_RE.test(content) ? 1 : LUMA_PROMPT_MIN;
  // Nothing to describe: no letters and at most a couple of emoji ("📧" left over from an address).
  const nothing = letters === 0 && emoji < LUMA_PROMPT_MIN;
  if (nothing && listedImages === 0) {
    const hidden = removed.urls + removed.emails + removed.phones + removed.mentions + removed.noiseHashtags;
    throw new PipelineError(
      'DRAFT_EMPTY',
      hidden > 0
        ? 'The draft has nothing to make a video from once links, e-mail addresses, phone numbers, @mentions and platform hashtags are left out; describe the scene in a few words.'
        : 'The draft has no text or images to make a video from.',
    );
  }
  const tooShort = letters + emoji < minimum;
  if (tooShort && listedImages === 0) {
    throw new PipelineError('PROMPT_TOO_SHORT', `The draft text is too short to describe a video: write at least ${LUMA_PROMPT_MIN} letters, or add an image.`);
  }

  assertNotRefused([
    { field: 'title', text: titleReport?.text ?? '' },
    { field: 'text', text: body.text },
    { field: 'hashtags', text: hashtags.join(', ') },
  ]);

  const images = checkDraftImages(draft, imageHostAllowList, warnings);
  const textIgnored = nothing || tooShort;
  if (textIgnored && !hasImages(images)) {
    throw new PipelineError('DRAFT_EMPTY', 'The draft has no words to make a video from, and all its images were left out (weight 0).');
  }

  if (textIgnored && letters + emoji > 0) warnings.push('The draft text is too short to use; the prompt is built from the images.');
  const title =
    !textIgnored && titleClean && !GENERIC_TITLE_RE.test(titleClean) && !foldForCompare(body.text).includes(foldForCompare(titleClean))
      ? titleClean
      : undefined;
  const text = textIgnored ? '' : body.text;
  const analysis = analyzeText(text, { ...(title ? { title } : {}), hashtags });

  const contact = [
    removed.urls ? plural(removed.urls, 'link') : '',
    removed.emails ? plural(removed.emails, 'e-mail address', 'e-mail addresses') : '',
    removed.phones ? plural(removed.phones, 'phone number') : '',
  ].filter(Boolean);
  if (contact.length) {
    warnings.push(`${listing(contact)} in the draft ${removed.urls + removed.emails + removed.phones > 1 ? 'were' : 'was'} left out of the prompt: links and contact details are never sent to the video service.`);
  }
  if (removed.mentions) {
    warnings.push(`${plural(removed.mentions, '@mention')} ${removed.mentions > 1 ? 'were' : 'was'} left out or replaced with “a friend” (Luma does not know who they are).`);
  }
  if (body.markup + (titleReport?.markup ?? 0) > 0) {
    warnings.push('Formatting in the draft (HTML tags, entities or Markdown) was turned into plain text: the video service gets the words, not the markup.');
  }
  if (removed.noiseHashtags) {
    warnings.push(`${plural(removed.noiseHashtags, 'hashtag')} about the platform rather than the picture (such as #fyp) ${removed.noiseHashtags > 1 ? 'were' : 'was'} left out.`);
  }
  return { ...(title ? { title } : {}), cleanTitle: titleClean, text, themes, themeTags, hashtags, removed, analysis, images, textIgnored, warnings };
}

/** The parts that open the prompt: the character, the title and what the draft says (or the images when it says nothing). */
function openingParts(prep: PreparedDraft, sceneText: string, sceneFrom: string): PromptPart[] {
  const parts: PromptPart[] = [];
  const { images } = prep;
  const hasWords = Boolean(prep.title || sceneText);
  if (images.characters.length && (hasWords || prep.themes.length || images.references.length)) {
    parts.push(sentencePart('characterImages', 'character', 'Featuring the person from the character photos', 'characterImages (sent as character_ref)'));
  }
  if (prep.title) parts.push(sentencePart('title', 'subject', prep.title, 'title'));
  if (sceneText) parts.push(sentencePart('text', 'scene', sceneText, sceneFrom));
  if (!hasWords) {
    if (prep.themes.length) {
      parts.push(sentencePart('hashtags', 'scene', capitalize(prep.themes.join(', ')), `${prep.themeTags.join(' ')} (the draft has no other words)`));
    } else if (images.references.length) {
      parts.push(sentencePart('referenceImages', 'scene', 'A scene based on the reference images, brought to life with natural movement', 'no usable text: built from the reference images'));
    } else if (images.characters.length) {
      parts.push(sentencePart('characterImages', 'scene', 'A portrait of the person from the character photos, with a natural expression and subtle movement', 'no usable text: built from the character photos'));
    } else if (images.style) {
      parts.push(sentencePart('styleImage', 'scene', 'A scene in the look of the style image, with gentle natural movement', 'no usable text: built from the style image'));
    }
  }
  return parts;
}

function capitalize(s: string): string {
  const first = s.codePointAt(0);
  if (first === undefined) return s;
  const ch = String.fromCodePoint(first);
  return ch.toUpperCase() + s.slice(ch.length);
}

function sentenceRange(kept: number[], total: number): string {
  if (kept.length === total) return total === 1 ? 'text' : `text (all ${total} sentences)`;
  const ranges: string[] = [];
  let i = 0;
  while (i < kept.length) {
    let j = i;
    while (j + 1 < kept.length && kept[j + 1] === kept[j]! + 1) j++;
    ranges.push(i === j ? `${kept[i]! + 1}` : `${kept[i]! + 1}–${kept[j]! + 1}`);
    i = j + 1;
  }
  return `text (sentence${kept.length > 1 ? 's' : ''} ${ranges.join(', ')} of ${total})`;
}

export interface ComposedPrompt {
  parts: PromptPart[];
  camera: CameraChoice;
  kept: number[];
  dropped: { meta: number; forLength: number };
}

/** Builds all parts of the draft's prompt within the length target. */
export function composeDraftPrompt(prep: PreparedDraft, options: Pick<VideoOptions, 'loop'>, style: Draft['style'], warnings: string[]): ComposedPrompt {
  const a = prep.analysis;
  const camera = chooseCamera(
    {
      ...(a.cue ? { cue: a.cue } : {}),
      travel: a.travel,
      performance: a.performance,
      landscape: a.landscape,
      food: a.food,
      person: a.person,
      hasCharacter: prep.images.characters.length > 0,
      ...(style ? { style } : {}),
      loop: options.loop,
    },
    warnings,
  );
  const tail: PromptPart[] = [];
  const hasWords = Boolean(prep.title || prep.text);
  if (prep.themes.length && hasWords) {
    tail.push(sentencePart('hashtags', 'themes', `Themes: ${prep.themes.join(', ')}`, prep.themeTags.join(' ')));
  }
  const mood = moodPart(a.moods, a.moodCues, a.moodSources);
  if (mood) tail.push(mood);
  tail.push(cameraPart(camera));
  tail.push(...styleParts(style, Boolean(prep.images.style)));
  tail.push(...qualityParts(style));

  // Everything but the draft's own sentences has a bounded size; the sentences get the rest of the target.
  const fixed = [...openingParts(prep, '', ''), ...tail];
  const used = Math.max(partsLength(fixed, 'video'), partsLength(fixed, 'image'));
  const budget = Math.max(SCENE_MIN_BUDGET, PROMPT_TARGET - used - 2);
  const selection = selectSentences(a.sentences, budget);
  const total = a.sentences.length;
  if (selection.dropped.meta) {
    warnings.push(`${plural(selection.dropped.meta, 'sentence')} that ${selection.dropped.meta > 1 ? 'show' : 'shows'} nothing a camera could film (a call to action or chatter) ${selection.dropped.meta > 1 ? 'were' : 'was'} left out.`);
  }
  if (selection.dropped.forLength || selection.truncated) {
    warnings.push(
      `The draft text (${formatCount(prep.text.length)} characters) was condensed to ${formatCount(selection.text.length)} characters for the prompt: ` +
        (selection.dropped.forLength
          ? `the first sentence and the most visual others were kept (${selection.kept.length} of ${total}).`
          : 'it was cut at a word boundary.'),
    );
  }
  const parts = [...openingParts(prep, selection.text, sentenceRange(selection.kept, total)), ...tail];
  return { parts, camera, kept: selection.kept, dropped: selection.dropped };
}

function checkedLength(prompt: string, stage: string): string {
  if (prompt.length < LUMA_PROMPT_MIN || prompt.length > LUMA_PROMPT_MAX) {
    // Unreachable by construction (bounded parts, truncated scene); a bug must not spend credits.
    throw new PipelineError('INVALID_REQUEST', `The ${stage} prompt came out ${prompt.length} characters long, outside Luma's ${LUMA_PROMPT_MIN}–${LUMA_PROMPT_MAX}.`);
  }
  return prompt;
}

export function keyframeModel(model: VideoOptions['model']): ImageGenerationRequest['model'] {
  return model === 'ray-flash-2' ? 'photon-flash-1' : 'photon-1';
}

export async function buildLumaPlan(draft: Draft, options: VideoOptions, ctx: PlanContext): Promise<LumaPlan> {
  const prep = prepareDraft(draft, ctx.imageHostAllowList);
  const warnings = [...prep.warnings];
  const composed = composeDraftPrompt(prep, options, draft.style, warnings);
  const twoStage = hasImages(prep.images);
  const parts = twoStage ? composed.parts : composed.parts.filter((p) => p.stage !== 'image');

  const video: VideoGenerationRequest = {
    model: options.model,
    prompt: checkedLength(renderPrompt(parts, 'video'), 'video'),
    aspect_ratio: options.aspectRatio,
    resolution: options.resolution,
    duration: options.duration,
    generation_type: 'video',
  };
  if (options.loop) video.loop = true;
  if (composed.camera.concept) video.concepts = [{ key: composed.camera.concept }];

  const a = prep.analysis;
  const analysis: PlanAnalysis = {
    ...(a.subject ? { subject: a.subject } : {}),
    ...(a.action ? { action: a.action } : {}),
    ...(a.setting ? { setting: a.setting } : {}),
    moods: a.moods,
    scripts: a.scripts,
    english: a.english,
    camera: { move: composed.camera.move, ...(composed.camera.concept ? { concept: composed.camera.concept } : {}), reason: composed.camera.reason },
    sentences: { total: a.sentences.length, kept: composed.kept.map((i) => i + 1), droppedAsChatter: composed.dropped.meta, droppedForLength: composed.dropped.forLength },
    removed: prep.removed,
    images: {
      imageRef: prep.images.references.map((r) => ({ label: r.label, weight: r.weight ?? 0 })),
      characterRef: prep.images.characters.map((c) => c.label),
      ...(prep.images.style ? { styleRef: { label: prep.images.style.label, weight: prep.images.style.weight ?? 0 } } : {}),
      dropped: prep.images.dropped,
    },
  };
  if (!twoStage) return { video, warnings, parts, analysis };

  const resolved = await resolveImages(prep.images, ctx);
  const keyframe: ImageGenerationRequest = {
    model: keyframeModel(options.model),
    prompt: checkedLength(renderPrompt(parts, 'image'), 'keyframe'),
    aspect_ratio: options.aspectRatio,
    format: 'jpg',
    generation_type: 'image',
    ...resolved,
  };
  return { keyframe, video, warnings, parts, analysis };
}

/** One Luma call the plan makes, in order (what `d2v prompt` prints). */
export interface PlanStage {
  kind: 'image' | 'video';
  request: ImageGenerationRequest | VideoGenerationRequest;
  /** For the video after a keyframe: where `keyframes.frame0` comes from (the core fills it in). */
  frame0?: string;
}

export function planStages(plan: LumaPlan): PlanStage[] {
  if (!plan.keyframe) return [{ kind: 'video', request: plan.video }];
  return [
    { kind: 'image', request: plan.keyframe },
    { kind: 'video', request: plan.video, frame0: 'the image of stage 1 (set as keyframes.frame0 when the keyframe completes)' },
  ];
}
