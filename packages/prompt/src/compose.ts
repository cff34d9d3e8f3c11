/**
 * Prompt assembly. A prompt is a list of parts; each part says where it came from in the draft (`source`), what it
 * does in the prompt (`role`), which Luma stage gets it (`stage`) and, when useful, exactly which words of the
 * draft it came from (`from`). The prompt of a stage is its parts' texts joined by single spaces (none between two
 * CJK sentences) and nothing else, so `parts` is a complete explanation of the prompt.
 */
import type { StylePreset } from '@d2v/schema';
import { CAMERA_MOVES, type CameraChoice } from './camera';
import { MOOD_LIGHT, type Mood } from './lexicon';
import { IMAGE_QUALITY_ILLUSTRATION, IMAGE_QUALITY_PHOTO, STYLE_HINTS, VIDEO_QUALITY } from './styles';
import { asSentence, joinSentences } from './text';

export type PartSource =
  | 'title' | 'text' | 'hashtags' | 'emoji' | 'style' | 'styleImage' | 'referenceImages' | 'characterImages'
  | 'options' | 'builder' | 'script';
export type PartRole = 'subject' | 'scene' | 'shot' | 'themes' | 'mood' | 'camera' | 'style' | 'quality' | 'character';
export type PartStage = 'both' | 'image' | 'video';

export interface PromptPart {
  source: PartSource;
  role: PartRole;
  /** Exactly the words this part contributes to the prompt. */
  text: string;
  stage: PartStage;
  /** Where in the draft it came from ("sentences 1–3 of 7", "#sunset #beach", "😊"), or why it was added. */
  from?: string;
}

/** The prompt of one stage: its parts joined by spaces (no space between two CJK sentences, as in `joinSentences`). */
export function renderPrompt(parts: readonly PromptPart[], stage: 'image' | 'video'): string {
  return joinSentences(parts.filter((p) => p.stage === 'both' || p.stage === stage).map((p) => p.text));
}

export function partsLength(parts: readonly PromptPart[], stage: 'image' | 'video'): number {
  return renderPrompt(parts, stage).length;
}

function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function moodPart(moods: readonly Mood[], cues: readonly string[], sources: readonly PartSource[] = []): PromptPart | undefined {
  if (!moods.length) return undefined;
  return {
    source: sources[0] ?? 'text',
    role: 'mood',
    text: `The mood is ${joinWords(moods)}, with ${MOOD_LIGHT[moods[0]!]}.`,
    stage: 'both',
    from: cues.join(' '),
  };
}

export function cameraPart(camera: CameraChoice): PromptPart {
  const source: PartSource =
    camera.source === 'text' || camera.source === 'content'
      ? 'text'
      : camera.source === 'images'
        ? 'characterImages'
        : camera.source === 'style' || camera.source === 'options'
          ? camera.source
          : 'builder';
  const concept = camera.concept ? ` (Luma concept ${camera.concept})` : '';
  return {
    source,
    role: 'camera',
    text: `Camera: ${CAMERA_MOVES[camera.move].language}.`,
    stage: 'video',
    from: `${camera.reason}${concept}`,
  };
}

/** Style words of the preset (a still-image variant for the keyframe) and the style image's cue. */
export function styleParts(style: StylePreset | undefined, hasStyleImage: boolean): PromptPart[] {
  const out: PromptPart[] = [];
  const hint = style ? STYLE_HINTS[style] : undefined;
  if (hint?.video) {
    out.push({ source: 'style', role: 'style', text: hint.video, stage: 'video', from: `style preset "${style}"` });
    out.push({ source: 'style', role: 'style', text: hint.image, stage: 'image', from: `style preset "${style}"` });
  }
  if (hasStyleImage) {
    out.push({ source: 'styleImage', role: 'style', text: 'Match the look of the style reference image.', stage: 'image', from: 'styleImage (sent as style_ref)' });
  }
  return out;
}

export function qualityParts(style: StylePreset | undefined): PromptPart[] {
  const photographic = style ? STYLE_HINTS[style].photographic : true;
  return [
    { source: 'builder', role: 'quality', text: VIDEO_QUALITY, stage: 'video', from: 'quality modifiers for Ray' },
    { source: 'builder', role: 'quality', text: photographic ? IMAGE_QUALITY_PHOTO : IMAGE_QUALITY_ILLUSTRATION, stage: 'image', from: 'quality modifiers for Photon' },
  ];
}

export function sentencePart(source: PartSource, role: PartRole, text: string, from?: string, stage: PartStage = 'both'): PromptPart {
  return { source, role, text: asSentence(text), stage, ...(from ? { from } : {}) };
}
