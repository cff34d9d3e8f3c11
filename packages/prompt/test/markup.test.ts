import { stripMarkup } from '../src/markup';
import { sanitizeDraftText } from '../src/sanitize';
import { buildLumaPlan } from '../src';
import { DEFAULT_OPTIONS, fakeContext, loadFixtures } from './helpers';

/** What must never reach Luma: a tag, an entity, Markdown syntax. */
const MARKUP_LEFT = [
  /<\/?[A-Za-z][A-Za-z0-9-]*[\s/>]/u, // a tag
  /&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9a-f]+);/iu, // an entity
  /\*\*|__|~~|``/u, // strong, strike, code
  /\]\(|!\[/u, // link or image syntax
  /^\s*(?:#{1,6}\s|>\s|[-*+]\s|\d{1,3}\.\s|\|)/mu, // block markers at a line start
];
const leftover = (text: string) => MARKUP_LEFT.filter((re) => re.test(text)).map(String);

describe('HTML', () => {
  test.each([
    ['<b>bold</b> and <i>italic</i> words', 'bold and italic words'],
    ['<p>One.</p><p>Two.</p>', '\nOne.\n\nTwo.\n'],
    ['line<br>break<br/>again<BR />', 'line\nbreak\nagain\n'],
    ['<a href="https://x.example/a?b=1&amp;c=2" title="a > b">the link text</a>', 'the link text'],
    ['<img src="a.jpg" alt="a red kite"> over hills', ' a red kite  over hills'],
    ['before<!-- a comment with <b>tags</b> -->after', 'before after'],
    ['x<script>alert("<b>")</script>y<style>p{color:red}</style>z', 'x\ny\nz'],
    ['<!DOCTYPE html><html><body>text</body></html>', ' text'],
  ])('%j → %j', (input, expected) => {
    const r = stripMarkup(input);
    expect(r.text).toBe(expected);
    expect(r.removed).toBeGreaterThan(0);
  });

  test('what is not a tag stays: comparisons, hearts, arrows', () => {
    for (const text of ['3 < 5 and 7 > 2', 'I <3 this place', 'sunset -> night', 'a << b']) expect(stripMarkup(text)).toEqual({ text, removed: 0 });
  });
});

describe('entities', () => {
  test.each([
    ['Fish &amp; chips', 'Fish & chips'],
    ['caf&eacute; at dawn', 'café at dawn'],
    ['it&#8217;s &#x1F305; time', 'it’s 🌅 time'],
    ['a&nbsp;b', 'a\u00A0b'],
    ['&copy 2024 and &amp', '© 2024 and &'],
    ['&lt;b&gt;shown as a tag&lt;/b&gt;', 'shown as a tag'],
    ['&amp;lt;i&amp;gt;escaped twice&amp;lt;/i&amp;gt;', 'escaped twice'],
  ])('%j → %j', (input, expected) => {
    expect(stripMarkup(input).text).toBe(expected);
  });

  test('ampersands that are no entity stay as written ("&nothing" is not "¬hing")', () => {
    for (const text of ['AT&T and R&D', 'Tom&Jerry', 'salt&nothing else', 'rock & roll', '&&']) expect(stripMarkup(text)).toEqual({ text, removed: 0 });
  });

  test('a decoded control or bidi character is removed like a typed one', () => {
    const r = sanitizeDraftText('A kite &#x202E;over the hills&#0; at noon');
    expect(r.text).toBe('A kite over the hills at noon');
    expect(r.removed.invisible).toBe(1); // the bidi override; &#0; decodes to nothing at all
  });
});

describe('Markdown', () => {
  test.each([
    ['# A heading\nText.', 'A heading.\nText.'],
    ['## Title ##\nText.', 'Title.\nText.'],
    ['> quoted line\n> > nested', 'quoted line\nnested'],
    ['- one\n* two\n+ three', 'one.\ntwo.\nthree.'],
    ['1. first\n2) second', 'first.\nsecond.'],
    ['- [ ] open task\n- [x] done task', 'open task.\ndone task.'],
    ['**strong** and __also__ and *em* and _em_ and ~~gone~~ and ==marked==', 'strong and also and em and em and gone and marked'],
    ['a `code` span and ``a `tick` ``', 'a code span and a `tick`'],
    ['see [the photos](https://x.example/p "title") and ![a stall](s.jpg)', 'see the photos and a stall'],
    ['a [ref link][1] here\n[1]: https://x.example', 'a ref link here'],
    ['a note[^1]\n[^1]: the note', 'a note\nthe note'],
    ['```js\nconst x = 1;\n```', 'const x = 1;'],
    ['above\n\n---\n\nbelow', 'above\n\n\nbelow'],
    ['Setext\n======\nbody', 'Setext\nbody'],
    ['| colour | flower |\n| --- | :---: |\n| red | roses |', 'colour, flower.\nred, roses.'],
    ['mail <a@b.example> or <https://x.example>', 'mail a@b.example or https://x.example'],
    ['\\*not emphasis\\* and 5\\*3', '*not emphasis* and 5*3'],
    ['hard break  \nnext', 'hard break\nnext'],
  ])('%j → %j', (input, expected) => {
    const r = stripMarkup(input);
    expect(r.text).toBe(expected);
    expect(r.removed).toBeGreaterThan(0);
  });

  test('social text keeps its hashtags, handles, underscores, stars and numbers', () => {
    for (const text of [
      '#sunset_vibes_2024 with @tom_b at the lake #goldenHour',
      '#1 at the fair, 5*3 = 15, 2*2',
      '2024. What a year it was',
      'snake_case_words and file_name.txt',
      'I love #sunsets',
      '* a lone star',
      'price: 10 * 2',
    ]) {
      expect(stripMarkup(text).text).toBe(text === '* a lone star' ? 'a lone star' : text);
    }
  });

  test('a one-line title gets no full stop of its own', () => {
    expect(stripMarkup('## Morning *market*').text).toBe('Morning market');
  });
});

describe('never reaches Luma as markup', () => {
  const NASTY = [
    '<div><h2>Harbour &amp; boats</h2><ul><li><b>Gulls</b> circle</li><li>Mist &mdash; lifting</li></ul></div>',
    '# Harbour\n\n**Gulls** circle _slowly_ over [boats](https://x.example/b).\n\n> Mist lifts.\n\n1. Sun\n2. Sails',
    '&lt;p&gt;Harbour at dawn&lt;/p&gt; with &lt;em&gt;boats&lt;/em&gt;',
    '<p>A *mixed* draft with <code>`code`</code> and ![img](x.png) &amp;amp; more</p>',
  ];

  test.each(NASTY)('sanitized text of %j has no tag, entity or Markdown left', (input) => {
    const r = sanitizeDraftText(input);
    expect(leftover(r.text)).toEqual([]);
    expect(r.markup).toBeGreaterThan(0);
  });

  test.each(NASTY)('nor does the Luma prompt built from a draft of %j (and the person is told)', async (text) => {
    const plan = await buildLumaPlan({ id: 'm', uid: 'demo-user', title: '<b>Dawn</b> &amp; mist', text, referenceImages: [], characterImages: [] }, DEFAULT_OPTIONS, fakeContext());
    expect(leftover(plan.video.prompt ?? '')).toEqual([]);
    expect(plan.video.prompt).toContain('Dawn & mist');
    expect(plan.warnings.some((w) => w.includes('turned into plain text'))).toBe(true);
  });

  test('drafts without markup are left exactly as they were (every fixture)', () => {
    for (const { name, draft } of loadFixtures()) {
      if (name.startsWith('markup-')) continue;
      for (const text of [draft.text, draft.title ?? '']) expect({ name, ...stripMarkup(text) }).toEqual({ name, text, removed: 0 });
    }
  });
});
