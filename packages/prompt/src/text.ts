/**
 * Unicode-safe text helpers. Nothing here knows about drafts or Luma; everything is deterministic and works the
 * same for Latin, CJK, RTL scripts and emoji (cuts only between graphemes, never inside a surrogate pair,
 * a combining sequence or a ZWJ emoji).
 */

/**
 * One segmenter per granularity, built on first use: a process's first Intl.Segmenter costs ~20 ms (ICU loads
 * its break-iterator data), and most processes that load this module (every Cloud Function) never segment.
 */
const segmenters = new Map<Intl.SegmenterOptions['granularity'], Intl.Segmenter>();
function segmenter(granularity: 'word' | 'sentence' | 'grapheme'): Intl.Segmenter {
  let made = segmenters.get(granularity);
  if (!made) segmenters.set(granularity, (made = new Intl.Segmenter('und', { granularity })));
  return made;
}

/** Unpaired UTF-16 surrogates (invalid text; Luma's JSON parser may reject them). */
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** C0/C1 controls except tab and line feed. */
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/**
 * Invisible characters with no place in a prompt: bidi embeddings/overrides/isolates (a spoofing vector),
 * zero-width space, word joiner, BOM, soft hyphen. ZWJ (U+200D), ZWNJ (U+200C, needed by Persian and Indic
 * scripts) and variation selectors (emoji presentation) are kept.
 */
const INVISIBLE_RE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF\u00AD]/g;

/** NFC, no broken surrogates, no control or invisible characters, `\r\n` → `\n`. Counts what it removed. */
export function cleanUnicode(input: string): { text: string; removed: number } {
  let removed = 0;
  const drop = (re: RegExp) => (s: string) =>
    s.replace(re, () => {
      removed++;
      return '';
    });
  let text = drop(LONE_SURROGATE_RE)(input).replace(/\r\n?/g, '\n').normalize('NFC');
  text = drop(CONTROL_RE)(text);
  text = drop(INVISIBLE_RE)(text);
  return { text: text.replace(/\t/g, ' '), removed };
}

export function isWellFormed(s: string): boolean {
  return !new RegExp(LONE_SURROGATE_RE.source).test(s);
}

/** Graphemes (user-perceived characters). Slow on long text: use on short strings only. */
export function graphemes(s: string): string[] {
  return Array.from(segmenter('grapheme').segment(s), (g) => g.segment);
}

/** Sentences, trimmed, empty ones dropped. Line breaks end a sentence (social posts often skip the period). */
export function sentences(s: string): string[] {
  const out: string[] = [];
  for (const seg of segmenter('sentence').segment(s)) {
    const t = seg.segment.replace(/\s+/g, ' ').trim();
    if (t) out.push(t);
  }
  return out;
}

/** Han, Hiragana, Katakana, Hangul, Thai: scripts written without spaces between words. */
export const DENSE_SCRIPT_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

const SCRIPT_NAMES = [
  'Latin', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Devanagari', 'Bengali', 'Tamil', 'Thai', 'Han',
  'Hiragana', 'Katakana', 'Hangul', 'Armenian', 'Georgian', 'Ethiopic',
] as const;
const SCRIPT_RES = SCRIPT_NAMES.map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);
const EMOJI_RE = /\p{Extended_Pictographic}/u;

/** Which writing systems (and whether emoji) appear, in a fixed order. */
export function scriptsOf(s: string): string[] {
  const found: string[] = SCRIPT_RES.filter(([, re]) => re.test(s)).map(([name]) => name);
  if (EMOJI_RE.test(s)) found.push('Emoji');
  return found;
}

/** Ends with sentence punctuation of any script (., !, ?, …, 。, ！, ？, ؟, ।, ။). */
export function endsSentence(s: string): boolean {
  // An emoji closes a social-media sentence as well as a full stop does ("Golden hour 🌅").
  return /(?:[.!?…。！？؟।။]["'”’»)\]]*|\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]*|\p{Regional_Indicator}{2})$/u.test(s);
}

/** Adds a full stop that suits the script when the text does not already end a sentence. */
export function asSentence(s: string): string {
  const t = s.trim().replace(/[\s,;:–—-]+$/u, '');
  if (!t || endsSentence(t)) return t;
  const last = String.fromCodePoint(t.codePointAt(t.length - 1 - (/[\uDC00-\uDFFF]$/.test(t) ? 1 : 0)) ?? 0);
  return /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(last) ? `${t}。` : `${t}.`;
}

/**
 * Cuts `text` to at most `max` UTF-16 code units at the last word boundary (for scripts without spaces: the last
 * ICU word boundary), never inside a grapheme. Trailing separators are trimmed. A single word longer than
 * `max` is cut at a grapheme boundary.
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  let lastBoundary = '';
  for (const seg of segmenter('word').segment(text)) {
    if (out.length + seg.segment.length > max) {
      if (!lastBoundary) lastBoundary = cutGraphemes(seg.segment, max - out.length, out);
      break;
    }
    out += seg.segment;
    if (seg.isWordLike || /\S/u.test(seg.segment)) lastBoundary = out;
  }
  return lastBoundary.replace(/[\s,;:–—-]+$/u, '');
}

function cutGraphemes(segment: string, room: number, prefix: string): string {
  let out = prefix;
  for (const g of graphemes(segment)) {
    if (out.length - prefix.length + g.length > room) break;
    out += g;
  }
  return out;
}

/** Joins sentences with a space, except between sentences of scripts written without spaces ("。猫が"). */
export function joinSentences(list: readonly string[]): string {
  let out = '';
  for (const s of list) {
    if (!s) continue;
    if (!out) out = s;
    else if (/[。！？、」』）]$/u.test(out) && DENSE_SCRIPT_RE.test(s.slice(0, 2))) out += s;
    else out += ` ${s}`;
  }
  return out;
}

/** Lower-case, accent-insensitive, single-spaced form for comparing phrases ("Café  Paris" ~ "cafe paris"). */
export function foldForCompare(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
