/**
 * `d2v play <requestId|postId> [--as uid] [--range a-b] [-o file]`: plays a video the way a client does — over
 * HTTP, against a running local stack (or the `videoPlayback` function with `--url` and `--token`), as a demo
 * user (bearer token from emulator-data/users.json). Prints what came back (status, range, bytes, sha256, time to
 * first byte); `-o` writes the bytes. A range the server shortened (the Firebase function caps one response) is
 * continued with further range requests until everything asked for has arrived.
 *
 * Exit codes: 0 played; 2 refused (the answer's error code is printed: NOT_FOUND, RANGE_NOT_SATISFIABLE, …) or an
 * unusable command line; 1 nothing answered, or the server failed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { DEFAULT_SEED_DIR } from '@d2v/local';
import { IdSchema } from '@d2v/schema';
import { EXIT_INTERNAL, EXIT_OK, EXIT_UNUSABLE } from '../output';

export interface PlayOptions {
  as: string;
  token?: string;
  range?: string;
  output?: string;
  url?: string;
  poster?: boolean;
  download?: boolean;
  json?: boolean;
}

export interface PlaySummary {
  id: string;
  path: string;
  status: number;
  contentType: string | null;
  contentRange: string | null;
  /** The representation's size, from Content-Range or Content-Length. */
  totalBytes: number | null;
  bytes: number;
  sha256: string;
  requests: number;
  ttfbMs: number;
  elapsedMs: number;
  output: string | null;
}

class PlayRefused extends Error {
  constructor(
    readonly exitCode: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String((body.error as { message?: string } | undefined)?.message ?? 'refused'));
  }
}

/** The local stack's address as its own config builds it (D2V_HOST, D2V_PORT). */
export function defaultPlayUrl(env: NodeJS.ProcessEnv = process.env): string {
  return `http://${env.D2V_HOST || '127.0.0.1'}:${env.D2V_PORT && env.D2V_PORT !== '0' ? env.D2V_PORT : '8787'}`;
}

/** A demo user's bearer token from emulator-data/users.json. */
export async function demoToken(uid: string, seedDir: string = DEFAULT_SEED_DIR): Promise<string> {
  const users = (JSON.parse(await readFile(join(seedDir, 'users.json'), 'utf8')) as { users: { uid: string; token: string }[] }).users;
  const user = users.find((u) => u.uid === uid);
  if (!user) {
    throw new PlayRefused(EXIT_UNUSABLE, {
      error: { code: 'UNKNOWN_USER', message: `No demo user "${uid}" in emulator-data/users.json (there are ${users.map((u) => u.uid).join(', ')}); pass --token for anyone else.` },
    });
  }
  return user.token;
}

type Wanted = { start: number; end: number | null } | { suffix: number } | null;

function parseWanted(range: string | undefined): Wanted {
  if (range === undefined) return null;
  const m = /^(?:(\d+)-(\d*)|-(\d+))$/.exec(range.trim());
  if (!m) throw new PlayRefused(EXIT_UNUSABLE, { error: { code: 'INVALID_RANGE', message: `--range must look like a-b, a- or -n (got "${range}").` } });
  if (m[3] !== undefined) return { suffix: Number(m[3]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? null : Number(m[2]);
  if (end !== null && end < start) throw new PlayRefused(EXIT_UNUSABLE, { error: { code: 'INVALID_RANGE', message: `--range ${range}: the end is before the start.` } });
  return { start, end };
}

const rangeHeader = (w: Wanted): string | undefined =>
  w === null ? undefined : 'suffix' in w ? `bytes=-${w.suffix}` : `bytes=${w.start}-${w.end ?? ''}`;

function parseContentRange(value: string | null): { start: number; end: number; total: number } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value ?? '');
  return m ? { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } : null;
}

async function errorBody(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: { code: `HTTP_${res.status}`, message: text.slice(0, 200) || res.statusText } };
  }
}

export async function runPlay(id: string, opts: PlayOptions, write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  let sink: WriteStream | null = null;
  try {
    if (!IdSchema.safeParse(id).success) {
      throw new PlayRefused(EXIT_UNUSABLE, { error: { code: 'INVALID_ID', message: `"${id}" is not a request or post id (1–128 letters, digits, "_" or "-").` } });
    }
    const wanted = parseWanted(opts.range);
    const token = opts.token ?? (await demoToken(opts.as));
    const base = (opts.url ?? defaultPlayUrl()).replace(/\/+$/, '');
    const asset = opts.poster ? 'poster' : 'video';
    // Post ids are `ai_<requestId>`: try the likelier route first, the other one on "not found".
    const kinds = id.startsWith('ai_') ? ['posts', 'requests'] : ['requests', 'posts'];
    const started = performance.now();
    const hash = createHash('sha256');
    let bytes = 0;
    let requests = 0;
    let ttfbMs = 0;
    let first: Response | null = null;
    let path = '';
    for (const kind of kinds) {
      path = `/v1/${kind}/${id}/${asset}${opts.download ? '?download=1' : ''}`;
      const range = rangeHeader(wanted);
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...(range ? { range } : {}) } }).catch((err: Error) => {
        throw new PlayRefused(EXIT_INTERNAL, { error: { code: 'UNREACHABLE', message: `Nothing answered at ${base} (${err.message}); start the local stack with \`npm start\` or pass --url.` } });
      });
      requests++;
      if (res.status === 404 && kind === kinds[0]) {
        await res.arrayBuffer();
        continue;
      }
      if (res.status >= 400) throw new PlayRefused(res.status >= 500 ? EXIT_INTERNAL : EXIT_UNUSABLE, { status: res.status, ...(await errorBody(res)) });
      first = res;
      break;
    }
    if (!first) throw new PlayRefused(EXIT_UNUSABLE, { status: 404, error: { code: 'NOT_FOUND', message: `No request or post ${id} that ${opts.token ? 'this token' : opts.as} may see.` } });
    if (opts.output) sink = opts.output === '-' ? (process.stdout as unknown as WriteStream) : createWriteStream(opts.output);
    const consume = async (res: Response): Promise<void> => {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (bytes === 0) ttfbMs = performance.now() - started;
        bytes += chunk.length;
        hash.update(chunk);
        if (sink && !sink.write(chunk)) await new Promise<void>((r) => sink!.once('drain', () => r()));
      }
    };
    await consume(first);
    const firstRange = parseContentRange(first.headers.get('content-range'));
    // The server may answer a long range in parts (a 206 shorter than asked): ask for the rest.
    if (first.status === 206 && firstRange && wanted !== null) {
      const wantEnd = 'suffix' in wanted || wanted.end === null ? firstRange.total - 1 : Math.min(wanted.end, firstRange.total - 1);
      let got = firstRange;
      while (got.end < wantEnd) {
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${got.end + 1}-${wantEnd}` } });
        requests++;
        if (res.status !== 206) throw new PlayRefused(res.status >= 500 ? EXIT_INTERNAL : EXIT_UNUSABLE, { status: res.status, ...(await errorBody(res)) });
        await consume(res);
        got = parseContentRange(res.headers.get('content-range')) ?? { ...got, end: wantEnd };
      }
    }
    if (sink && sink !== (process.stdout as unknown)) await new Promise<void>((resolve, reject) => sink!.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const contentLength = Number(first.headers.get('content-length'));
    const summary: PlaySummary = {
      id,
      path,
      status: first.status,
      contentType: first.headers.get('content-type'),
      contentRange: first.headers.get('content-range'),
      totalBytes: firstRange?.total ?? (Number.isFinite(contentLength) ? contentLength : null),
      bytes,
      sha256: hash.digest('hex'),
      requests,
      ttfbMs: Math.round(ttfbMs * 10) / 10,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      output: opts.output ?? null,
    };
    // With `-o -` the bytes own stdout; the summary goes to stderr.
    const say = opts.output === '-' ? (t: string) => void process.stderr.write(t) : write;
    if (opts.json) say(`${JSON.stringify(summary)}\n`);
    else {
      say(`${summary.status} ${summary.contentType ?? ''} ${summary.path}${summary.contentRange ? ` (${summary.contentRange})` : ''}\n`);
      say(`  ${summary.bytes} bytes of ${summary.totalBytes ?? '?'} in ${summary.requests} request(s); first byte after ${summary.ttfbMs} ms, all after ${summary.elapsedMs} ms\n`);
      say(`  sha256 ${summary.sha256}${summary.output ? `; written to ${summary.output}` : ''}\n`);
    }
    return EXIT_OK;
  } catch (err) {
    sink?.destroy();
    if (err instanceof PlayRefused) {
      write(`${JSON.stringify(err.body)}\n`);
      return err.exitCode;
    }
    write(`${JSON.stringify({ error: { code: 'INTERNAL', message: (err as Error).message } })}\n`);
    return EXIT_INTERNAL;
  }
}

export function registerPlayCommand(program: Command): void {
  program
    .command('play <id>')
    .description('play (or download) a request’s or post’s video over HTTP as a demo user, with Range')
    .option('--as <uid>', 'the demo user to play as (token from emulator-data/users.json)', 'demo-user')
    .option('--token <token>', 'send this bearer token instead (e.g. a Firebase ID token for the videoPlayback function)')
    .option('--range <a-b>', 'only these bytes: a-b, a- or -n')
    .option('-o, --output <file>', 'write the bytes to a file ("-": stdout)')
    .option('--url <url>', 'base URL of the local stack or of the videoPlayback function (default: D2V_HOST/D2V_PORT, as `npm start`)')
    .option('--poster', 'the poster instead of the video')
    .option('--download', 'ask for the download form (Content-Disposition: attachment)')
    .option('--json', 'print the summary as one JSON line')
    .action(async (id: string, opts: PlayOptions) => {
      process.exitCode = await runPlay(id, opts);
    });
}
