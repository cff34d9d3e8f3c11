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

describe('d2v start --no-demo --json', () => {
  it('serves until SIGTERM, then stops gracefully and frees the data dir for the next start', async () => {
    const { spawn } = await import('node:child_process');
    const dataDir = mkdtempSync(join(tmpdir(), 'd2v-serve-'));
    try {
      const child = spawn(process.execPath, [MAIN, 'start', '--no-demo', '--json'], {
        env: { ...process.env, D2V_PORT: '0', D2V_DATA_DIR: dataDir, LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const ready = await new Promise<{ ready: boolean; url: string; pid: number; incarnation: string }>((resolveReady, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolveReady(JSON.parse(out.split('\n')[0]!));
        });
        child.once('exit', () => reject(new Error(`exited before ready: ${stderr}`)));
      });
      expect(ready).toMatchObject({ ready: true, pid: child.pid });
      expect((await fetch(`${ready.url}/healthz`)).status).toBe(200);
      expect(existsSync(join(dataDir, 'stack.lock'))).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: stopping');
      expect(existsSync(join(dataDir, 'stack.lock'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
