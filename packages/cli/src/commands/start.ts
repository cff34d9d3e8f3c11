import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { LocalStack } from '@d2v/local';
import type { VideoRequest, VideoOptionsInput } from '@d2v/schema';
import { createProgressView } from '../progress';

export interface StartOptions {
  once?: boolean;
  json?: boolean;
  draft: string;
  user: string;
  duplicates?: boolean;
  /** false (`--no-demo`): only serve, no demo request (what `d2v chaos` runs). */
  demo?: boolean;
  /** On SIGTERM/SIGINT: how long running steps may finish before they are handed back (ms). */
  grace?: string;
}

/** What `--no-demo --json` prints as its one stdout line once the stack serves. */
export interface ServeReady {
  ready: true;
  url: string;
  pid: number;
  incarnation: string;
  resumed: { tasks: number; events: number; rekicked: number };
}

const DEFAULT_GRACE_MS = 3000;

/** What `--json` prints as the last line of stdout. */
export interface DemoSummary {
  requestId: string;
  state: string;
  postId: string | null;
  encryptedVideo: string | null;
  posterImage: string | null;
  decryptedVideo: string | null;
  error: { code: string; message: string } | null;
  transitions: number;
  elapsedMs: number;
  url: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the local stack with the Luma simulator, seed demo data and run one demo request')
    .option('--once', 'exit after the demo (exit code 0 only if it ended posted)')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .option('--draft <draftId>', 'draft to turn into a video', 'demo-sunrise')
    .option('--user <uid>', 'owner of the draft', 'demo-user')
    .option('--duplicates', 'deliver every event and task twice (proves idempotency)')
    .option('--no-demo', 'only serve the API (no demo request) until stopped')
    .option('--grace <ms>', 'on SIGTERM/Ctrl-C, how long running steps may finish before they are handed back', String(DEFAULT_GRACE_MS))
    .action(async (opts: StartOptions) => {
      process.exitCode = await runStart(opts);
    });
}

export async function runStart(opts: StartOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // With --json, stdout carries only the summary; people read stderr.
  const out = opts.json ? process.stderr : process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  const started = Date.now();
  const stack = await LocalStack.start({ env, config: opts.duplicates ? { duplicateDelivery: true } : {} });
  stopOnSignal(stack, graceMsOf(opts.grace), say);
  say(`draft2video local stack on ${stack.url}`);
  say(`  web console: ${stack.url}/  (open it in a browser)`);
  say(`  Luma: ${stack.simulator ? `simulator at ${stack.simulator.url}` : stack.config.realLuma?.baseUrl}`);
  say(`  data: ${rel(stack.config.dataDir)}   logs: ${rel(stack.config.logFile)}`);
  const { tasks, events, rekicked } = stack.resumed;
  if (tasks || events || rekicked) say(`  resumed the last run's work: ${tasks} tasks, ${events} events, ${rekicked} requests re-kicked`);

  if (opts.demo === false) {
    const ready: ServeReady = { ready: true, url: stack.url, pid: process.pid, incarnation: stack.incarnation.incarnation, resumed: stack.resumed };
    if (opts.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
    say(`serving on ${stack.url} — Ctrl-C to stop`);
    return new Promise<number>(() => undefined); // the signal handler stops the stack and exits
  }
  try {
    return await runDemo(stack, opts, env, out, started);
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

async function runDemo(
  stack: LocalStack,
  opts: StartOptions,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream,
  started: number,
): Promise<number> {
  const say = (line: string) => out.write(`${line}\n`);
  // The demo shows the whole pipeline every time: a new generation, not the content cache's copy of the last run's.
  const options: VideoOptionsInput = { autoPost: true, fresh: true };
  if (env.D2V_DEMO_RESOLUTION) options.resolution = env.D2V_DEMO_RESOLUTION as VideoOptionsInput['resolution'];
  const { requestId } = await stack.api.createRequest(opts.user, { draftId: opts.draft, options });
  say(`request ${requestId} created from draft "${opts.draft}"`);

  const view = createProgressView(out);
  let final: VideoRequest;
  try {
    final = await stack.waitForState(opts.user, requestId, ['posted', 'failed', 'deleted'], 15 * 60_000, async (doc) => view.update(doc, await stack.api.listTransitions(opts.user, requestId)));
  } finally {
    view.stop();
  }
  const summary = await summarize(stack, final, started);
  if (final.state === 'posted') {
    say(`posted as ${summary.postId} in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
    say(`  encrypted video: ${summary.encryptedVideo}`);
    say(`  poster:          ${summary.posterImage}`);
    say(`  decrypted copy:  ${summary.decryptedVideo}  (for you to watch)`);
    say(`  follow it:       curl -H 'Authorization: Bearer demo-token' ${stack.url}/v1/requests/${requestId}`);
    say(`  play it:         npm run d2v -- play ${summary.postId} --as other-user --url ${stack.url} -o watch.mp4`);
    const link = await browserLink(stack, opts.user, `/v1/posts/${summary.postId}/video`);
    if (link) say(`  in a browser:    ${link}  (a signed link, valid for an hour)`);
  } else {
    say(`request ended ${final.state}: ${final.error?.code ?? ''} ${final.error?.message ?? ''}`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);

  if (opts.once) {
    await stack.stop();
    return final.state === 'posted' ? 0 : 1;
  }
  say(`serving on ${stack.url} — Ctrl-C to stop`);
  return new Promise<number>(() => undefined); // the signal handler stops the stack and exits
}

function graceMsOf(value: string | undefined): number {
  const ms = Number(value ?? DEFAULT_GRACE_MS);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`--grace must be a number of milliseconds (got ${value})`);
  return ms;
}

/**
 * A graceful stop on SIGTERM or Ctrl-C: stop claiming work, give running steps `graceMs` to finish, hand back the
 * rest (their leases and queue rows, so the next start resumes them at once), close, exit. A second signal during
 * the stop is not caught: it ends the process at once (and the next start still resumes everything).
 */
function stopOnSignal(stack: LocalStack, graceMs: number, say: (line: string) => void): void {
  const stop = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping (running steps get ${graceMs} ms, then they are handed back)…`);
    stack
      .stop({ graceMs })
      .then((back) => {
        if (back.leases || back.tasks || back.events) say(`handed back ${back.leases} leases, ${back.tasks} tasks, ${back.events} events`);
        process.exit(0);
      })
      .catch((e: unknown) => {
        say(`stopping failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A signed playback link for `user` (what a `<video src>` uses), or null if the stack would not make one. */
async function browserLink(stack: LocalStack, user: string, path: string): Promise<string | null> {
  const token = [...stack.tokens].find(([, uid]) => uid === user)?.[0];
  if (!token) return null;
  const res = await fetch(`${stack.url}${path}/link`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
  return res?.ok ? ((await res.json()) as { url: string }).url : null;
}

async function summarize(stack: LocalStack, doc: VideoRequest, started: number): Promise<DemoSummary> {
  const transitions = await stack.api.listTransitions(doc.uid, doc.requestId);
  const summary: DemoSummary = {
    requestId: doc.requestId,
    state: doc.state,
    postId: doc.postId ?? null,
    encryptedVideo: null,
    posterImage: null,
    decryptedVideo: null,
    error: doc.error ? { code: doc.error.code, message: doc.error.message } : null,
    transitions: transitions.length,
    elapsedMs: Date.now() - started,
    url: stack.url,
  };
  if (doc.outputs) {
    summary.encryptedVideo = rel(stack.blobFile(doc.outputs.videoPath));
    summary.posterImage = rel(stack.blobFile(doc.outputs.posterPath));
    const outDir = join(stack.config.dataDir, 'out');
    await mkdir(outDir, { recursive: true });
    const decrypted = join(outDir, `${doc.requestId}.mp4`);
    await pipeline(stack.ports.media.decrypt(stack.ports.blobs.download(doc.outputs.videoPath), doc.outputs.encryption), createWriteStream(decrypted));
    summary.decryptedVideo = rel(decrypted);
  }
  return summary;
}

function rel(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith('..') ? path : r;
}

