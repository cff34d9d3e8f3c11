/** Shared test plumbing: a tiny API client, polling, ffprobe, a local HTTP receiver and a test image. */
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { LumaSimulator } from '../src';

export const KEY = 'sim-key';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One API call; `body` is JSON-encoded unless it is already a string (to send malformed JSON). */
export async function call(
  sim: LumaSimulator,
  method: string,
  route: string,
  body?: unknown,
  opts: { key?: string | null } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls GET /generations/{id} until `done(state)` or the timeout. */
export async function waitForGeneration(
  sim: LumaSimulator,
  id: string,
  done: (state: string) => boolean = (s) => s === 'completed' || s === 'failed',
  timeoutMs = 30_000,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(sim, 'GET', `/generations/${id}`);
    if (res.status === 200 && done(res.body.state)) return res.body;
    if (Date.now() > deadline) throw new Error(`generation ${id} still ${res.body?.state} after ${timeoutMs} ms`);
    await delay(50);
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function ffprobePath(): string {
  if (process.env.FFPROBE_PATH) return process.env.FFPROBE_PATH;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}

export function ffmpegPathForTests(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
}
export interface Probe {
  streams: ProbedStream[];
  format: { duration?: string; format_name: string };
}

export function ffprobe(file: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath(),
      ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file],
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Probe)),
    );
  });
}

/** Downloads a URL into a temp file (for ffprobe). */
export async function download(url: string, dir: string, name: string): Promise<{ file: string; res: Response; bytes: Buffer }> {
  const res = await fetch(url);
  const bytes = Buffer.from(await res.arrayBuffer());
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, res, bytes };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'luma-sim-test-'));
}

/** A small real PNG made with ffmpeg (a red square), for image inputs. */
export function makePng(): Buffer {
  const dir = tempDir();
  const file = path.join(dir, 'red.png');
  execFileSync(ffmpegPathForTests(), ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x48', '-frames:v', '1', file]);
  const bytes = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP server that records every request and answers with `respond` (status, content type, body).
 * Used as callback receiver and as the host of input images.
 */
export async function startReceiver(
  respond: (req: ReceivedRequest) => { status: number; type?: string; body?: string | Buffer } = () => ({ status: 200 }),
): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON: keep text */
      }
      const entry: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', body, at: Date.now() };
      received.push(entry);
      const answer = respond(entry);
      res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Waits until `cond()` holds (for asynchronous callbacks). */
export async function eventually(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

/** Timings under which nothing ever leaves `queued` during a test (no renders, no CPU). */
export const FROZEN = { queuedMs: 600_000, dreamingMs: 600_000, imageQueuedMs: 600_000, imageDreamingMs: 600_000 };
/** Timings that finish quickly; completion still waits for the real render. */
export const FAST = { queuedMs: 50, dreamingMs: 150, imageQueuedMs: 20, imageDreamingMs: 50 };

/**
 * One frame of `file` at `seconds`, as 64×36 grey bytes: enough to tell whether two videos show the same picture.
 */
export function greyFrame(file: string, seconds: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPathForTests(),
      ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', '-vf', 'scale=64:36,format=gray', '-f', 'rawvideo', '-'],
      { encoding: 'buffer', maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/** Mean absolute difference of two grey frames (0 = identical, 255 = opposite). */
export function frameDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`frames differ in size: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

export function videoStream(probe: Probe): ProbedStream {
  const v = probe.streams.find((s) => s.codec_type === 'video');
  if (!v) throw new Error('no video stream');
  return v;
}
