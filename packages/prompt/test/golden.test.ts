/**
 * One golden file per fixture draft in emulator-data/drafts: exactly what `d2v prompt` prints for it (the Luma
 * requests, warnings, parts and analysis) or the error. Regenerate with `UPDATE_GOLDEN=1 npx jest …` and review
 * the diff.
 */
import { join } from 'node:path';
import { buildLumaPlan, planStages } from '../src';
import { PipelineError } from '@d2v/schema';
import { DEFAULT_OPTIONS, expectGolden, fakeContext, loadFixtures } from './helpers';

const GOLDEN_DIR = join(__dirname, 'golden');
const fixtures = loadFixtures();

const EXPECTED_ERRORS: Record<string, string> = {
  'broken-no-content': 'DRAFT_EMPTY',
  'broken-too-short': 'PROMPT_TOO_SHORT',
  'broken-refused-words': 'PROMPT_REFUSED',
  'broken-not-an-image': 'IMAGE_INVALID',
  'broken-other-user': 'IMAGE_NOT_ALLOWED',
  'broken-disallowed-url': 'IMAGE_NOT_ALLOWED',
  'broken-insecure-url': 'IMAGE_NOT_ALLOWED',
  'broken-weights-out-of-range': 'INVALID_REQUEST',
  'broken-negative-weight': 'INVALID_REQUEST',
  'broken-way-too-many-images': 'INVALID_REQUEST',
};

test('there is a fixture for every draft type of the issue', () => {
  const names = fixtures.map((f) => f.name);
  for (const required of [
    'text-short', 'text-long', 'text-very-long', 'text-social', 'non-english-japanese', 'non-english-arabic',
    'mixed-scripts', 'images-only', 'images-little-text', 'reference-weights', 'character-images', 'style-image',
    'style-preset', 'everything', ...Object.keys(EXPECTED_ERRORS), 'broken-too-many-images',
  ]) {
    expect(names).toContain(required);
  }
  expect((fixtures.find((f) => f.name === 'text-very-long')!.draft.text ?? '').length).toBeGreaterThan(5000);
});

describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (name, fixture) => {
  test('matches its golden file', async () => {
    let output: unknown;
    try {
      const plan = await buildLumaPlan(fixture.draft, DEFAULT_OPTIONS, fakeContext());
      output = { stages: planStages(plan), warnings: plan.warnings, parts: plan.parts, analysis: plan.analysis };
      expect(EXPECTED_ERRORS[name]).toBeUndefined();
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      expect(e.code).toBe(EXPECTED_ERRORS[name]);
      output = { error: { code: e.code, message: e.message } };
    }
    expectGolden(GOLDEN_DIR, name, output);
  });

  test('is deterministic', async () => {
    const run = () => buildLumaPlan(fixture.draft, DEFAULT_OPTIONS, fakeContext()).catch((e: unknown) => e);
    expect(JSON.stringify(await run())).toBe(JSON.stringify(await run()));
  });
});
