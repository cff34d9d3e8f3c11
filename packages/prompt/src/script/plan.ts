/**
 * Script → Luma requests for a multi-shot video: one Ray clip per shot (5 s, or 9 s for a shot longer than 5 s),
 * each preceded by a Photon keyframe when the script has images (the same image_ref / character_ref / style_ref
 * for every shot, so the shots share a person and a look). The clips are independent, so they can be generated in
 * parallel and retried one by one; each is cut to its scene's duration from its start and the cuts are joined in
 * order with ffmpeg (see "Create Script: extend or join" in the decisions).
 *
 * The script may have been edited, so everything is checked again as for a draft: the schema (durations add up),
 * contact data and links (removed), refused words (PROMPT_REFUSED naming the scene), images (ownership, hosts,
 * weights, inspection).
 */
import { PipelineError, type VideoOptions } from '@d2v/schema';
import type { ImageGenerationRequest, VideoGenerationRequest } from '@d2v/luma';
import { assertNotRefused } from '../blocklist';
import { CAMERA_MOVES } from '../camera';
import { cameraPart, moodPart, qualityParts, renderPrompt, sentencePart, styleParts, type PromptPart } from '../compose';
import { checkDraftImages, hasImages, resolveImages } from '../images';
import { LUMA_PROMPT_MAX, LUMA_PROMPT_MIN } from '../limits';
import { keyframeModel, type PlanContext } from '../plan';
import { sanitizeDraftText } from '../sanitize';
import { truncateAtWord } from '../text';
import { parseScript } from './parse';
import type { Script, ShotType } from './types';

export const SHOT_FRAMING: Record<ShotType, string> = {
  single: '',
  establishing: 'Wide establishing shot.',
  medium: 'Medium shot.',
  close_up: 'Close-up shot.',
  detail: 'Detail insert shot.',
  closing: 'Wide closing shot.',
};

export interface ShotPlan {
  n: number;
  /** How long the shot lasts in the final video. */
  durationMs: number;
  /** The Luma clip it is cut from (`video.duration`). */
  clipDuration: '5s' | '9s';
  /** Keep the first `durationMs` of the clip. */
  trim: { startMs: 0; durationMs: number };
  keyframe?: ImageGenerationRequest;
  video: VideoGenerationRequest;
  parts: PromptPart[];
}

export interface ScriptPlan {
  shots: ShotPlan[];
  /** How the clips become one video: cut each, then concatenate in order (one post, one video). */
  assembly: { method: 'trim-and-concat'; order: number[]; totalMs: number; clipSeconds: number };
  warnings: string[];
}

export async function planFromScript(input: Script | unknown, options: VideoOptions, ctx: PlanContext): Promise<ScriptPlan> {
  const script = parseScript(input);
  const warnings: string[] = [];
  if (options.loop) warnings.push('A multi-shot video does not loop; the loop option was ignored.');

  // Words: cleaned like a draft's, checked per scene so an error can name the scene.
  const descriptions = script.scenes.map((scene) => {
    const report = sanitizeDraftText(scene.description);
    const removed = report.removed.urls + report.removed.emails + report.removed.phones;
    if (removed) warnings.push(`Scene ${scene.n}: links, e-mail addresses and phone numbers were left out of its prompt.`);
    const text = [report.text.replace(/\s*\n\s*/g, ' '), ...report.themes].filter(Boolean).join(', ');
    if (!/[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(text)) {
      throw new PipelineError('PROMPT_TOO_SHORT', `Scene ${scene.n} has no words left to describe it; write what the shot shows.`);
    }
    return text;
  });
  assertNotRefused([
    ...(script.title ? [{ field: 'title', text: sanitizeDraftText(script.title).text }] : []),
    ...descriptions.map((text, i) => ({ field: `scene ${i + 1}`, text })),
  ]);

  const checked = checkDraftImages({ uid: script.uid, ...script.images }, ctx.imageHostAllowList, warnings);
  const withImages = hasImages(checked);
  const resolved = withImages ? await resolveImages(checked, ctx) : {};

  const mood = moodPart(script.moods, []);
  const shots: ShotPlan[] = script.scenes.map((scene, i) => {
    const move = CAMERA_MOVES[scene.camera];
    const parts: PromptPart[] = [];
    if (checked.characters.length) {
      parts.push(sentencePart('characterImages', 'character', 'Featuring the person from the character photos', 'characterImages (sent as character_ref)'));
    }
    if (SHOT_FRAMING[scene.shot]) parts.push({ source: 'script', role: 'shot', text: SHOT_FRAMING[scene.shot], stage: 'both', from: `scene ${scene.n}: ${scene.shot}` });
    parts.push(sentencePart('script', 'scene', truncateAtWord(descriptions[i]!, 1_000), `scene ${scene.n} description${scene.from ? ` (from ${scene.from})` : ''}`));
    if (mood) parts.push({ ...mood, source: 'script', from: `script moods: ${script.moods.join(', ')}` });
    parts.push(cameraPart({ move: scene.camera, ...(move.concept ? { concept: move.concept } : {}), language: move.language, reason: `scene ${scene.n} camera`, source: 'builder' }));
    parts.push(...styleParts(script.style, Boolean(checked.style)));
    parts.push(...qualityParts(script.style));
    const shotParts = withImages ? parts : parts.filter((p) => p.stage !== 'image');

    const prompt = renderPrompt(shotParts, 'video');
    if (prompt.length < LUMA_PROMPT_MIN || prompt.length > LUMA_PROMPT_MAX) {
      throw new PipelineError('INVALID_REQUEST', `Scene ${scene.n}'s prompt came out ${prompt.length} characters long, outside Luma's ${LUMA_PROMPT_MIN}–${LUMA_PROMPT_MAX}.`);
    }
    const clipDuration = scene.durationMs <= 5_000 ? '5s' : '9s';
    const video: VideoGenerationRequest = {
      model: options.model,
      prompt,
      aspect_ratio: options.aspectRatio,
      resolution: options.resolution,
      duration: clipDuration,
      generation_type: 'video',
      ...(move.concept ? { concepts: [{ key: move.concept }] } : {}),
    };
    const shot: ShotPlan = { n: scene.n, durationMs: scene.durationMs, clipDuration, trim: { startMs: 0, durationMs: scene.durationMs }, video, parts: shotParts };
    if (withImages) {
      shot.keyframe = {
        model: keyframeModel(options.model),
        prompt: renderPrompt(shotParts, 'image'),
        aspect_ratio: options.aspectRatio,
        format: 'jpg',
        generation_type: 'image',
        ...resolved,
      };
    }
    return shot;
  });

  return {
    shots,
    assembly: {
      method: 'trim-and-concat',
      order: shots.map((s) => s.n),
      totalMs: script.totalMs,
      clipSeconds: shots.reduce((acc, s) => acc + (s.clipDuration === '5s' ? 5 : 9), 0),
    },
    warnings,
  };
}
