/**
 * Camera language and Luma concept keys.
 *
 * Luma's `concepts: [{key}]` steer the camera; the live list comes from `GET /generations/concepts/list`. We use
 * only keys Luma lists (and the simulator accepts): push_in, pull_out, orbit_left, aerial_drone, crane_up, pan_right,
 * handheld, static, zoom_in, zoom_out, dolly_zoom, overhead, low_angle, pov, selfie, tiny_planet — at most one per
 * request, always paired with the same move in words in the prompt (Luma's prompting guide asks for the camera move
 * to be named), so a request still reads right if a key is ever retired.
 */
import type { StylePreset } from '@d2v/schema';

export const LUMA_CONCEPT_KEYS_USED = [
  'push_in', 'pull_out', 'orbit_left', 'aerial_drone', 'crane_up', 'pan_right', 'handheld', 'static', 'zoom_in',
  'zoom_out', 'dolly_zoom', 'overhead', 'low_angle', 'pov', 'selfie', 'tiny_planet',
] as const;
export type LumaConceptKey = (typeof LUMA_CONCEPT_KEYS_USED)[number];

export const CAMERA_MOVE_IDS = [
  'push_in', 'pull_out', 'orbit', 'aerial', 'crane_up', 'pan', 'handheld', 'static', 'tracking', 'zoom_in',
  'zoom_out', 'dolly_zoom', 'overhead', 'low_angle', 'pov', 'selfie', 'tiny_planet',
] as const;
export type CameraMoveId = (typeof CAMERA_MOVE_IDS)[number];

export interface CameraMove {
  /** Luma concept key, when one matches the move (a tracking shot has none). */
  concept?: LumaConceptKey;
  /** The move in words, for the prompt. */
  language: string;
  /** Starts and ends on a similar frame, so a `loop` video does not jump. */
  loopable: boolean;
}

export const CAMERA_MOVES: Record<CameraMoveId, CameraMove> = {
  push_in: { concept: 'push_in', language: 'slow push-in toward the subject', loopable: false },
  pull_out: { concept: 'pull_out', language: 'slow pull-out revealing the surroundings', loopable: false },
  orbit: { concept: 'orbit_left', language: 'smooth orbit around the subject', loopable: true },
  aerial: { concept: 'aerial_drone', language: 'sweeping aerial drone shot', loopable: false },
  crane_up: { concept: 'crane_up', language: 'gentle crane up over the scene', loopable: false },
  pan: { concept: 'pan_right', language: 'slow pan across the scene', loopable: false },
  handheld: { concept: 'handheld', language: 'handheld camera with natural sway', loopable: true },
  static: { concept: 'static', language: 'locked-off static camera', loopable: true },
  tracking: { language: 'smooth tracking shot following the subject', loopable: false },
  zoom_in: { concept: 'zoom_in', language: 'steady zoom in', loopable: false },
  zoom_out: { concept: 'zoom_out', language: 'steady zoom out', loopable: false },
  dolly_zoom: { concept: 'dolly_zoom', language: 'dolly zoom (vertigo effect)', loopable: false },
  overhead: { concept: 'overhead', language: 'top-down overhead shot', loopable: true },
  low_angle: { concept: 'low_angle', language: 'low-angle shot looking up', loopable: true },
  pov: { concept: 'pov', language: 'first-person point-of-view shot', loopable: false },
  selfie: { concept: 'selfie', language: 'selfie-style shot at arm’s length', loopable: true },
  tiny_planet: { concept: 'tiny_planet', language: 'tiny-planet spherical view', loopable: true },
};

/** Camera words a person may write; the first that matches wins (most specific first). */
export const CAMERA_CUES: readonly (readonly [RegExp, CameraMoveId])[] = [
  [/\b(?:dolly[- ]zoom|vertigo effect)\b/i, 'dolly_zoom'],
  [/\b(?:tiny|little) planet\b/i, 'tiny_planet'],
  [/\b(?:drone|aerial|bird'?s[- ]eye)\b/i, 'aerial'],
  [/\b(?:overhead (?:shot|view|angle)|top[- ]down|from above)\b/i, 'overhead'],
  [/\b(?:orbit(?:s|ing)?|circl(?:e|es|ing) around)\b|\b360\s?°?(?!\s?p)/i, 'orbit'],
  [/\b(?:pov|point of view|first[- ]person)\b/i, 'pov'],
  [/\bselfies?\b/i, 'selfie'],
  [/\b(?:handheld|hand-held|shaky cam|vlog)\b/i, 'handheld'],
  [/\b(?:low[- ]angle|from below)\b/i, 'low_angle'],
  [/\bzoom(?:s|ed|ing)? (?:in|into)\b/i, 'zoom_in'],
  [/\bzoom(?:s|ed|ing)? out\b/i, 'zoom_out'],
  [/\b(?:pull(?:s|ed|ing)? (?:back|out)|slow reveal)\b/i, 'pull_out'],
  [/\b(?:close[- ]?ups?|push(?:es|ed|ing)? in)\b/i, 'push_in'],
  [/\b(?:tracking shot|camera follow(?:s|ing)?|follow[- ]cam)\b/i, 'tracking'],
  [/\b(?:panning|pans? across|pan (?:left|right))\b/i, 'pan'],
  [/\b(?:crane shot|rising above|rises above)\b/i, 'crane_up'],
  [/\b(?:time[- ]?lapse|tripod|static shot|still camera)\b/i, 'static'],
];

export function cameraCueIn(text: string): CameraMoveId | undefined {
  for (const [re, move] of CAMERA_CUES) if (re.test(text)) return move;
  return undefined;
}

/** The move a preset suggests when the draft's content does not suggest one. */
export const STYLE_CAMERA: Record<StylePreset, CameraMoveId> = {
  cinematic: 'push_in',
  anime: 'pan',
  documentary: 'handheld',
  vintage: 'static',
  dreamy: 'crane_up',
  noir: 'low_angle',
  vibrant: 'orbit',
  none: 'push_in',
};

/** What the text says that decides the camera (found by the text analysis). */
export interface TextCameraSignals {
  /** A camera move the person named in the draft. */
  cue?: CameraMoveId;
  travel: boolean;
  performance: boolean;
  landscape: boolean;
  food: boolean;
  person: boolean;
}

export interface CameraSignals extends TextCameraSignals {
  hasCharacter: boolean;
  style?: StylePreset;
  loop: boolean;
}

export interface CameraChoice {
  move: CameraMoveId;
  concept?: LumaConceptKey;
  language: string;
  /** Why this move: shown in `parts` and in the analysis. */
  reason: string;
  source: 'text' | 'content' | 'images' | 'style' | 'options' | 'builder';
}

function choice(move: CameraMoveId, reason: string, source: CameraChoice['source']): CameraChoice {
  const m = CAMERA_MOVES[move];
  return { move, ...(m.concept ? { concept: m.concept } : {}), language: m.language, reason, source };
}

/**
 * Precedence: a move the draft names > what the content suggests (a subject travelling → tracking, a performance
 * → orbit, food → push-in, a landscape without people → aerial, a person → push-in) > the preset's move > a slow
 * push-in. A loop video replaces a move that cannot loop (except one the person named) with a static camera, or an
 * orbit around a performance.
 */
export function chooseCamera(s: CameraSignals, warnings?: string[]): CameraChoice {
  if (s.cue) {
    if (s.loop && !CAMERA_MOVES[s.cue].loopable) {
      warnings?.push(`The draft asks for a ${CAMERA_MOVES[s.cue].language}, which does not loop seamlessly; it was kept as written.`);
    }
    return choice(s.cue, 'named in the draft', 'text');
  }
  let picked: CameraChoice | undefined;
  if (s.travel) picked = choice('tracking', 'the subject moves through the scene', 'content');
  else if (s.performance) picked = choice('orbit', 'the subject performs in place', 'content');
  else if (s.food) picked = choice('push_in', 'food and detail read best up close', 'content');
  else if (s.landscape && !s.person && !s.hasCharacter) picked = choice('aerial', 'a wide landscape without people', 'content');
  else if (s.person) picked = choice('push_in', 'a person is the subject', 'content');
  else if (s.hasCharacter) picked = choice('push_in', 'the character photos make a person the subject', 'images');
  else if (s.style && s.style !== 'none') picked = choice(STYLE_CAMERA[s.style], `the ${s.style} style`, 'style');
  else picked = choice('push_in', 'default: a slow push-in suits most scenes', 'builder');
  if (s.loop && !CAMERA_MOVES[picked.move].loopable) {
    return s.performance
      ? choice('orbit', 'loop video: an orbit around the performance loops cleanly', 'options')
      : choice('static', 'loop video: a still camera loops without a jump', 'options');
  }
  return picked;
}
