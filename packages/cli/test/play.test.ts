/**
 * `d2v play` as a person runs it: the built CLI in a child process, against a local stack (started here, on a free
 * port) that has made, encrypted and posted a real video to its owner's followers.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { LocalStack } from '@d2v/local';

const MAIN = resolve(__dirname, '../dist/main.js');
const OWNER = 'demo-user';
const MAX_RANGE = 100_000;

let stack: LocalStack;
let dir: string;
let requestId: string;
let postId: string;
let plaintext: Buffer;

function d2vRaw(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString('utf8') }),
    );
  });
}
const d2v = async (args: string[]) => {
  const r = await d2vRaw(args);
  return { ...r, stdout: r.stdout.toString('utf8') };
};

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true); // `npm test` builds first
  dir = mkdtempSync(join(tmpdir(), 'd2v-play-'));
  stack = await LocalStack.start({
    env: { ...process.env, MEDIA_X264_PRESET: 'veryfast', LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
    logger: 'silent',
    // A cap on one answer like the Firebase function's (8 MiB there), small enough to split this video.
    config: { dataDir: join(dir, 'data'), port: 0, pollIntervalSeconds: 1, playbackMaxRangeBytes: MAX_RANGE },
    core: { pollIntervalSeconds: 1, expectedDreamingMs: 2000 },
    simulator: { seed: 3, timing: { queuedMs: 200, dreamingMs: 1000 } },
  });
  const { requestId: id } = await stack.api.createRequest(OWNER, {
    draftId: 'demo-sunrise',
    options: { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true, visibility: 'followers' },
  });
  requestId = id;
  const doc = await stack.waitForState(OWNER, requestId, ['posted', 'failed'], 90_000);
  if (doc.state !== 'posted') throw new Error(`demo video did not post: ${JSON.stringify(doc.error)}`);
  postId = doc.postId!;
  plaintext = await readAll(stack.ports.media.decrypt(stack.ports.blobs.download(doc.outputs!.videoPath), doc.outputs!.encryption));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('d2v play', () => {
  it('downloads the owner’s video to a file (-o), byte for byte', async () => {
    const out = join(dir, 'mine.mp4');
    const r = await d2v(['play', requestId, '--url', stack.url, '-o', out, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ status: 200, contentType: 'video/mp4', bytes: plaintext.length, totalBytes: plaintext.length, path: `/v1/requests/${requestId}/video` });
    expect(readFileSync(out).equals(plaintext)).toBe(true);
    expect(summary.sha256).toBe(createHash('sha256').update(plaintext).digest('hex'));
  });

  it('plays a range as a follower through the post (--as, --range)', async () => {
    const r = await d2v(['play', postId, '--as', 'other-user', '--range', '1000-1999', '--url', stack.url, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ status: 206, bytes: 1000, contentRange: `bytes 1000-1999/${plaintext.length}`, path: `/v1/posts/${postId}/video` });
    expect(summary.sha256).toBe(createHash('sha256').update(plaintext.subarray(1000, 2000)).digest('hex'));
  });

  it('continues a range the server answered in parts until all of it has arrived', async () => {
    const out = join(dir, 'parts.mp4');
    const r = await d2v(['play', requestId, '--range', '0-', '--url', stack.url, '-o', out, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ status: 206, contentRange: `bytes 0-${MAX_RANGE - 1}/${plaintext.length}`, bytes: plaintext.length, requests: Math.ceil(plaintext.length / MAX_RANGE) });
    expect(readFileSync(out).equals(plaintext)).toBe(true);
  });

  it('takes a suffix range and writes it to stdout with -o -', async () => {
    const r = await d2vRaw(['play', postId, '--range', '-100', '--url', stack.url, '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(plaintext.subarray(plaintext.length - 100))).toBe(true);
    expect(r.stderr).toMatch(/^206 video\/mp4/);
  });

  it('says "not found" (exit 2) to someone outside the audience, and why for bad input', async () => {
    const stranger = await d2v(['play', postId, '--as', 'third-user', '--url', stack.url]);
    expect(stranger.code).toBe(2);
    expect(JSON.parse(stranger.stdout.trim())).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
    const past = await d2v(['play', requestId, '--range', `${plaintext.length}-`, '--url', stack.url]);
    expect(past.code).toBe(2);
    expect(JSON.parse(past.stdout.trim())).toMatchObject({ status: 416, error: { code: 'RANGE_NOT_SATISFIABLE' } });
    for (const [args, code] of [
      [['play', requestId, '--as', 'nobody', '--url', stack.url], 'UNKNOWN_USER'],
      [['play', requestId, '--range', '9-1', '--url', stack.url], 'INVALID_RANGE'],
      [['play', 'not/an/id', '--url', stack.url], 'INVALID_ID'],
    ] as const) {
      const r = await d2v([...args]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout.trim()).error.code).toBe(code);
    }
  });

  it('exits 1 when nothing answers', async () => {
    const r = await d2v(['play', requestId, '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim()).error.code).toBe('UNREACHABLE');
  });
});
