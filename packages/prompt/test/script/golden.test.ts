/**
 * One golden file per fixture draft: the 9-second script `d2v script --duration 9s --requests` prints (the script and
 * the Luma requests of each shot) or the error. Regenerate with `UPDATE_GOLDEN=1` and review the diff.
 */
import { join } from 'node:path';
import { buildScript, planFromScript } from '../../src/script';
import { PipelineError } from '@d2v/schema';
import { ALLOW_LIST, DEFAULT_OPTIONS, expectGolden, fakeContext, loadFixtures } from '../helpers';

const GOLDEN_DIR = join(__dirname, 'golden');

describe.each(loadFixtures().map((f) => [f.name, f] as const))('fixture %s', (name, fixture) => {
  test('script matches its golden file', async () => {
    let output: unknown;
    try {
      const script = buildScript(fixture.draft, { duration: '9s', imageHostAllowList: ALLOW_LIST });
      const requests = await planFromScript(script, DEFAULT_OPTIONS, fakeContext());
      output = { script, requests };
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      output = { error: { code: e.code, message: e.message } };
    }
    expectGolden(GOLDEN_DIR, name, output);
  });
});
