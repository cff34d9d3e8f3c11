/**
 * Deterministic reading of cleaned draft text: sentences with a "visual" score, and the subject, action, setting
 * and mood of the draft. Word lists are English (see lexicon.ts); other languages get sentence segmentation,
 * emoji/hashtag moods and position-based condensing, and their words are never rewritten.
 */
import { cameraCueIn, type CameraMoveId, type TextCameraSignals } from './camera';
import {
  ACTION_VERBS, CALL_TO_ACTION_RE, CHATTER_RE, DETERMINERS, FOOD_NOUNS, ING_NOUNS, IRREGULAR_PAST, LANDSCAPES,
  MOOD_EMOJI, MOOD_WORDS, PERFORMANCE_VERBS, PERSON_NOUNS, PLACES, SETTING_PREPOSITIONS, SUBJECT_SKIP,
  TIMES_AND_LIGHT, TRAVEL_VERBS, type Mood,
} from './lexicon';
import { foldForCompare, joinSentences, scriptsOf, sentences, truncateAtWord } from './text';

export interface SentenceInfo {
  /** Position in the draft text (0-based). */
  index: number;
  text: string;
  /** How much a camera could show: places, actions, light, mood, camera words. */
  score: number;
  /** A call to action or chatter that shows nothing ("link in bio", "can't wait!"). */
  meta: boolean;
}

export interface TextAnalysis extends TextCameraSignals {
  sentences: SentenceInfo[];
  subject?: string;
  action?: string;
  /** Base form of the action verb ("running" → "run"). */
  actionVerb?: string;
  setting?: string;
  moods: Mood[];
  /** The words or emoji each mood came from, and the draft field holding them. */
  moodCues: string[];
  moodSources: ('title' | 'text' | 'hashtags' | 'emoji')[];
  /** The word lists apply (the text is mostly English). */
  english: boolean;
  scripts: string[];
}

const TOKEN_RE = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
const VERBS: ReadonlySet<string> = new Set(ACTION_VERBS);
const PLACE_SET: ReadonlySet<string> = new Set(PLACES);
const PREPOSITIONS: ReadonlySet<string> = new Set(SETTING_PREPOSITIONS);
const SINGLE_TIMES: ReadonlySet<string> = new Set(TIMES_AND_LIGHT.filter((t) => !t.includes(' ')));
const MULTI_TIMES = TIMES_AND_LIGHT.filter((t) => t.includes(' '));
const ENGLISH_HINTS = new Set(['the', 'a', 'an', 'and', 'of', 'to', 'in', 'is', 'it', 'with', 'on', 'my', 'for', 'at', 'this', 'we', 'i', 'you', 'our', 'was', 'are']);
const AUXILIARIES = new Set(['is', 'are', 'was', 'were', 'am', 'be', 'been', 'being', 'went', 'go', 'goes', 'going', 'got', 'get', 'gets', 'love', 'loves', 'like', 'likes', 'just', 'keeps', 'kept', 'started', 'starts', 'can', 'could', 'will', 'would', "'s", 'to', 'then', 'and', 'all', 'always', 'finally']);
const ACTION_STOPS = new Set(['up', 'down', 'off', 'out', 'back', 'away', 'against', 'toward', 'towards', 'past', 'from', 'while', 'then']);
const SETTING_STOPS = new Set(['with', 'and', 'while', 'because', 'so', 'but', 'who', 'which', 'that', 'when', 'as', 'like', 'where', 'until']);
const COLOR_WORDS = new Set(['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'golden', 'gold', 'silver', 'white', 'black', 'neon', 'pastel', 'bright', 'glowing', 'colorful', 'colourful', 'sparkling', 'shimmering']);

interface Token {
  word: string;
  lower: string;
  start: number;
  end: number;
}

function tokens(text: string): Token[] {
  return Array.from(text.matchAll(TOKEN_RE), (m) => ({
    word: m[0],
    lower: m[0].toLowerCase().replace(/[’]/g, "'"),
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
  }));
}

/** Base form of an action verb, or undefined ("dancing" → "dance", "ran" → "run", "morning" → undefined). */
export function actionBase(lower: string): string | undefined {
  if (VERBS.has(lower)) return lower;
  if (IRREGULAR_PAST[lower]) return IRREGULAR_PAST[lower];
  if (ING_NOUNS.has(lower)) return undefined;
  const candidates: string[] = [];
  for (const [suffix, repl] of [['ing', ''], ['ing', 'e'], ['ed', ''], ['ed', 'e'], ['es', ''], ['s', ''], ['ies', 'y'], ['ied', 'y']] as const) {
    if (lower.endsWith(suffix) && lower.length > suffix.length + 1) candidates.push(lower.slice(0, -suffix.length) + repl);
  }
  for (const c of candidates) {
    if (VERBS.has(c)) return c;
    // Doubled final consonant: running → runn → run, swimming → swim.
    if (c.length > 2 && c[c.length - 1] === c[c.length - 2] && VERBS.has(c.slice(0, -1))) return c.slice(0, -1);
  }
  return undefined;
}

function placeBase(lower: string): string | undefined {
  if (PLACE_SET.has(lower)) return lower;
  if (lower.endsWith('es') && PLACE_SET.has(lower.slice(0, -2))) return lower.slice(0, -2);
  if (lower.endsWith('s') && PLACE_SET.has(lower.slice(0, -1))) return lower.slice(0, -1);
  return undefined;
}

function isTimeWord(lower: string): boolean {
  return SINGLE_TIMES.has(lower);
}

function moodOfWord(lower: string): Mood | undefined {
  return Object.prototype.hasOwnProperty.call(MOOD_WORDS, lower) ? MOOD_WORDS[lower] : undefined;
}

function moodOfEmoji(emoji: string): Mood | undefined {
  return Object.prototype.hasOwnProperty.call(MOOD_EMOJI, emoji) ? MOOD_EMOJI[emoji] : undefined;
}

function looksEnglish(text: string): boolean {
  const toks = tokens(text).map((t) => t.lower);
  const latin = toks.filter((t) => /^[a-z'’-]+$/.test(t));
  if (!toks.length || latin.length / toks.length < 0.6) return false;
  const hits = latin.filter((t) => ENGLISH_HINTS.has(t) || actionBase(t) || placeBase(t) || moodOfWord(t) || PERSON_NOUNS.has(t)).length;
  return latin.length <= 4 ? hits >= 1 : hits >= 2 || hits / latin.length >= 0.15;
}

function scoreSentence(text: string, english: boolean): { score: number; meta: boolean } {
  // Calls to action, chatter, and "sentences" with neither letters nor emoji ("3.", "—").
  const meta = CALL_TO_ACTION_RE.test(text) || CHATTER_RE.test(text) || !/[\p{L}\p{Extended_Pictographic}]/u.test(text);
  if (!english) return { score: 0, meta };
  let score = 0;
  const lowerText = text.toLowerCase();
  for (const t of tokens(text)) {
    if (placeBase(t.lower)) score += 2;
    else if (actionBase(t.lower)) score += 2;
    else if (isTimeWord(t.lower) || COLOR_WORDS.has(t.lower)) score += 1;
    else if (moodOfWord(t.lower)) score += 1;
  }
  for (const m of MULTI_TIMES) if (lowerText.includes(m)) score += 1;
  if (cameraCueIn(text)) score += 2;
  if (/[?？]\s*$/u.test(text)) score -= 1;
  return { score, meta };
}

/** Clause-trimmed phrase of at most `max` tokens starting at token `from`. */
function phrase(text: string, toks: Token[], from: number, to: number): string {
  if (from >= to) return '';
  return text.slice(toks[from]!.start, toks[to - 1]!.end);
}

/** Index of the first token of the clause that holds token `at`. */
function clauseStart(text: string, toks: Token[], at: number): number {
  for (let i = at; i > 0; i--) {
    const gap = text.slice(toks[i - 1]!.end, toks[i]!.start);
    if (/[,.;:!?…()\n—–]/u.test(gap)) return i;
  }
  return 0;
}

/** Index of the first token after `from` that is in another clause (punctuation between tokens). */
function clauseEnd(text: string, toks: Token[], from: number): number {
  for (let i = from + 1; i < toks.length; i++) {
    const gap = text.slice(toks[i - 1]!.end, toks[i]!.start);
    if (/[,.;:!?…()\n—–]/u.test(gap)) return i;
  }
  return toks.length;
}

interface Extracted {
  subject?: string;
  action?: string;
  actionVerb?: string;
  setting?: string;
}

function extractFromSentence(text: string): Extracted {
  const toks = tokens(text);
  const out: Extracted = {};
  // Action: the first verb form that is not used as a noun ("a walk", "the run"), with up to two words of object.
  let verbAt = -1;
  for (let i = 0; i < toks.length; i++) {
    const base = actionBase(toks[i]!.lower);
    if (!base) continue;
    if (i > 0 && DETERMINERS.has(toks[i - 1]!.lower)) continue;
    const next = toks[i + 1]?.lower ?? '';
    // "reading nook", "swimming pool": an -ing word naming a kind of place is not an action.
    if (toks[i]!.lower.endsWith('ing') && placeBase(next)) continue;
    // "waves crashing", "leaves falling": a plural noun that looks like a verb, followed by the real verb.
    if (next.endsWith('ing') && actionBase(next) && !toks[i]!.lower.endsWith('ing')) continue;
    verbAt = i;
    out.actionVerb = base;
    let end = Math.min(clauseEnd(text, toks, i), i + 3);
    for (let j = i + 1; j < end; j++) {
      const lw = toks[j]!.lower;
      if (PREPOSITIONS.has(lw) || SETTING_STOPS.has(lw) || ACTION_STOPS.has(lw) || (DETERMINERS.has(lw) && j + 1 >= end)) {
        end = j;
        break;
      }
    }
    out.action = phrase(text, toks, i, end);
    break;
  }
  // Subject: the noun phrase that opens the verb's clause (up to a preposition: "Kids on bicycles" → "Kids"),
  // or the sentence's first noun phrase when there is no verb.
  let start = verbAt >= 0 ? clauseStart(text, toks, verbAt) : 0;
  while (start < toks.length && SUBJECT_SKIP.has(toks[start]!.lower)) start++;
  let end = verbAt >= 0 ? verbAt : clauseEnd(text, toks, start);
  for (let j = start + 1; j < end; j++) {
    const lw = toks[j]!.lower;
    if (PREPOSITIONS.has(lw) || SETTING_STOPS.has(lw) || AUXILIARIES.has(lw)) {
      end = j;
      break;
    }
  }
  while (end > start && AUXILIARIES.has(toks[end - 1]!.lower)) end--;
  end = Math.min(end, start + 6);
  if (end > start && !PREPOSITIONS.has(toks[start]!.lower)) {
    out.subject = phrase(text, toks, start, end).replace(/['’](?:m|re|s|ve|ll|d)$/i, '');
  }
  // Setting: a prepositional phrase containing a place or a time ("on the beach at sunset").
  for (let i = 0; i < toks.length; i++) {
    if (!PREPOSITIONS.has(toks[i]!.lower)) continue;
    const stop = clauseEnd(text, toks, i);
    let last = -1;
    for (let j = i + 1; j < Math.min(stop, i + 9); j++) {
      const lw = toks[j]!.lower;
      if (SETTING_STOPS.has(lw)) break;
      if (placeBase(lw) || isTimeWord(lw)) last = j;
      else if (j > i + 1 && PREPOSITIONS.has(lw) && last < 0) break;
    }
    if (last >= 0) {
      out.setting = phrase(text, toks, i, last + 1);
      break;
    }
  }
  if (!out.setting) {
    const time = toks.find((t) => isTimeWord(t.lower) || placeBase(t.lower));
    if (time) out.setting = time.word;
  }
  return out;
}

export function analyzeText(text: string, extra: { title?: string; hashtags?: readonly string[] } = {}): TextAnalysis {
  const all = [extra.title ?? '', text, ...(extra.hashtags ?? [])].join('\n');
  const english = looksEnglish(all);
  const seen = new Set<string>();
  const infos: SentenceInfo[] = [];
  sentences(text).forEach((s, index) => {
    const key = foldForCompare(s);
    if (key && seen.has(key)) return; // the same line pasted twice
    seen.add(key);
    infos.push({ index, text: s, ...scoreSentence(s, english) });
  });

  const analysis: TextAnalysis = {
    sentences: infos,
    moods: [],
    moodCues: [],
    moodSources: [],
    travel: false,
    performance: false,
    landscape: false,
    food: false,
    person: false,
    english,
    scripts: scriptsOf(all),
  };
  const cue = cameraCueIn(all);
  if (cue) analysis.cue = cue;

  // Moods: words first (they are more specific), then emoji, each in order of first appearance; two at most.
  const found: { mood: Mood; cue: string }[] = [];
  const add = (mood: Mood | undefined, cue: string) => {
    if (mood && !found.some((f) => f.mood === mood)) found.push({ mood, cue });
  };
  if (english) for (const t of tokens(all)) add(moodOfWord(t.lower), t.word);
  for (const m of all.matchAll(/\p{Extended_Pictographic}/gu)) add(moodOfEmoji(m[0]), m[0]);
  analysis.moods = found.slice(0, 2).map((f) => f.mood);
  analysis.moodCues = found.slice(0, 2).map((f) => f.cue);
  const has = (field: string, cue: string) => new RegExp(`(?<![\\p{L}\\p{N}])${cue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'iu').test(field);
  analysis.moodSources = analysis.moodCues.map((cue) =>
    /\p{L}/u.test(cue)
      ? has(text, cue) ? 'text' : extra.title && has(extra.title, cue) ? 'title' : 'hashtags'
      : 'emoji',
  );

  if (!english) return analysis;

  // Camera signals: from the title and the lead sentence (the main scene) when they give any, else the whole text.
  const signals = (text: string) => {
    const sig = { travel: false, performance: false, landscape: false, food: false, person: false };
    for (const t of tokens(text)) {
      const verb = actionBase(t.lower);
      if (verb && TRAVEL_VERBS.has(verb)) sig.travel = true;
      if (verb && PERFORMANCE_VERBS.has(verb)) sig.performance = true;
      const place = placeBase(t.lower);
      if (place && LANDSCAPES.has(place)) sig.landscape = true;
      if (FOOD_NOUNS.has(t.lower)) sig.food = true;
      if (PERSON_NOUNS.has(t.lower)) sig.person = true;
    }
    return sig;
  };
  const applySignals = (sig: ReturnType<typeof signals>) => Object.assign(analysis, sig);

  // Subject, action and setting come from the most visual of the first sentences (ties: the earliest).
  const titleInfo: SentenceInfo[] = extra.title ? [{ index: -1, text: extra.title, score: scoreSentence(extra.title, true).score, meta: false }] : [];
  const candidates = [...titleInfo, ...infos].filter((s) => !s.meta);
  const lead = [...candidates.slice(0, 4)].sort((a, b) => b.score - a.score || a.index - b.index)[0];
  const leadSignals = signals([extra.title ?? '', lead?.text ?? ''].join('\n'));
  const anyLead = leadSignals.travel || leadSignals.performance || leadSignals.landscape || leadSignals.food;
  applySignals(anyLead ? leadSignals : signals(all));
  if (lead) {
    const ex = extractFromSentence(lead.text);
    for (const s of candidates) {
      if (ex.subject && ex.action && ex.setting) break;
      if (s === lead) continue;
      const more = extractFromSentence(s.text);
      if (!ex.action && more.action) {
        ex.action = more.action;
        ex.actionVerb = more.actionVerb;
      }
      if (!ex.setting && more.setting) ex.setting = more.setting;
      if (!ex.subject && more.subject) ex.subject = more.subject;
    }
    if (ex.subject) analysis.subject = truncateAtWord(ex.subject, 80);
    if (ex.action) analysis.action = truncateAtWord(ex.action, 80);
    if (ex.actionVerb) analysis.actionVerb = ex.actionVerb;
    if (ex.setting) analysis.setting = truncateAtWord(ex.setting, 100);
  }
  return analysis;
}

export interface Selection {
  text: string;
  kept: number[];
  dropped: { meta: number; forLength: number };
  truncated: boolean;
}

/**
 * The sentences that go into the prompt, in draft order, within `budget` characters: calls to action are left
 * out when anything else remains; when the rest is too long the first sentence stays (it usually names the
 * topic) and the most visual of the others fill the budget (ties: earlier first); a single overlong sentence is
 * cut at a word boundary.
 */
export function selectSentences(infos: readonly SentenceInfo[], budget: number): Selection {
  const nonMeta = infos.filter((s) => !s.meta);
  const pool = nonMeta.length ? nonMeta : [...infos];
  const metaDropped = infos.length - pool.length;
  const join = (list: readonly SentenceInfo[]) => joinSentences(list.map((s) => s.text));
  if (join(pool).length <= budget) {
    return { text: join(pool), kept: pool.map((s) => s.index), dropped: { meta: metaDropped, forLength: 0 }, truncated: false };
  }
  const chosen: SentenceInfo[] = [pool[0]!];
  let used = pool[0]!.text.length;
  const rest = pool.slice(1).sort((a, b) => b.score - a.score || a.index - b.index);
  for (const s of rest) {
    // Counting a space per sentence over-estimates CJK joins: the result can only be shorter than `used`.
    if (used + 1 + s.text.length <= budget) {
      chosen.push(s);
      used += 1 + s.text.length;
    }
  }
  chosen.sort((a, b) => a.index - b.index);
  let text = join(chosen);
  let truncated = false;
  if (text.length > budget) {
    text = truncateAtWord(text, budget);
    truncated = true;
  }
  return {
    text,
    kept: chosen.map((s) => s.index),
    dropped: { meta: metaDropped, forLength: pool.length - chosen.length },
    truncated,
  };
}
