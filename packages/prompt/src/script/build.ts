/**
 * Draft → shot script. Deterministic: the same draft and options give the same script.
 *
 * - Length: '5s' | '9s' | seconds (1–60). Durations are whole milliseconds split as evenly as the length allows
 *   (in 100 ms steps when it divides, else 10 ms, else 1 ms; earlier scenes take the remainder), so they always
 *   add up to exactly the length.
 * - Shots: the person's choice, else about one per 4.5 s (a Luma clip is 5 s), within 1–9 s per shot.
 * - Framing follows a simple arc: establishing → medium/detail → close-up → closing (one shot: "single").
 * - Words: the draft's sentences that show something (calls to action left out), split in order over the shots;
 *   with fewer sentences than shots, shots reuse them and vary the framing (the establishing shot leads with the
 *   setting, the close-up with the subject); a draft without words describes its images.
 * - Camera per shot: a move named in the shot's words, else the shot type's move (establishing: aerial over a
 *   landscape, else a pan; medium: what the content suggests; close-up: push-in; detail: static; closing: pull-out).
 */
import { PipelineError, type Draft } from '@d2v/schema';
import { cameraCueIn, chooseCamera, type CameraMoveId } from '../camera';
import { prepareDraft, type PreparedDraft } from '../plan';
import { joinSentences, truncateAtWord } from '../text';
import { analyzeText } from '../analyze';
import { describeIssues } from './issues';
import { SCRIPT_LIMITS, ScriptDurationSchema, ScriptSchema, type Scene, type Script, type ScriptDuration, type ShotType } from './types';

export interface BuildScriptOptions {
  duration: ScriptDuration;
  shots?: number;
  /** Hosts image links may point at (the same list the pipeline uses); default none. */
  imageHostAllowList?: readonly string[];
}

const DESCRIPTION_TARGET = 400;

export function durationToMs(duration: ScriptDuration): number {
  const parsed = ScriptDurationSchema.safeParse(duration);
  if (!parsed.success) {
    throw new PipelineError(
      'INVALID_REQUEST',
      `A script lasts 5s, 9s or a number of seconds from ${SCRIPT_LIMITS.minTotalMs / 1000} to ${SCRIPT_LIMITS.maxTotalMs / 1000}.`,
    );
  }
  const d = parsed.data;
  return d === '5s' ? 5_000 : d === '9s' ? 9_000 : Math.round(d * 1000);
}

export function shotRange(totalMs: number): { min: number; max: number } {
  return {
    min: Math.max(1, Math.ceil(totalMs / SCRIPT_LIMITS.maxSceneMs)),
    max: Math.min(SCRIPT_LIMITS.maxScenes, Math.floor(totalMs / SCRIPT_LIMITS.minSceneMs)),
  };
}

export function defaultShotCount(totalMs: number): number {
  const { min, max } = shotRange(totalMs);
  return Math.min(max, Math.max(min, Math.round(totalMs / 4_500)));
}

/** Splits `totalMs` into `shots` durations that add up exactly (coarsest step that divides the total). */
export function splitDuration(totalMs: number, shots: number): number[] {
  const step = totalMs % 100 === 0 ? 100 : totalMs % 10 === 0 ? 10 : 1;
  const units = totalMs / step;
  const base = Math.floor(units / shots);
  const extra = units % shots;
  return Array.from({ length: shots }, (_, i) => (base + (i < extra ? 1 : 0)) * step);
}

export function shotTypes(n: number): ShotType[] {
  if (n === 1) return ['single'];
  if (n === 2) return ['establishing', 'close_up'];
  if (n === 3) return ['establishing', 'medium', 'close_up'];
  const middle = Array.from({ length: n - 3 }, (_, i) => (i % 2 === 0 ? 'medium' : 'detail') as ShotType);
  return ['establishing', ...middle, 'close_up', 'closing'];
}

function capitalize(s: string): string {
  const first = s.codePointAt(0);
  if (first === undefined) return s;
  const ch = String.fromCodePoint(first);
  return ch.toUpperCase() + s.slice(ch.length);
}

const DETERMINER_START = /^(?:a|an|the|my|our|your|his|her|their|this|that|these|those|some)\b/i;

function lowerFirst(s: string): string {
  // Only a leading determiner is lowered: names ("Emma", "Tokyo") stay as written.
  return DETERMINER_START.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** "I", "we" … are the author: the character photos' person when there are any, else a person. */
function personFor(subject: string, prep: PreparedDraft): string {
  const lower = subject.toLowerCase();
  if (!/^(?:i|me|we|us|myself|ourselves)$/.test(lower)) return subject;
  if (prep.images.characters.length) return 'the person from the character photos';
  return lower === 'we' || lower === 'us' || lower === 'ourselves' ? 'a group of friends' : 'a person';
}

/** The words for the shots when the draft has none: its themes, else its images. */
function wordlessDescription(prep: PreparedDraft): { text: string; from: string } {
  if (prep.themes.length) return { text: capitalize(prep.themes.join(', ')), from: prep.themeTags.join(' ') };
  const { images } = prep;
  if (images.characters.length && images.references.length) return { text: 'The person from the character photos in the scene of the reference images', from: 'characterImages + referenceImages' };
  if (images.characters.length) return { text: 'The person from the character photos', from: 'characterImages' };
  if (images.references.length) return { text: 'The scene of the reference images', from: 'referenceImages' };
  return { text: 'A scene in the look of the style image', from: 'styleImage' };
}

function cameraFor(shot: ShotType, description: string, prep: PreparedDraft, style: Draft['style']): CameraMoveId {
  const cue = cameraCueIn(description);
  if (cue) return cue;
  const local = analyzeText(description);
  const global = prep.analysis;
  switch (shot) {
    case 'establishing':
      return local.landscape || (global.landscape && !global.person) ? 'aerial' : 'pan';
    case 'close_up':
      return 'push_in';
    case 'detail':
      return 'static';
    case 'closing':
      return style === 'dreamy' ? 'crane_up' : 'pull_out';
    case 'single':
    case 'medium':
      return chooseCamera({
        travel: local.travel || (shot === 'single' && global.travel),
        performance: local.performance || (shot === 'single' && global.performance),
        landscape: local.landscape,
        food: local.food,
        person: local.person || global.person,
        hasCharacter: prep.images.characters.length > 0,
        ...(style ? { style } : {}),
        loop: false,
      }).move;
  }
}

export function buildScript(draft: Draft, opts: BuildScriptOptions): Script {
  const totalMs = durationToMs(opts.duration);
  const range = shotRange(totalMs);
  let shots = defaultShotCount(totalMs);
  if (opts.shots !== undefined) {
    if (!Number.isInteger(opts.shots) || opts.shots < range.min || opts.shots > range.max) {
      throw new PipelineError(
        'INVALID_REQUEST',
        `A ${totalMs / 1000} s script can have ${range.min === range.max ? range.min : `${range.min} to ${range.max}`} shot${range.max > 1 ? 's' : ''} ` +
          `(each shot lasts ${SCRIPT_LIMITS.minSceneMs / 1000}–${SCRIPT_LIMITS.maxSceneMs / 1000} s); ${opts.shots} was asked for.`,
      );
    }
    shots = opts.shots;
  }
  const prep = prepareDraft(draft, opts.imageHostAllowList ?? []);
  const durations = splitDuration(totalMs, shots);
  const types = shotTypes(shots);

  const a = prep.analysis;
  const units = a.sentences.filter((s) => !s.meta).length ? a.sentences.filter((s) => !s.meta) : a.sentences;
  const titled = prep.title ? [{ index: -1, text: prep.title, score: 0, meta: false }] : [];
  const pool = units.length ? units : titled;
  const fallback = wordlessDescription(prep);

  const scenes: Scene[] = types.map((shot, i) => {
    let description: string;
    let from: string;
    if (!pool.length) {
      description = fallback.text;
      from = fallback.from;
    } else if (pool.length >= shots) {
      // One moment per shot (Luma follows one action beat best): the most visual sentence of this shot's share
      // of the draft, with its neighbour (the next, else the previous) when both are short.
      const group = pool.slice(Math.floor((i * pool.length) / shots), Math.floor(((i + 1) * pool.length) / shots));
      const best = [...group].sort((x, y) => y.score - x.score || x.index - y.index)[0]!;
      const at = group.indexOf(best);
      const neighbour = group[at + 1] ?? group[at - 1];
      const chosen = neighbour && best.text.length + neighbour.text.length < 250 ? [best, neighbour].sort((x, y) => x.index - y.index) : [best];
      description = joinSentences(chosen.map((s) => s.text));
      const nums = chosen.map((s) => s.index + 1);
      const range = group.length > 1 ? ` (the most visual of sentences ${group[0]!.index + 1}–${group[group.length - 1]!.index + 1})` : '';
      from = chosen[0]!.index < 0 ? 'title' : `sentence${nums.length > 1 ? 's' : ''} ${nums.join(' and ')} of the text${range}`;
    } else {
      const unit = pool[Math.floor((i * pool.length) / shots)]!;
      const where = unit.index < 0 ? 'the title' : `sentence ${unit.index + 1} of the text`;
      description = unit.text;
      from = where;
      const local = analyzeText(unit.text);
      const subject = local.subject ? personFor(local.subject, prep) : undefined;
      if (shot === 'establishing' && local.setting && local.english) {
        const place = capitalize(local.setting.replace(/^(?:in|at|on|inside|by|near|over|under|across|along|through|into|around)\s+/i, ''));
        description = subject ? (DETERMINER_START.test(subject) || /^\p{Ll}/u.test(subject) ? `${place}, with ${lowerFirst(subject)}` : `${place}: ${subject}`) : place;
        from = `the setting${subject ? ' and subject' : ''} of ${where}`;
      } else if ((shot === 'close_up' || shot === 'detail') && subject && local.english) {
        description = `${capitalize(subject)}${local.action ? ` ${local.action}` : ''}`;
        from = `the subject${local.action ? ' and action' : ''} of ${where}`;
      }
    }
    description = truncateAtWord(description, DESCRIPTION_TARGET);
    return { n: i + 1, durationMs: durations[i]!, shot, description, camera: cameraFor(shot, description, prep, draft.style), from };
  });

  const script: Script = {
    version: 1,
    uid: draft.uid,
    draftId: draft.id,
    ...(prep.cleanTitle ? { title: prep.cleanTitle } : {}),
    totalMs,
    ...(draft.style ? { style: draft.style } : {}),
    moods: a.moods,
    images: {
      referenceImages: draft.referenceImages ?? [],
      characterImages: draft.characterImages ?? [],
      ...(draft.styleImage ? { styleImage: draft.styleImage } : {}),
    },
    scenes,
    ...(prep.warnings.length ? { warnings: prep.warnings } : {}),
  };
  // The builder's own output must pass the schema an edited script has to pass.
  const checked = ScriptSchema.safeParse(script);
  if (!checked.success) {
    throw new PipelineError('INVALID_REQUEST', `The draft could not be turned into a script: ${describeIssues(checked.error.issues)}`);
  }
  return checked.data;
}
