/**
 * Text that must never reach Luma (contact data, links) and social syntax it would misread.
 * Each rule is a named pattern so the builder can report what it removed.
 */
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>()]+/gi;
const EMAIL_RE = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
const PHONE_RE = /(?<![\w])\+?\d[\d\s().-]{7,}\d(?![\w])/g;
const MENTION_RE = /(^|\s)@[\w.]+/g;
const HASHTAG_RE = /#([\p{L}\p{N}_]+)/gu;

export interface SanitizeReport {
  text: string;
  removed: { urls: number; emails: number; phones: number; mentions: number };
  hashtags: string[];
}

/** `#sunsetVibes_2024` → "sunset vibes 2024". */
export function hashtagToWords(tag: string): string {
  return tag
    .replace(/_/g, ' ')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .trim();
}

export function sanitizeDraftText(input: string): SanitizeReport {
  const count = (re: RegExp, s: string) => (s.match(re) ?? []).length;
  let text = input.normalize('NFC');
  const removed = { urls: count(URL_RE, text), emails: 0, phones: 0, mentions: 0 };
  text = text.replace(URL_RE, ' ');
  removed.emails = count(EMAIL_RE, text);
  text = text.replace(EMAIL_RE, ' ');
  removed.phones = count(PHONE_RE, text);
  text = text.replace(PHONE_RE, ' ');
  removed.mentions = count(MENTION_RE, text);
  text = text.replace(MENTION_RE, '$1');
  const hashtags: string[] = [];
  text = text.replace(HASHTAG_RE, (_m, tag: string) => {
    const words = hashtagToWords(tag);
    hashtags.push(words);
    return words;
  });
  text = text.replace(/\s+/g, ' ').trim();
  return { text, removed, hashtags };
}

/** Cuts at the last word boundary before `max` characters (never mid-word, never mid-surrogate). */
export function truncateAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max).join('');
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > max * 0.6 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.-]+$/, '');
}
