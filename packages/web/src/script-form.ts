/**
 * The script editor's model: a script as the form holds it (durations as the typed text, a stable key per scene
 * so fields keep focus when scenes move), turned back into a script and checked with the very parser the server
 * runs (@d2v/prompt's `checkScript`, browser-safe), its issues worded for a person and attached to their fields.
 * The script's length follows its scenes: the total is their sum, so "the durations must add up" always holds
 * and the whole-script limit (1–60 s) is what is checked instead.
 */
import {
  CAMERA_MOVE_IDS,
  CAMERA_MOVES,
  SCRIPT_LIMITS,
  SHOT_TYPES,
  checkScript,
  type CameraMoveId,
  type Script,
  type ScriptIssue,
  type ShotType,
} from '@d2v/prompt/script-schema';

export { CAMERA_MOVE_IDS, CAMERA_MOVES, SCRIPT_LIMITS, SHOT_TYPES, type CameraMoveId, type Script, type ShotType };

export interface SceneForm {
  key: string;
  shot: ShotType;
  description: string;
  /** Seconds, as typed. */
  seconds: string;
  camera: CameraMoveId;
  from?: string;
}

export interface ScriptForm {
  /** Everything but the scenes and the total, kept as the server wrote it (owner, draft, images, moods…). */
  base: Omit<Script, 'scenes' | 'totalMs'>;
  scenes: SceneForm[];
}

export const SHOT_LABELS: Record<ShotType, string> = {
  single: 'Single shot',
  establishing: 'Establishing',
  medium: 'Medium',
  close_up: 'Close-up',
  detail: 'Detail',
  closing: 'Closing',
};

export function cameraLabel(id: CameraMoveId): string {
  return `${id.replace(/_/g, ' ')} — ${CAMERA_MOVES[id].language}`;
}

let nextKey = 0;
const newKey = () => `scene-${++nextKey}`;

const secondsText = (ms: number) => String(ms / 1000);

export function formOf(script: Script): ScriptForm {
  const { scenes, totalMs: _total, ...base } = script;
  return {
    base,
    scenes: scenes.map((s) => ({ key: newKey(), shot: s.shot, description: s.description, seconds: secondsText(s.durationMs), camera: s.camera, ...(s.from ? { from: s.from } : {}) })),
  };
}

/** The typed seconds in whole milliseconds (NaN when it is not a number). */
export function msOf(seconds: string): number {
  const text = seconds.trim().replace(',', '.');
  return text === '' ? NaN : Math.round(Number(text) * 1000);
}

/** The form as the script the server would get (unchecked): scenes numbered in order, the total their sum. */
export function scriptOf(form: ScriptForm): unknown {
  const scenes = form.scenes.map((s, i) => ({ n: i + 1, durationMs: msOf(s.seconds), shot: s.shot, description: s.description, camera: s.camera, ...(s.from ? { from: s.from } : {}) }));
  return { ...form.base, totalMs: scenes.reduce((sum, s) => sum + (Number.isFinite(s.durationMs) ? s.durationMs : 0), 0), scenes };
}

export interface FormCheck {
  /** The script as the server will store it; absent while something is wrong. */
  script?: Script;
  totalMs: number;
  /** By scene key and field: `durationMs`, `description`, `camera`, `shot`. */
  fields: Record<string, Partial<Record<'durationMs' | 'description' | 'camera' | 'shot', string>>>;
  /** Problems of the script as a whole. */
  general: string[];
}

const s = (ms: number) => `${ms / 1000} s`;

function sentence(issue: ScriptIssue, field: string | undefined, totalMs: number): string {
  const L = SCRIPT_LIMITS;
  switch (field) {
    case 'durationMs':
      return `A shot lasts ${s(L.minSceneMs)} to ${s(L.maxSceneMs)}: enter its length in seconds.`;
    case 'description':
      return issue.code === 'too_big' ? `At most ${L.maxDescription} characters.` : 'Write what the shot shows: this is its prompt.';
    case 'camera':
      return 'Pick a camera move from the list.';
    case 'shot':
      return 'Pick a framing from the list.';
  }
  if (issue.path[0] === 'totalMs') return `The whole video lasts ${s(L.minTotalMs)} to ${s(L.maxTotalMs)}; the shots now add up to ${s(totalMs)}.`;
  if (issue.path[0] === 'scenes' && issue.path.length === 1 && issue.code === 'too_big') return `A script has at most ${L.maxScenes} shots.`;
  if (issue.path[0] === 'scenes' && issue.path.length === 1 && issue.code === 'too_small') return 'A script needs at least one shot.';
  return `${issue.path.join('.') || 'script'}: ${issue.message}`;
}

/** Checks the form with the server's parser; every issue lands on its field or in `general`. */
export function checkForm(form: ScriptForm): FormCheck {
  const candidate = scriptOf(form) as { totalMs: number };
  const checked = checkScript(candidate);
  if (checked.ok) return { script: checked.script, totalMs: candidate.totalMs, fields: {}, general: [] };
  const fields: FormCheck['fields'] = {};
  const general: string[] = [];
  for (const issue of checked.issues) {
    const [top, index, field] = issue.path;
    const scene = top === 'scenes' && typeof index === 'number' ? form.scenes[index] : undefined;
    if (scene && (field === 'durationMs' || field === 'description' || field === 'camera' || field === 'shot')) {
      (fields[scene.key] ??= {})[field] ??= sentence(issue, field, candidate.totalMs);
    } else if (!(top === 'scenes' && issue.path.length === 1 && issue.code === 'custom')) {
      // (The "durations add up" rule can only fail here through a duration that is not a number, named at its field.)
      const text = sentence(issue, undefined, candidate.totalMs);
      if (!general.includes(text)) general.push(text);
    }
  }
  return { totalMs: candidate.totalMs, fields, general };
}

export function newScene(): SceneForm {
  return { key: newKey(), shot: 'medium', description: '', seconds: '3', camera: 'static' };
}

export function moveScene(form: ScriptForm, key: string, by: -1 | 1): ScriptForm {
  const at = form.scenes.findIndex((s) => s.key === key);
  const to = at + by;
  if (at < 0 || to < 0 || to >= form.scenes.length) return form;
  const scenes = [...form.scenes];
  [scenes[at], scenes[to]] = [scenes[to]!, scenes[at]!];
  return { ...form, scenes };
}

export function updateScene(form: ScriptForm, key: string, patch: Partial<SceneForm>): ScriptForm {
  return { ...form, scenes: form.scenes.map((s) => (s.key === key ? { ...s, ...patch } : s)) };
}

export function removeScene(form: ScriptForm, key: string): ScriptForm {
  return { ...form, scenes: form.scenes.filter((s) => s.key !== key) };
}
