import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ChaosReport } from '../src/chaos/report';

const run = promisify(execFile);
const MAIN = resolve(__dirname, '../dist/main.js');

/**
 * `d2v chaos` as a person runs it (the built CLI in a child process): a small run — four requests (a text draft, a
 * draft with images, another text draft, a script video of two shots), a few kills at random moments and one in
 * each working state seen, with short simulated Luma timings. The real stack is SIGKILLed and restarted on the
 * same data dir; the Luma simulator in the chaos process is the judge of billing. Correctness is asserted, not
 * timing (the figures go in the README from a bigger run by hand).
 */
describe('d2v chaos (small run)', () => {
  it('every request posted, every clip billed once, one post each, every video playable', async () => {
    expect(existsSync(MAIN)).toBe(true); // `npm test` builds first
    const { stdout } = await run(process.execPath, [MAIN, 'chaos', '--requests', '4', '--kills', '4', '--seed', '7', '--gap', '1500', '--luma-latency', '200', '--json'], {
      env: {
        ...process.env,
        LUMA_SIM_QUEUED_MS: '200',
        LUMA_SIM_DREAMING_MS: '1500',
        LUMA_SIM_IMAGE_QUEUED_MS: '100',
        LUMA_SIM_IMAGE_DREAMING_MS: '500',
        MEDIA_X264_PRESET: 'veryfast',
        LUMAAI_API_KEY: '',
        LUMAAI_BASE_URL: '',
      },
      timeout: 540_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string }) => {
      // A failed run exits 1 but still prints its report: keep it for the assertions below.
      if (!e.stdout) throw new Error(`d2v chaos printed no report: ${e.stderr ?? String(e)}`);
      return { stdout: e.stdout };
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChaosReport;
    expect(report.kills.random).toBeGreaterThan(0);
    expect(report.kills.total).toBeGreaterThanOrEqual(report.kills.random);
    expect(report.stackStarts).toBe(report.kills.total + 1);
    expect(report.recovered).toEqual({ posted: 4, of: 4, notPosted: [] });
    expect(report.lumaGenerationsPerRequest).toMatchObject({ billedOnce: 4, billedTwice: [], notBilled: [] });
    expect(report.lumaGenerationsPerRequest.actual).toBe(report.lumaGenerationsPerRequest.expected);
    expect(report.postsPerRequest).toEqual({ exactlyOne: 4, none: [], twiceOrMore: [], shotPosts: 0 });
    expect(report.playable).toBe(4);
    expect(report.timeToRecoverMs.notResumed).toBe(0);
    expect(report.perRequest.map((r) => r.kind)).toEqual(['text', 'images', 'text', 'script']);
    expect(report.ok).toBe(true);
  }, 600_000);
});
