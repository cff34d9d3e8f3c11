import { PipelineError } from '@d2v/schema';
import { assertNotRefused, findRefusedContent, hashToken, normalizeForMatching } from '../src/blocklist';

const text = (t: string) => [{ field: 'text', text: t }];

function refusal(fields: { field: string; text: string }[], hashes?: ReadonlySet<string>): PipelineError {
  try {
    assertNotRefused(fields, hashes);
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error('expected PROMPT_REFUSED');
}

test.each([
  ['A nude model on the beach', 'sexual'],
  ['NSFW version please', 'sexual'],
  ['p0rn on a screen', 'sexual'],
  ['ｎｕｄｅ photo shoot', 'sexual'],
  ['A gory scene with a decapitated statue', 'gore'],
  ['Thinking about suicide on the bridge', 'self_harm'],
  ['A school shooting re-enactment', 'extremism'],
  ['A swastika flag', 'extremism'],
])('"%s" is refused as %s', (t, category) => {
  expect(findRefusedContent(text(t)).map((h) => h.category)).toContain(category);
});

test('sexual words together with minors anywhere in the draft are named as such', () => {
  const hits = findRefusedContent([
    { field: 'title', text: 'Kids at the pool' },
    { field: 'text', text: 'sexy? no: nude' },
  ]);
  expect(hits).toEqual([{ category: 'minors', field: 'text' }]);
});

test.each([
  'Essex coastline at sunset',
  'A sextant on an old ship',
  'Visible to the naked eye',
  'Al Gore giving a speech',
  'Documentary about the Middlesex hospital',
  'A sushi chef slicing fish',
  'Therapist office with calm light',
  'Shooting stars over the desert',
  'The kids are having fun at the beach',
])('"%s" is not refused (whole words only, no Scunthorpe problem)', (t) => {
  expect(findRefusedContent(text(t))).toEqual([]);
});

test('the message names the category and the field but never the word', () => {
  const e = refusal([
    { field: 'title', text: 'Decapitated statue' },
    { field: 'text', text: 'a topless figure' },
  ]);
  expect(e.code).toBe('PROMPT_REFUSED');
  expect(e.message).toContain('title and text');
  expect(e.message).toContain('sexual or nude content');
  expect(e.message).toContain('graphic violence or gore');
  expect(e.message.toLowerCase()).not.toMatch(/decapitat|topless/);
  expect(`${e.detail}`.toLowerCase()).not.toMatch(/decapitat|topless/);
});

test('slurs are matched by salted hash, so the list never spells them out (checked with a stand-in word)', () => {
  // A harmless stand-in plays the slur: the mechanism is the same for the real list.
  const hashes = new Set([hashToken('zorblat')]);
  expect(findRefusedContent(text('A ZORBLAT in the park'), hashes)).toEqual([{ category: 'hate', field: 'text' }]);
  expect(findRefusedContent(text('z0rbl4t'), hashes)).toEqual([{ category: 'hate', field: 'text' }]);
  expect(findRefusedContent(text('zorblatte'), hashes)).toEqual([]);
  const e = refusal(text('zorblat'), hashes);
  expect(e.message).toContain('hateful slurs');
  expect(e.message).not.toContain('zorblat');
});

test('normalisation folds case, accents, full-width forms and digit substitutions', () => {
  expect(normalizeForMatching('ＳÉX-s3x  P0rn')).toBe('sex sex porn');
  expect(normalizeForMatching('A 1080 video of a café')).toBe('a 1080 video of a cafe');
});
