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
}

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
  say(`draft2video local stack on ${stack.url}`);
  say(`  web console: ${stack.url}/  (open it in a browser)`);
  say(`  Luma: ${stack.simulator ? `simulator at ${stack.simulator.url}` : stack.config.realLuma?.baseUrl}`);
  say(`  data: ${rel(stack.config.dataDir)}   logs: ${rel(stack.config.logFile)}`);

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
  await new Promise<void>((resolveStop) => {
    const stop = () => void stack.stop().then(resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
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

