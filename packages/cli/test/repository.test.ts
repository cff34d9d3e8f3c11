import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');

/** Things a fresh clone must get right, checked on the repository itself. */
describe('repository', () => {
  it('the d2v bin is a committed file, so `npm ci` links it (npm skips a bin whose file is missing at install)', async () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'packages/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = pkg.bin.d2v!;
    expect(bin.startsWith('dist/')).toBe(false);
    const tracked = (await run('git', ['ls-files', '--', `packages/cli/${bin}`], { cwd: ROOT })).stdout.trim();
    expect(tracked).toBe(`packages/cli/${bin}`);
    // Linked where npm puts workspace bins, and it runs the built command.
    const linked = resolve(ROOT, 'node_modules/.bin/d2v');
    expect(existsSync(linked)).toBe(true);
    const { stdout } = await run(linked, ['--help'], { cwd: ROOT });
    expect(stdout).toMatch(/^Usage: d2v/);
    for (const command of ['start', 'prompt', 'script', 'media', 'bench']) expect(stdout).toContain(command);
  });

  it('names no path of the machine it was written on', async () => {
    const files = (await run('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout.split('\0').filter(Boolean);
    // Split so that this file does not match itself.
    const machinePath = new RegExp(['/wo', 'rk/|/ro', 'ot/'].join(''));
    const offenders = files.filter((f) => f !== 'package-lock.json' && existsSync(resolve(ROOT, f)) && machinePath.test(readFileSync(resolve(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
