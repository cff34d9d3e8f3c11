/**
 * Words Luma's moderation is known (or very likely) to refuse — "Contains blacklisted words", "Advanced prompt
 * moderation failed" — caught before any credit is spent, with a message that names the category, never the word.
 *
 * Luma publishes no list. This is a conservative guess that favours precision: Luma refunds a failed generation,
 * so a word we miss costs the person a wait, while a word we block wrongly costs them the video. Whole words only
 * (Unicode-aware boundaries), matched case- and accent-insensitively, with common digit/symbol substitutions
 * undone ("p0rn"). Slurs are stored only as salted SHA-256 prefixes so that this file (and its tests and logs)
 * never spell them out. English only for now.
 */
import { createHash } from 'node:crypto';
import { PipelineError } from '@d2v/schema';

export type RefusalCategory = 'sexual' | 'minors' | 'gore' | 'self_harm' | 'extremism' | 'hate';

/** How each category is named to the person (a noun phrase; never the matched word). */
export const REFUSAL_LABELS: Record<RefusalCategory, string> = {
  sexual: 'sexual or nude content',
  minors: 'sexual content involving minors',
  gore: 'graphic violence or gore',
  self_harm: 'self-harm or suicide',
  extremism: 'extremist or terrorist content',
  hate: 'hateful slurs',
};

const PHRASES: Record<Exclude<RefusalCategory, 'hate' | 'minors'>, string[]> = {
  sexual: [
    'porn(?:o|os|ography|ographic|hub)?', 'nudes?', 'nudity', 'naked(?! eyes?\\b)', 'nsfw', 'xxx', 'sex', 'sexual(?:ly)?',
    'erotic(?:a|ism)?', 'orgasms?', 'genital(?:s|ia)?', 'penis(?:es)?', 'vaginas?', 'boobs?', 'tits', 'topless',
    'hentai', 'onlyfans', 'strip(?:per|pers|tease)', 'fetish(?:es)?', 'bdsm', 'blow ?jobs?', 'hand ?jobs?',
    'masturbat(?:e|es|ed|ing|ion)', 'intercourse', 'horny', 'milfs?', 'cum ?shots?', 'sexting', 'cam ?girls?',
  ],
  gore: [
    '(?<!al )gore', 'gory', 'gruesome', 'decapitat(?:e|ed|es|ing|ion)', 'behead(?:s|ed|ing|ings)?',
    'dismember(?:s|ed|ing|ment)?', 'disembowel(?:s|ed|ing|ment)?', 'mutilat(?:e|ed|es|ing|ion)',
    'eviscerat(?:e|ed|es|ing|ion)', 'bloodbath', 'blood splatter', 'tortur(?:e|ed|es|ing)', 'massacre(?:d|s)?',
    'snuff films?', 'entrails', 'severed heads?',
  ],
  self_harm: [
    'suicid(?:e|es|al)', 'self ?harm(?:ing)?', 'kill(?:ing)? myself', 'cut(?:ting)? myself', 'hang(?:ing)? myself',
    'end(?:ing)? my life', 'slit(?:ting)? (?:my|her|his|their) wrists?',
  ],
  extremism: [
    'swastikas?', 'heil hitler', 'sieg heil', 'kkk', 'ku klux klan', 'white power', '(?:school|mass) shootings?',
    'terrorist attacks?', 'bomb ?making', 'make a bomb',
  ],
};

/** Alone, these make the whole category "minors". */
const MINOR_SEXUAL = ['lolicon', 'loli', 'shotacon', 'shota', 'jailbait'];
/** Together with a sexual term anywhere in the draft, these turn "sexual" into "minors". */
const MINOR_WORDS = [
  'child', 'children', 'kids?', 'minors?', 'teens?', 'teenagers?', 'teenage', 'underage', 'preteens?',
  'school ?girls?', 'school ?boys?', 'toddlers?', 'bab(?:y|ies)', '(?:little|young) (?:girls?|boys?)', '\\d{1,2} ?(?:year|yr)s? ?old',
];

/** Salted SHA-256 (first 96 bits) of slurs, lower-case, substitutions undone. */
const HATE_HASHES: ReadonlySet<string> = new Set([
  '749322706cbc14bc0b81fda5',
  'f598056f695829e1bfb8f19a',
  '0e333435fbb3784fba81042a',
  '0cf62e5147bdbc8728796144',
  'd6cfc95095360ce393325b27',
  'c2368bbc42185f1eb9ab539d',
  '70823db0e4e912d755c7b96b',
  '3308fae9d527d3cafa2fc8f0',
  'e987857d5ed13f22e146e659',
  '1446ee357d02f09c5d918f7e',
  'edd24a7edb077eccd85d67fe',
  '3b828808fa8dda094bc61024',
  '1d9e1661fae58506b2b31053',
  '41faced92a0f30ca1a892c47',
  '93eb9dd1399bb69c723105cb',
  'ff3a51e2e81e46c1105b76aa',
  '30da288efbef5f6d6840cb93',
  '1bbfe57aa0df46dc3f5c5607',
  'fd807b58e6619ef60ad4ed16',
  'dc71ebaa2b5e7bda640fd5f5',
  '01149e53249693072b6cf758',
  '7e7248e17a8192400c8bd52c',
  'cdf953bd4ce76356bbe7297e',
  'a7f5ce68e7c1696af5dfc422',
  'a78c5d598b314bbb23b5b504',
  'ea51294cc7cb77b2bf91017f',
  '87019caa0104a4321aae764c',
  '6902933e0b13ece829593952',
  '4c8ab71eda4cf67e58d30c6a',
  'e9a0baf7d610ba00f1f7ddea',
  'b2aa39a4967cd7cbe768a56d',
]);
const HASH_SALT = 'd2v:';

const boundary = (alternatives: string[]) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'u');
const PHRASE_RES = Object.entries(PHRASES).map(([category, list]) => [category as RefusalCategory, boundary(list)] as const);
const MINOR_SEXUAL_RE = boundary(MINOR_SEXUAL);
const MINOR_WORDS_RE = boundary(MINOR_WORDS);

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/** Lower case, no accents, compatibility forms folded (full-width letters), substitutions undone, single spaces. */
export function normalizeForMatching(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\p{L}\p{N}@$]+/gu, (token) => (/\p{L}/u.test(token) && /[0-9@$]/.test(token) ? token.replace(/[013457@$]/g, (c) => LEET[c]!) : token))
    .replace(/[-_]+/g, ' ')
    .replace(/\s+/g, ' ');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(HASH_SALT + token).digest('hex').slice(0, 24);
}

export interface RefusalField {
  /** What the person calls this part of the draft: "title", "text", "hashtags", "scene 2". */
  field: string;
  text: string;
}

export interface RefusalHit {
  category: RefusalCategory;
  field: string;
}

/** Every (category, field) with a refused word, in a stable order. */
export function findRefusedContent(fields: readonly RefusalField[], hateHashes: ReadonlySet<string> = HATE_HASHES): RefusalHit[] {
  const hits: RefusalHit[] = [];
  const normalized = fields.map((f) => ({ field: f.field, text: normalizeForMatching(f.text) }));
  const anyMinorWords = normalized.some((f) => MINOR_WORDS_RE.test(f.text));
  for (const { field, text } of normalized) {
    if (!text.trim()) continue;
    for (const [category, re] of PHRASE_RES) {
      if (!re.test(text)) continue;
      hits.push({ category: category === 'sexual' && anyMinorWords ? 'minors' : category, field });
    }
    if (MINOR_SEXUAL_RE.test(text)) hits.push({ category: 'minors', field });
    for (const token of text.match(/\p{L}+/gu) ?? []) {
      if (hateHashes.has(hashToken(token))) {
        hits.push({ category: 'hate', field });
        break;
      }
    }
  }
  const seen = new Set<string>();
  return hits.filter((h) => {
    const key = `${h.category}|${h.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Throws PROMPT_REFUSED naming the categories and the fields, never the words. */
export function assertNotRefused(fields: readonly RefusalField[], hateHashes?: ReadonlySet<string>): void {
  const hits = findRefusedContent(fields, hateHashes);
  if (!hits.length) return;
  const categories = [...new Set(hits.map((h) => h.category))];
  const where = [...new Set(hits.map((h) => h.field))];
  const message =
    `The draft's ${listing(where)} ${where.length > 1 ? 'use' : 'uses'} words the video service refuses ` +
    `(${categories.map((c) => REFUSAL_LABELS[c]).join('; ')}). Edit ${where.length > 1 ? 'those parts' : 'that part'} of the draft and try again.`;
  throw new PipelineError('PROMPT_REFUSED', message, `categories=${categories.join(',')} fields=${where.join(',')}`);
}
