/**
 * Turns raw draft text into text that may be sent to Luma:
 * - markup goes first: HTML tags and entities and Markdown syntax become the plain text they stand for
 *   (markup.ts), so no rule below — and no prompt — ever sees `<b>`, `&amp;` or `**`;
 * - contact data and links are removed and counted, never sent: URLs (any scheme, `www.`, bare domains on common
 *   TLDs), e-mail addresses, phone numbers (any script's digits);
 * - hashtags become words (`#sunsetVibes_2024` → "sunset vibes 2024"); social-noise tags (#fyp, #viral…) are
 *   dropped; a trailing block of tags (the usual end of a post) is taken out of the sentence and returned as
 *   themes;
 * - mentions are handles Luma cannot know: after "with/and/for/feat…" a mention becomes "a friend" (several in a
 *   row "friends") so the sentence still reads; everywhere else it is dropped;
 * - control/invisible characters and broken surrogates go; CJK, RTL scripts and emoji are kept as written.
 * Each rule is a named pattern so the builder can report what it removed.
 */
import { stripMarkup } from './markup';
import { cleanUnicode } from './text';

// Scheme URLs (https://, ftp://, …), scheme-less `www.` links, mailto:/tel:/data: URIs.
// No look-behind: a link glued to the word before it ("日本https://…") is still a link.
// `*`, not `+`: a bare "https://" (a link cut off in the draft) is removed too.
const SCHEME_URL_RE = /(?:[a-z][a-z0-9+.-]{0,15}:\/\/|www\.)[^\s<>"'`]*/giu;
const URI_RE = /(?<![\p{L}\p{N}])(?:mailto|tel|sms|data|javascript):[^\s<>"'`]+/giu;
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const TLDS =
  'com|net|org|io|co|app|dev|ly|me|tv|gg|xyz|info|biz|link|site|online|shop|store|blog|page|ai|us|uk|de|fr|jp|cn|ru|in|br|es|it|nl|ca|au|eu|ch|se|no|pl|be|at|kr|tw|mx|ar|nz|ie|to|fm|cc|ws|so|im|ee|gl|gd|sh';
/** Bare domains: labels of any case, a lower-case TLD from the list, optional port and path; may touch non-Latin letters. */
const BARE_DOMAIN_RE = new RegExp(
  `(?<![A-Za-z0-9@._/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+(${TLDS})(?::\\d{1,5})?(\\/[^\\s<>"'\`]*)?(?![\\p{L}\\p{N}-])`,
  'gu',
);
/**
 * TLDs that are also everyday words ("day.so", "it.is"): a match only counts as a link with a path, a
 * subdomain, or as one of the well-known short hosts.
 */
const WORDLIKE_TLDS = new Set(['me', 'to', 'so', 'in', 'it', 'us', 'at', 'be', 'no', 'im', 'ai', 'co', 'fm', 'cc', 'ws', 'ee', 'gl', 'gd', 'sh', 'es', 'de', 'se', 'ar', 'tw']);
const SHORT_HOSTS = new Set(['t.co', 'youtu.be', 'about.me', 'linktr.ee', 'goo.gl', 'is.gd', 'x.co', 'spoti.fi', 'amzn.to', 'on.soundcloud.com']);

function looksLikeDomain(match: string, tld: string, path: string | undefined): boolean {
  if (!WORDLIKE_TLDS.has(tld)) return true;
  if (path && path.length > 1) return true;
  const host = match.replace(/[:/].*$/u, '').toLowerCase();
  return SHORT_HOSTS.has(host) || host.split('.').length > 2;
}

// Digits of any script; may touch letters of scripts written without spaces ("电话+86…"), not Latin ones.
const PHONE_CANDIDATE_RE = /(?<![A-Za-z\p{Nd}])\+?\(?\p{Nd}[\p{Nd} ().\/-]{5,}\p{Nd}\)?(?![A-Za-z\p{Nd}])/gu;
const MENTION_RE = /(?<![\p{L}\p{N}_.@])@[\p{L}\p{N}_](?:[\p{L}\p{N}_.]*[\p{L}\p{N}_])?/gu;
const HASHTAG_RE = /(?<![\p{L}\p{N}_&#])#([\p{L}\p{M}\p{N}_]+)/gu;

/** Tags that say something about the platform, not the picture. */
export const NOISE_HASHTAGS: ReadonlySet<string> = new Set([
  'fyp', 'foryou', 'foryoupage', 'fy', 'viral', 'viralvideo', 'goviral', 'trending', 'trend', 'explore', 'explorepage',
  'reels', 'reel', 'reelsinstagram', 'instagood', 'instagram', 'insta', 'instadaily', 'igdaily', 'tiktok', 'shorts',
  'youtube', 'youtubeshorts', 'photooftheday', 'picoftheday', 'like4like', 'likeforlike', 'l4l', 'follow',
  'followme', 'follow4follow', 'f4f', 'nofilter', 'tbt', 'ad', 'ads', 'sponsored', 'spon', 'repost', 'capcut',
  'blowthisup', 'xyzbca', 'video', 'post', 'new', 'share',
]);

/** Words after which a mention is a companion ("with @ana" → "with a friend"). */
const COMPANION_WORDS = /(?:^|[\s(])(?:with|and|&|\+|for|to|featuring|feat\.?|ft\.?|alongside|plus|me and|con|avec|mit|y|et|und)\s*$/iu;

export interface Removed {
  urls: number;
  emails: number;
  phones: number;
  mentions: number;
  noiseHashtags: number;
  invisible: number;
}

export interface SanitizeReport {
  /** Cleaned text; line breaks kept (they end sentences). */
  text: string;
  removed: Removed;
  /** Words of every meaningful hashtag, in order of appearance, without duplicates. */
  hashtags: string[];
  /** Words of the trailing tag block (not in `text`), in order, without duplicates or noise. */
  themes: string[];
  /** The trailing tags as written ("#sunsetVibes"), one per theme. */
  themeTags: string[];
  /** HTML tags, entities and Markdown constructs turned into plain text (0 for plain drafts). */
  markup: number;
}

/** `#sunsetVibes_2024` → "sunset vibes 2024"; scripts without case are returned as written. */
export function hashtagToWords(tag: string): string {
  return tag
    .replace(/_+/g, ' ')
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

function isNoiseTag(tag: string): boolean {
  return NOISE_HASHTAGS.has(tag.toLowerCase().replace(/_/g, ''));
}

/** Digits of a phone number, not a date, a year range, a decimal or an ordinary count. */
function looksLikePhone(candidate: string): boolean {
  const digits = (candidate.match(/\p{Nd}/gu) ?? []).length;
  if (digits < 7 || digits > 15) return false;
  const t = candidate.trim();
  if (/^\p{Nd}{1,4}[-/.]\p{Nd}{1,2}[-/.]\p{Nd}{1,4}$/u.test(t)) return false; // 2024-05-01, 01/05/2024
  if (/^\p{Nd}{4} ?[-/] ?\p{Nd}{4}$/u.test(t)) return false; // 1990-2000
  if (/^\p{Nd}+\.\p{Nd}+$/u.test(t)) return false; // 3.14159265
  if (t.startsWith('+') || /[ ().\/-]/u.test(t)) return true;
  // An unseparated run of digits is a phone number only when it is long or has a trunk prefix.
  return digits >= 10 || (t.startsWith('0') && digits >= 8);
}

/** Splits off the trailing block of hashtags/mentions (with separators), if any. */
function splitTrailingTags(text: string): { body: string; tail: string } {
  const m = /(?:[\s,.;·•|]*(?:#[\p{L}\p{M}\p{N}_]+|@[\p{L}\p{N}_.]+))+[\s,.;·•|]*$/u.exec(text);
  if (!m) return { body: text, tail: '' };
  const body = text.slice(0, m.index);
  const tags = (m[0].match(/[#@]/g) ?? []).length;
  // One tag closing a sentence ("I love #sunsets") is part of it; a block of tags, a line of tags, or tags after
  // the sentence ended (punctuation, emoji) are the post's tag block.
  const block = tags >= 2 || !body.trim() || /(?:[.!?…。！？]|\p{Extended_Pictographic}\uFE0F?)\s*$/u.test(body);
  return block ? { body, tail: m[0] } : { body: text, tail: '' };
}

export function sanitizeDraftText(input: string): SanitizeReport {
  const removed: Removed = { urls: 0, emails: 0, phones: 0, mentions: 0, noiseHashtags: 0, invisible: 0 };
  const plain = stripMarkup(input);
  // After the markup: a decoded `&#x202E;` is an invisible character like any other.
  const cleaned = cleanUnicode(plain.text);
  removed.invisible = cleaned.removed;
  let text = cleaned.text;

  // Removed contact data leaves a marker so the clause that introduced it ("mail me at …") can go too.
  // Sentence punctuation right after a link belongs to the sentence ("see https://x.com/a." keeps its ".").
  const keepTrailing = (m: string) => MARK + (/[.,;:!?)\]"'’”]+$/u.exec(m)?.[0] ?? '');
  const cut = (re: RegExp, key: 'urls' | 'emails') => {
    text = text.replace(re, (m: string) => {
      removed[key]++;
      return keepTrailing(m);
    });
  };
  cut(SCHEME_URL_RE, 'urls');
  cut(URI_RE, 'urls');
  cut(EMAIL_RE, 'emails');
  text = text.replace(BARE_DOMAIN_RE, (m, tld: string, path: string | undefined) => {
    if (!looksLikeDomain(m, tld, path)) return m;
    removed.urls++;
    return keepTrailing(m);
  });
  text = text.replace(PHONE_CANDIDATE_RE, (m) => {
    if (!looksLikePhone(m)) return m;
    removed.phones++;
    return MARK;
  });

  // Tags: a trailing block (per line) becomes themes; inline tags become words in place.
  const themes: string[] = [];
  const themeTags: string[] = [];
  const hashtags: string[] = [];
  const addWords = (list: string[], tag: string) => {
    const w = hashtagToWords(tag);
    if (w && !list.includes(w)) list.push(w);
  };
  const lines = text.split('\n').map((line) => {
    const { body, tail } = splitTrailingTags(line);
    for (const m of tail.matchAll(/#([\p{L}\p{M}\p{N}_]+)|@[\p{L}\p{N}_.]+/gu)) {
      if (!m[1]) removed.mentions++;
      else if (isNoiseTag(m[1])) removed.noiseHashtags++;
      else if (/^\p{N}+$/u.test(m[1])) continue;
      else {
        const before = themes.length;
        addWords(themes, m[1]);
        if (themes.length > before) themeTags.push(`#${m[1]}`);
        addWords(hashtags, m[1]);
      }
    }
    return body;
  });
  text = lines.join('\n');

  // Leading mentions address someone ("@ana look at this") and are dropped like trailing ones.
  text = text.replace(/^(\s*@[\p{L}\p{N}_.]+[\s,:]*)+/u, (m) => {
    removed.mentions += (m.match(/@/g) ?? []).length;
    return '';
  });
  text = text.replace(MENTION_RE, (m, offset: number, whole: string) => {
    removed.mentions++;
    return COMPANION_WORDS.test(whole.slice(Math.max(0, offset - 20), offset)) ? '\u0000friend\u0000' : ' ';
  });
  // "with @a and @b" → "with friends"; a single one → "a friend".
  text = text
    .replace(/\u0000friend\u0000(?:\s*(?:,|and|&|\+)?\s*\u0000friend\u0000)+/gu, 'friends')
    .replace(/\u0000friend\u0000/gu, 'a friend');

  text = text.replace(HASHTAG_RE, (whole, tag: string) => {
    if (/^\p{N}+$/u.test(tag)) return whole; // "#1" stays
    if (isNoiseTag(tag)) {
      removed.noiseHashtags++;
      return ' ';
    }
    addWords(hashtags, tag);
    return hashtagToWords(tag);
  });

  return { text: tidy(dropOrphanedClauses(text)), removed, hashtags, themes, themeTags, markup: plain.removed };
}

/** Marks where contact data was removed (a control character: never in cleaned input). */
const MARK = '\u0001';
/** Words that only introduce a link or an address ("see …", "mail me at …", "bookings: …"), as a trailing run. */
const LEAD_IN_RUN_RE =
  /(?:(?:^|\s+)(?:at|on|to|via|from|in|by|here|see|visit|call|text|phone|tel|email|e-mail|mail|contact|dm|link|links|website|site|info|details|bookings?|reservations?|orders?|more|recipe|shop|buy|tickets?|me|us|or|and|my|our)\s*[:：]?)+\s*$/iu;

/** Words, roughly: runs of letters/digits, and each character of scripts written without spaces. */
function wordCount(s: string): number {
  const dense = (s.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu) ?? []).length;
  const spaced = (s.replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu, ' ').match(/[\p{L}\p{N}]+/gu) ?? []).length;
  return dense + spaced;
}

/**
 * Where contact data was removed, the words that only introduced it go too ("Full recipe on ●" → "Full",
 * "mail me at ●" → ""); a clause left with five words or fewer is dropped whole; otherwise the clause keeps its
 * other words ("we went to the cafe ● and loved it"). Clauses end at sentence punctuation, commas, semicolons,
 * dashes and line breaks.
 */
function dropOrphanedClauses(text: string): string {
  if (!text.includes(MARK)) return text;
  const pieces = text.split(/([.!?…。！？;；,，、\n]|\s[—–-]\s)/u);
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const clause = pieces[i] ?? '';
    const delimiter = pieces[i + 1] ?? '';
    if (!clause.includes(MARK)) {
      out.push(clause, delimiter);
      continue;
    }
    const rest = clause
      .split(MARK)
      .map((chunk, j, all) => (j < all.length - 1 ? chunk.replace(LEAD_IN_RUN_RE, '') : chunk))
      .join(' ');
    if (wordCount(rest) > 5) {
      out.push(rest, delimiter);
      continue;
    }
    // Keep a sentence end so the neighbouring sentences stay apart; drop a comma-like delimiter.
    const ended = /(?:^|[.!?…。！？\n])\s*$/u.test(out.join(''));
    out.push(/[.!?…。！？\n]/u.test(delimiter) && !ended ? delimiter : ' ');
  }
  return out.join('').split(MARK).join(' ');
}

/** Whitespace and punctuation left behind by removals; shouting punctuation and emoji runs toned down. */
export function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/[ \u00A0\u2000-\u200A\u3000]+/gu, (m) => (m.includes('\u3000') ? '\u3000' : ' '))
        .replace(/\(\s*[,;:.]*\s*\)|\[\s*\]/gu, ' ')
        .replace(/ +([,.;:!?…。、！？，])/gu, '$1')
        .replace(/([!?！？])[!?！？]+/gu, '$1')
        .replace(/([,;:，、])(?:\s*[,;:，、])+/gu, '$1')
        .replace(/\.{4,}/g, '…')
        .replace(/(\p{Extended_Pictographic}(?:\uFE0F)?)(?:\s*\1){3,}/gu, '$1$1$1')
        .replace(/^[\s,;:.!?·•|*>–—-]+/u, '')
        .replace(/[\s,;:·•|–—-]+$/u, '')
        .replace(/ {2,}/g, ' ')
        .trim(),
    )
    .filter((line) => line.length > 0)
    .join('\n');
}
