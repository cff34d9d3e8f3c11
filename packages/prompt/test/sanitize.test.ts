import { sanitizeDraftText, hashtagToWords } from '../src/sanitize';
import { truncateAtWord, joinSentences, asSentence, cleanUnicode, isWellFormed } from '../src/text';

describe('contact data never reaches the prompt', () => {
  test.each([
    ['https://example.com/a?b=1#c', 'urls'],
    ['http://sub.example.co.uk/path', 'urls'],
    ['www.example.com/menu', 'urls'],
    ['example.com', 'urls'],
    ['shop.example.io/sale', 'urls'],
    ['t.co/abc123', 'urls'],
    ['ftp://files.example.net/x', 'urls'],
    ['mailto:anna@example.org', 'urls'],
    ['anna.k+tag@example.org', 'emails'],
    ['+44 20 7946 0958', 'phones'],
    ['(555) 123-4567', 'phones'],
    ['555-123-4567', 'phones'],
    ['0612345678', 'phones'],
    ['+٩٧١٥٠١٢٣٤٥٦٧', 'phones'], // Arabic-Indic digits
  ] as const)('%s is removed and counted as %s', (item, kind) => {
    const r = sanitizeDraftText(`The harbour at dawn with fishing boats coming in slowly ${item} and gulls overhead everywhere.`);
    expect(r.text).not.toContain(item);
    expect(r.removed[kind]).toBe(1);
    expect(r.text).toContain('The harbour at dawn');
  });

  test.each([
    ['dates', 'We met on 2024-05-01 at the pier.', '2024-05-01'],
    ['year ranges', 'The house stood from 1990 - 2000 by the sea.', '1990 - 2000'],
    ['decimals', 'Pi is 3.14159265 and the sky was blue.', '3.14159265'],
    ['counts', 'Over 1000000 lanterns lit the river.', '1000000'],
    ['sentences without a space after the period', 'What a day.So happy at the lake.', 'So happy'],
    ['word-like TLDs', 'I loved it.It was great at the lake.', 'It was great'],
  ])('%s are not mistaken for contact data', (_what, text, kept) => {
    const r = sanitizeDraftText(text);
    expect(r.text).toContain(kept);
    expect(r.removed.urls + r.removed.phones + r.removed.emails).toBe(0);
  });

  test('a clause that only introduced a link goes with it, a real clause keeps its words', () => {
    const r = sanitizeDraftText('Picnic at the lake. Full recipe on https://blog.example.com/x or mail me at a@b.org, bookings: +44 20 7946 0958. Ducks everywhere.');
    expect(r.text).toBe('Picnic at the lake. Ducks everywhere.');
    const tail = sanitizeDraftText('Picnic. Recipe on https://x.example.com/a, bookings: +44 20 7946 0958 (call after 6pm) — www.x.co.uk/m. Ducks at the pond.');
    expect(tail.text).toBe('Picnic. Ducks at the pond.');
    const lead = sanitizeDraftText('The fox running on the beach at sunset, call +44 20 7946 0958 now for prints');
    expect(lead.text).toBe('The fox running on the beach at sunset');
    const long = sanitizeDraftText('The fox running on the beach at sunset happy call +44 20 7946 0958 now while the waves roll in');
    expect(long.text).toBe('The fox running on the beach at sunset happy now while the waves roll in');
    const kept = sanitizeDraftText('We went to the new cafe www.cafe.example.com and loved the cinnamon rolls by the window.');
    expect(kept.text).toBe('We went to the new cafe and loved the cinnamon rolls by the window.');
  });
});

describe('hashtags and mentions', () => {
  test('hashtags become words', () => {
    expect(hashtagToWords('sunsetVibes_2024')).toBe('sunset vibes 2024');
    expect(hashtagToWords('NYCSkyline')).toBe('nyc skyline');
    expect(hashtagToWords('東京タワー')).toBe('東京タワー');
  });

  test('inline tags stay in the sentence as words; a trailing block becomes themes; platform tags go', () => {
    const r = sanitizeDraftText('Watching the #sunsetVibes from the pier 🌅 #goldenHour #beachLife #fyp #viral');
    expect(r.text).toBe('Watching the sunset vibes from the pier 🌅');
    expect(r.themes).toEqual(['golden hour', 'beach life']);
    expect(r.themeTags).toEqual(['#goldenHour', '#beachLife']);
    expect(r.removed.noiseHashtags).toBe(2);
  });

  test('one tag closing a sentence is part of it', () => {
    expect(sanitizeDraftText('I love #sunsets').text).toBe('I love sunsets');
  });

  test('"#1" stays as written', () => {
    expect(sanitizeDraftText('We are #1 at the fair').text).toBe('We are #1 at the fair');
  });

  test('mentions after "with/and/…" become "a friend" (several: "friends"); others are dropped', () => {
    expect(sanitizeDraftText('Dancing with @maria at the beach').text).toBe('Dancing with a friend at the beach');
    expect(sanitizeDraftText('Dinner with @ana and @bo tonight').text).toBe('Dinner with friends tonight');
    expect(sanitizeDraftText('Wearing my new @nike shoes in the park').text).toBe('Wearing my new shoes in the park');
    const r = sanitizeDraftText('@bob look at this sunset over the bay @alice @carol');
    expect(r.text).toBe('look at this sunset over the bay');
    expect(r.removed.mentions).toBe(3);
  });
});

describe('unicode is preserved, never mangled', () => {
  test('CJK, RTL and emoji pass through unchanged', () => {
    for (const text of [
      '夜の新宿、ネオンの光が濡れた路地に反射している。',
      'غروب الشمس فوق الصحراء، والجمال تمشي ببطء.',
      'שלום from the noodle stand!',
      'Family 👩‍👩‍👧 and flags 🇹🇼 and skin tones 👍🏽 ✨',
      'Моя подруга смеётся.',
    ]) {
      expect(sanitizeDraftText(text).text).toBe(text.normalize('NFC'));
    }
  });

  test('invisible and control characters and broken surrogates are removed (ZWJ and ZWNJ kept)', () => {
    const r = cleanUnicode('a\u202Eb\u200Bc\u0007d\uD800e\u200Df\u200Cg');
    expect(r.text).toBe('abcde\u200Df\u200Cg');
    expect(r.removed).toBe(4);
    expect(isWellFormed(r.text)).toBe(true);
  });

  test('runs of the same emoji and shouting punctuation are toned down', () => {
    expect(sanitizeDraftText('So happy!!!!! 🍓🍓🍓🍓🍓🍓').text).toBe('So happy! 🍓🍓🍓');
  });
});

describe('truncation', () => {
  test('cuts at a word boundary', () => {
    expect(truncateAtWord('The quick brown fox jumps', 12)).toBe('The quick');
  });

  test('never splits a surrogate pair, a ZWJ sequence or a CJK word', () => {
    const family = '👩‍👩‍👧';
    for (let max = 1; max < 40; max++) {
      for (const text of [`${family}${family}${family}${family}`, '猫が公園で走っている。犬も走っている。', `ok ${family} 🇹🇼 done`]) {
        const cut = truncateAtWord(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(isWellFormed(cut)).toBe(true);
        expect(text.startsWith(cut)).toBe(true);
        // Whatever is kept is whole graphemes.
        expect([...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(cut)].every((g) => text.includes(g.segment))).toBe(true);
        if (cut.includes('👩')) expect(cut.split(family).join('')).not.toContain('👩');
      }
    }
  });

  test('sentences of scripts without spaces are joined without one', () => {
    expect(joinSentences(['雨の東京。', '夜の新宿。', 'Night.'])).toBe('雨の東京。夜の新宿。 Night.');
    expect(asSentence('猫が走る')).toBe('猫が走る。');
    expect(asSentence('Golden hour 🌅')).toBe('Golden hour 🌅');
    expect(asSentence('A fox')).toBe('A fox.');
  });
});

describe('regressions found by the property tests', () => {
  it('removes a bare scheme left by a link cut off in the draft (seed -322174877)', () => {
    const { sanitizeDraftText } = require('../src/sanitize') as typeof import('../src/sanitize');
    expect(sanitizeDraftText('kids a call https://').text).not.toMatch(/https?:\/\//);
  });
});
