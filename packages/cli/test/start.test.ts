import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ffprobePath } from '@d2v/media';

const run = promisify(execFile);
const MAIN = resolve(__dirname, '../dist/main.js');

/** `npm start -- --once --json` as a person runs it: the built CLI in a child process. */
describe('d2v start --once --json', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'd2v-start-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('runs the demo to posted and ends stdout with the summary JSON', async () => {
    expect(existsSync(MAIN)).toBe(true); // `npm test` builds first
    const { stdout, stderr } = await run(process.execPath, [MAIN, 'start', '--once', '--json'], {
      cwd,
      env: { ...process.env, D2V_PORT: '0', D2V_DEMO_RESOLUTION: '540p', MEDIA_X264_PRESET: 'veryfast', LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
      timeout: 180_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // with --json, people's lines go to stderr
    const summary = JSON.parse(lines.at(-1)!);
    expect(summary).toMatchObject({ state: 'posted', error: null });
    expect(summary.postId).toBe(`ai_${summary.requestId}`);
    for (const key of ['encryptedVideo', 'posterImage', 'decryptedVideo']) expect(existsSync(resolve(cwd, summary[key]))).toBe(true);
    expect(readFileSync(resolve(cwd, summary.posterImage)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const probe = JSON.parse((await run(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_streams', resolve(cwd, summary.decryptedVideo)])).stdout);
    expect(probe.streams[0].codec_name).toBe('h264');
    expect(stderr).toContain(`web console: ${summary.url}/`);
    for (const state of ['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted']) {
      expect(stderr).toContain(state);
    }
  });
});
