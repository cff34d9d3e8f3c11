/**
 * Markup never reaches Luma as markup. Drafts pasted from a web page, a notes app or a chat arrive with HTML tags,
 * HTML entities and Markdown syntax; Luma would read `<b>`, `&amp;` and `**` as part of the scene. This turns them
 * into the plain text they stand for, before every other rule of the sanitizer runs:
 * - HTML: comments, `<script>`/`<style>`/`<template>` with their content and declarations go; block tags (`<p>`,
 *   `<br>`, `<li>`, `<h1>`…) become line breaks (a line break ends a sentence for the prompt builder); every other
 *   tag goes, an image keeping its `alt` text;
 * - entities (`&amp;`, `&eacute;`, `&#8217;`, `&#x1F305;`, legacy ones without `;`) are decoded with the `entities`
 *   package (the WHATWG table), repeatedly, because text escaped twice (`&amp;lt;b&amp;gt;`) is still markup, and
 *   the tags that decoding reveals go too;
 * - Markdown, line by line (a parser would re-flow the lines into paragraphs and read "2024." or "#tag" its own
 *   way; the prompt builder needs the person's line breaks and hashtags as written): headings, block quotes,
 *   list and task markers, rules, code fences, table pipes, link and image syntax (the text stays, the URL goes),
 *   reference definitions, footnote marks, emphasis (`**`, `__`, `*`, `_`, `~~`, `==`) and code backticks,
 *   backslash escapes. Intra-word `_` and `*` (`#sunset_vibes`, `5*3`) and a lone `#tag` are left alone.
 * Each construct removed counts once in `removed`.
 */
import { DecodingMode, decodeHTML } from 'entities/decode';

export interface MarkupReport {
  text: string;
  /** Tags, entities and Markdown constructs taken out. */
  removed: number;
}

/** Elements whose content is never text of the draft. */
const DROPPED_ELEMENT_RE = /<(script|style|template|noscript|head)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/giu;
const COMMENT_RE = /<!--[\s\S]*?(?:-->|$)/gu;
const CDATA_RE = /<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)/gu;
const DECLARATION_RE = /<![A-Za-z][^>]*>|<\?[\s\S]*?(?:\?>|$)/gu;
/** A start or end tag: a letter after `<`, then attributes (quoted values may hold `>`), then `>`. */
const TAG_RE = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)((?:\s+(?:[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`]+))?)|\s*\/)*)\s*>/gu;
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'h1',
  'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th',
  'tr', 'ul', 'caption', 'tbody', 'thead', 'tfoot',
]);
const ALT_RE = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))/iu;
/**
 * An entity: named, decimal or hex. A name without its `;` counts only as a whole word ("&amp", "&copy 2024"), so
 * "&nothing" is not read as "¬hing" the way a browser's legacy rule would.
 */
const ENTITY_RE = /&(?:[A-Za-z][A-Za-z0-9]{1,31}(?:;|(?![A-Za-z0-9]))|#[0-9]{1,7};?|#[xX][0-9A-Fa-f]{1,6};?)/gu;

function stripHtml(text: string, count: () => void): string {
  const drop = (re: RegExp, by: string | ((...m: string[]) => string)) => {
    text = text.replace(re, (...m: string[]) => {
      count();
      return typeof by === 'string' ? by : by(...m);
    });
  };
  drop(COMMENT_RE, ' ');
  drop(CDATA_RE, (_all, inner) => inner ?? '');
  drop(DROPPED_ELEMENT_RE, '\n');
  drop(DECLARATION_RE, ' ');
  drop(TAG_RE, (_all, _slash, name = '', attrs = '') => {
    const tag = name.toLowerCase();
    if (tag === 'img') {
      const alt = ALT_RE.exec(attrs);
      return ` ${alt?.[1] ?? alt?.[2] ?? alt?.[3] ?? ''} `;
    }
    return BLOCK_TAGS.has(tag) ? '\n' : '';
  });
  return text;
}

function decodeEntities(text: string, count: () => void): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY_RE, (entity) => {
    const named = /^&[A-Za-z]/u.test(entity);
    const whole = named && !entity.endsWith(';') ? `${entity};` : entity;
    const decoded = decodeHTML(whole, named ? DecodingMode.Strict : DecodingMode.Legacy);
    if (decoded === whole) return entity; // "&T" in "AT&T" is no entity: it stays as written
    count();
    // `&#0;`, a surrogate or an out-of-range number decode to U+FFFD: nothing a person wrote, so nothing at all.
    return decoded === '\uFFFD' && !/^&#(?:65533|[xX]0*[fF]{3}[dD]);?$/u.test(entity) ? '' : decoded;
  });
}

// --- Markdown, one line at a time ------------------------------------------------------------------------------

const FENCE_RE = /^\s{0,3}(?:`{3,}|~{3,})[^`]*$/u;
const HEADING_RE = /^\s{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/u;
const SETEXT_OR_RULE_RE = /^\s{0,3}(?:=+|-{2,}|(?:[-*_][ \t]*){3,})[ \t]*$/u;
const QUOTE_RE = /^(\s{0,3}>[ \t]?)+/u;
const BULLET_RE = /^(\s*)[-*+][ \t]+(?:\[[ xX]\][ \t]+)?/u;
/** Up to three digits: "2024. What a year" is a sentence, not item 2024 of a list. */
const ORDERED_RE = /^(\s*)\d{1,3}[.)][ \t]+(?:\[[ xX]\][ \t]+)?/u;
const TABLE_SEPARATOR_RE = /^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$/u;
/** `[id]: https://…` (a footnote's `[^1]: text` keeps its text: FOOTNOTE_RE takes only the mark). */
const REFERENCE_DEFINITION_RE = /^\s{0,3}\[(?!\^)[^\]\n]+\]:\s*\S+.*$/u;

const IMAGE_RE = /!\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/gu;
const LINK_RE = /\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/gu;
const REFERENCE_LINK_RE = /\[([^\]\n]+)\]\[[^\]\n]*\]/gu;
const FOOTNOTE_RE = /\[\^[^\]\s]+\](?::[ \t]*)?/gu;
/** `<https://…>` and `<a@b.org>`: the brackets go; the link rules then remove what is inside. */
const AUTOLINK_RE = /<((?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]+)|(?:[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+))>/gu;
/** A code span: a run of backticks, then anything up to a run of the same length (``a `b` `` holds "a `b`"). */
const CODE_RE = /(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)/gu;
const STRONG_RE = /(?<![\p{L}\p{N}\\])(\*\*|__)(?=\S)([^\n]*?\S)\1(?![\p{L}\p{N}])/gu;
const STRIKE_RE = /(~~|==)(?=\S)([^\n]*?\S)\1/gu;
const EM_STAR_RE = /(?<![\p{L}\p{N}*\\])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/gu;
/** `_word_` only with no letter, digit, `_`, `#` or `@` before it: hashtags and handles keep their underscores. */
const EM_UNDERSCORE_RE = /(?<![\p{L}\p{N}_#@\\])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/gu;
const ESCAPE_RE = /\\([!-/:-@[-`{-~])/gu;
const HARD_BREAK_RE = /(?: {2,}|\\)$/u;

function stripMarkdownLine(line: string, count: () => void, inFence: { open: boolean }, oneLine: boolean): string | null {
  if (FENCE_RE.test(line)) {
    inFence.open = !inFence.open;
    count();
    return null;
  }
  if (inFence.open) return line; // code is kept as text, its fences go
  if (TABLE_SEPARATOR_RE.test(line) || REFERENCE_DEFINITION_RE.test(line)) {
    count();
    return null;
  }
  if (SETEXT_OR_RULE_RE.test(line)) {
    count();
    return null;
  }
  const sub = (re: RegExp, by: string | ((...m: string[]) => string)) => {
    line = line.replace(re, (...m: string[]) => {
      count();
      return typeof by === 'string' ? by : by(...m);
    });
  };
  sub(QUOTE_RE, '');
  // A heading, a list item or a table row is a sentence of its own: it gets a full stop when it has none, or the
  // prompt builder would run it into the next line ("Morning market A busy market…").
  let ownSentence = false;
  const heading = HEADING_RE.exec(line);
  if (heading) {
    count();
    line = heading[1] ?? '';
    ownSentence = true;
  }
  const indent = (_all: string, spaces = '') => {
    ownSentence = true;
    return spaces;
  };
  sub(BULLET_RE, indent);
  sub(ORDERED_RE, indent);
  if (/^\s*\|.*\|\s*$/u.test(line)) {
    count();
    line = line.trim().slice(1, -1).split('|').map((cell) => cell.trim()).filter(Boolean).join(', ');
    ownSentence = true;
  }
  sub(IMAGE_RE, (_all, alt = '') => alt);
  sub(LINK_RE, (_all, label = '') => label);
  sub(REFERENCE_LINK_RE, (_all, label = '') => label);
  sub(FOOTNOTE_RE, '');
  sub(AUTOLINK_RE, (_all, inner = '') => inner);
  sub(CODE_RE, (_all, _ticks, code = '') => code.trim());
  sub(STRONG_RE, (_all, _mark, inner = '') => inner);
  sub(STRIKE_RE, (_all, _mark, inner = '') => inner);
  sub(EM_STAR_RE, (_all, inner = '') => inner);
  sub(EM_UNDERSCORE_RE, (_all, inner = '') => inner);
  sub(ESCAPE_RE, (_all, char = '') => char);
  sub(HARD_BREAK_RE, '');
  if (ownSentence && !oneLine && /[\p{L}\p{N}\p{Extended_Pictographic})"'’”]\s*$/u.test(line)) line = `${line.trimEnd()}.`;
  return line;
}

function stripMarkdown(text: string, count: () => void): string {
  const fence = { open: false };
  const out: string[] = [];
  const lines = text.split('\n');
  // A one-line text (a title) is one sentence already: no full stop is added to it.
  const oneLine = lines.filter((l) => l.trim()).length <= 1;
  for (const line of lines) {
    const kept = stripMarkdownLine(line, count, fence, oneLine);
    if (kept !== null) out.push(kept);
  }
  return out.join('\n');
}

export function stripMarkup(input: string): MarkupReport {
  let removed = 0;
  const count = () => {
    removed++;
  };
  let text = input.replace(/\r\n?/g, '\n');
  // Tags, then entities, until nothing changes: what decoding reveals (`&lt;b&gt;` → `<b>`) is markup too. Bounded:
  // each round decodes one level of escaping, and nobody escapes a draft more than a few times.
  for (let round = 0; round < 4; round++) {
    const before = text;
    text = decodeEntities(stripHtml(text, count), count);
    if (text === before) break;
  }
  text = stripMarkdown(text, count);
  // A decoded `&lt;` may leave a tag behind that Markdown's removal uncovered; one last pass over tags.
  text = stripHtml(text, count);
  return { text, removed };
}
