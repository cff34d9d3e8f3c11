/**
 * `d2v prompt` and `d2v script`: the command functions in-process, and the commands through a real commander program
 * in a child process. The only fake is at the URL-signing boundary (a signer returning
 * http://127.0.0.1:1/blobs/<path>?sig=test instead of the local stack's HMAC-signed URL).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_DIR, PROMPT_GOLDEN_DIR, fakeSignBlobUrl, ALLOW_LIST } from '../../prompt/test/helpers';
import { runPrompt } from '../src/commands/prompt';
import { runScript, parseScriptDuration } from '../src/commands/script';
import { EXIT_UNUSABLE, EXIT_INTERNAL } from '../src/output';

const fixture = (name: string) => join(FIXTURE_DIR, `${name}.json`);
const tmp = mkdtempSync(join(tmpdir(), 'd2v-cli-'));
function file(name: string, content: unknown): string {
  const p = join(tmp, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

async function run(fn: 'prompt' | 'script', target: string, flags: Record<string, unknown> = {}, signer: ((p: string) => Promise<string>) | null = fakeSignBlobUrl) {
  let stdout = '';
  let exitCode = -1;
  const deps = {
    ...(signer ? { signBlobUrl: signer } : {}),
    imageHostAllowList: ALLOW_LIST,
    write: (t: string) => void (stdout += t),
    setExitCode: (c: number) => void (exitCode = c),
  };
  const returned = fn === 'prompt' ? await runPrompt(target, flags, deps) : await runScript(target, flags, deps);
  expect(returned).toBe(exitCode);
  const lines = stdout.trimEnd().split('\n');
  return { stdout, exitCode, lastLine: lines[lines.length - 1]! };
}

describe('d2v prompt (in-process, fake at the URL-signing boundary)', () => {
  test('prints the stages, warnings and parts of a two-stage draft, with signed URLs', async () => {
    const r = await run('prompt', fixture('character-images'));
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stages.map((s: { kind: string }) => s.kind)).toEqual(['image', 'video']);
    expect(out.stages[0].request.character_ref.identity0.images[0]).toBe('http://127.0.0.1:1/blobs/users/demo-user/uploads/face-1.jpg?sig=test');
    expect(out.stages[1].frame0).toContain('stage 1');
    expect(Array.isArray(out.warnings)).toBe(true);
    expect(out.parts.length).toBeGreaterThan(2);
  });

  test('output equals the golden file of the fixture', async () => {
    for (const name of ['text-social', 'everything', 'broken-other-user']) {
      const r = await run('prompt', fixture(name));
      const golden = JSON.parse(readFileSync(join(PROMPT_GOLDEN_DIR, `${name}.json`), 'utf8'));
      if (golden.error) expect(JSON.parse(r.lastLine)).toEqual(golden);
      else expect(JSON.parse(r.stdout)).toEqual(golden);
    }
  });

  test('flags become the video options', async () => {
    const r = await run('prompt', fixture('text-short'), { model: 'ray-flash-2', aspectRatio: '16:9', resolution: '720p', duration: '9s', loop: true });
    const video = JSON.parse(r.stdout).stages[0].request;
    expect(video).toMatchObject({ model: 'ray-flash-2', aspect_ratio: '16:9', resolution: '720p', duration: '9s', loop: true });
  });

  test.each([
    ['broken-other-user', 'IMAGE_NOT_ALLOWED'],
    ['broken-no-content', 'DRAFT_EMPTY'],
    ['broken-weights-out-of-range', 'INVALID_REQUEST'],
  ])('an unusable draft (%s) exits 2 with the error as the last line', async (name, code) => {
    const r = await run('prompt', fixture(name));
    expect(r.exitCode).toBe(EXIT_UNUSABLE);
    expect(JSON.parse(r.lastLine)).toEqual({ error: { code, message: expect.any(String) } });
  });

  test('unreadable files, bad JSON, a draft the schema refuses and bad flags exit 2 too', async () => {
    for (const [target, flags, phrase] of [
      [join(tmp, 'missing.json'), {}, 'Cannot read'],
      [file('bad.json', '{ not json'), {}, 'is not valid JSON'],
      [file('array.json', '[]'), {}, 'does not hold a JSON object'],
      [file('schema.json', { text: 5 }), {}, 'The draft cannot be read: text'],
      [fixture('text-short'), { aspectRatio: '2:1' }, '--aspect-ratio'],
    ] as const) {
      const r = await run('prompt', target, flags);
      expect(r.exitCode).toBe(EXIT_UNUSABLE);
      const last = JSON.parse(r.lastLine);
      expect(last.error.code).toBe('INVALID_REQUEST');
      expect(last.error.message).toContain(phrase);
    }
  });

  test('uid defaults to demo-user and id to the file name', async () => {
    const r = await run('prompt', file('my draft.json', { text: 'A fox', referenceImages: [{ path: 'users/demo-user/uploads/ref-1.jpg' }] }));
    expect(r.exitCode).toBe(0);
  });

  test('without a signer, a draft with Storage images is an internal error (exit 1), a text draft still works', async () => {
    const r = await run('prompt', fixture('images-only'), {}, null);
    expect(r.exitCode).toBe(EXIT_INTERNAL);
    expect(JSON.parse(r.lastLine).error.code).toBe('INTERNAL');
    expect((await run('prompt', fixture('text-short'), {}, null)).exitCode).toBe(0);
  });
});

describe('d2v script (in-process)', () => {
  test('prints a script whose durations add up; --requests adds the Luma requests', async () => {
    const r = await run('script', fixture('text-long'), { duration: '12', shots: '3' });
    expect(r.exitCode).toBe(0);
    const script = JSON.parse(r.stdout);
    expect(script.totalMs).toBe(12_000);
    expect(script.scenes.map((s: { durationMs: number }) => s.durationMs)).toEqual([4_000, 4_000, 4_000]);
    const withRequests = JSON.parse((await run('script', fixture('character-images'), { duration: '9s', requests: true })).stdout);
    expect(withRequests.requests.shots[0].keyframe.character_ref.identity0.images).toHaveLength(3);
  });

  test('an edited script file is validated (and planned with --requests)', async () => {
    const script = JSON.parse((await run('script', fixture('text-short'), { duration: '9s' })).stdout);
    script.scenes[1].description = 'The fox curls up in the snow';
    const ok = await run('script', file('edited.json', script), { requests: true });
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout).requests.shots[1].video.prompt).toContain('The fox curls up in the snow.');
    script.scenes[1].durationMs = 1_000;
    const bad = await run('script', file('edited-bad.json', script));
    expect(bad.exitCode).toBe(EXIT_UNUSABLE);
    expect(JSON.parse(bad.lastLine).error.message).toContain('must add up exactly');
    const flags = await run('script', file('edited-flags.json', script), { duration: '5s' });
    expect(JSON.parse(flags.lastLine).error.message).toContain('already a script');
  });

  test('durations: 5s, 9s, or seconds', () => {
    expect(parseScriptDuration(undefined)).toBe('5s');
    expect(parseScriptDuration('9s')).toBe('9s');
    expect(parseScriptDuration('12')).toBe(12);
    expect(parseScriptDuration('7.5s')).toBe(7.5);
    expect(() => parseScriptDuration('long')).toThrow('--duration must be 5s, 9s or a number of seconds');
  });

  test('bad --shots and unusable drafts exit 2', async () => {
    expect(JSON.parse((await run('script', fixture('text-short'), { shots: 'many' })).lastLine).error.message).toContain('--shots must be a whole number');
    const r = await run('script', fixture('broken-refused-words'));
    expect(r.exitCode).toBe(EXIT_UNUSABLE);
    expect(JSON.parse(r.lastLine).error.code).toBe('PROMPT_REFUSED');
  });
});

describe('through a real commander program in a child process', () => {
  const runner = join(__dirname, 'cli-runner.cjs');
  const d2v = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--no-warnings', runner, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, lastLine: r.stdout.trimEnd().split('\n').pop() ?? '' };
  };

  test('d2v prompt <draft.json> prints the requests', () => {
    const r = d2v('prompt', fixture('reference-weights'), '--aspect-ratio', '16:9');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stages[0].request.aspect_ratio).toBe('16:9');
    expect(out.stages[0].request.image_ref).toHaveLength(4);
  });

  test('d2v prompt on an unusable draft exits 2 with the error as the last line', () => {
    const r = d2v('prompt', fixture('broken-not-an-image'));
    expect(r.status).toBe(2);
    expect(JSON.parse(r.lastLine).error.code).toBe('IMAGE_INVALID');
  });

  test('d2v script <draft.json> --duration 9s --shots 2', () => {
    const r = d2v('script', fixture('text-very-long'), '--duration', '9s', '--shots', '2');
    expect(r.status).toBe(0);
    const script = JSON.parse(r.stdout);
    expect(script.scenes).toHaveLength(2);
    expect(script.scenes[0].durationMs + script.scenes[1].durationMs).toBe(9_000);
  });

  test('d2v help lists both commands', () => {
    const r = d2v('--help');
    expect(r.stdout).toContain('prompt [options] <draft.json>');
    expect(r.stdout).toContain('script [options] <file.json>');
  });
});
