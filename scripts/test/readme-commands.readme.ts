/**
 * Every command the README shows, run as a newcomer on a fresh clone would run it (after `npm ci` and the build
 * `npm test` starts with). Runs on its own after the rest of `npm test` (`npm run test:readme`): `npm start` and
 * `npm run build` rebuild the web console that the browser tests serve, so they must not run beside them.
 *
 * Each command is one of: run here (to its end, or served until a Ctrl-C), run by the one place that names it
 * (`.ci/run` runs `npm ci`, `npm test` and `npm run check:functions`; this file cannot run the `npm test` it runs
 * in), or — needing a Google Cloud project or Java 21 — printed as skipped with the reason. A README command that
 * is none of these fails the first test: a new command needs a way to be run here.
 *
 * Only what keeps runs apart is added to a command's environment: its own data dir, a free port, faster simulated
 * Luma timings for the API walk-through. The command line itself is the README's, placeholders (`<id>`) filled.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readmeCommands, ROOT, type ReadmeCommand } from './readme/extract';
import { freePort, runToEnd, serveThenInterrupt, shellQuote, type Ran } from './readme/run';

jest.setTimeout(900_000);

const ALL = readmeCommands();
const UNIQUE = ALL.filter((c, i) => (c.where === 'inline' || c.where === 'block:1') && ALL.findIndex((d) => d.text === c.text) === i);
const BLOCKS = [...new Set(ALL.filter((c) => c.where.startsWith('block:') && c.where !== 'block:1').map((c) => c.where))];

type Plan =
  | { kind: 'runs'; command?: string; note?: string; timeoutMs?: number; check: (ran: Ran) => void }
  | { kind: 'serves'; ready: RegExp; timeoutMs?: number }
  | { kind: 'ranElsewhere'; by: string; contains: string }
  | { kind: 'cannotRunHere'; why: string };

const NO_PROJECT = 'needs a Google Cloud project and credentials (npm run check:functions loads the same bundle in the real emulators)';
const NO_JAVA = 'needs the Firestore/Storage emulators, which need Java 21 (npm run test:emulators prints whether it ran)';
const SERVING = /serving on http:\/\/127\.0\.0\.1:\d+/;

const PLANS: Record<string, Plan> = {
  'npm ci': { kind: 'ranElsewhere', by: '.ci/run', contains: 'npm ci' },
  'npm test': { kind: 'ranElsewhere', by: '.ci/run', contains: 'npm test' },
  'npm run check:functions': { kind: 'ranElsewhere', by: '.ci/run', contains: 'npm run check:functions' },
  'npm run test:readme': { kind: 'ranElsewhere', by: 'package.json', contains: 'npm run test:readme --silent' },
  'npm run test:components -w @d2v/web': { kind: 'ranElsewhere', by: 'package.json', contains: 'npm run test:components --silent -w @d2v/web' },
  'npm run d2v -- chaos': { kind: 'ranElsewhere', by: 'packages/cli/test/chaos.test.ts', contains: "'chaos', '--requests'" },
  'npm start': { kind: 'serves', ready: SERVING },
  'npm start -- --no-demo': { kind: 'serves', ready: SERVING },
  'D2V_DEMO_RESOLUTION=540p npm start': { kind: 'serves', ready: SERVING },
  'npm run dev -w @d2v/web': { kind: 'serves', ready: /Local:\s+http:\/\/\S+/ },
  'npm start -- --once': { kind: 'runs', check: (r) => expect(r.stdout).toMatch(/posted as \S+ in/) },
  'npm start -- --once --json': {
    kind: 'runs',
    check: (r) => {
      const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(summary).toMatchObject({ state: 'posted', error: null });
      for (const key of ['requestId', 'postId', 'encryptedVideo', 'posterImage', 'decryptedVideo', 'transitions', 'elapsedMs', 'url']) expect(summary).toHaveProperty(key);
    },
  },
  'npm run build': { kind: 'runs', check: () => expect(existsSync(join(ROOT, 'packages/web/dist/index.html'))).toBe(true) },
  'npm run check:cycles': { kind: 'runs', check: (r) => expect(r.stdout).toMatch(/no dependency violations found/) },
  'npx d2v': { kind: 'runs', check: (r) => expect(r.stdout + r.stderr).toMatch(/Usage: d2v \[options\] \[command\]/) },
  'npx d2v <command>': {
    kind: 'runs',
    command: 'npx d2v script emulator-data/drafts/text-long.json',
    note: '<command> = script emulator-data/drafts/text-long.json',
    check: (r) => expect(jsonAfterNpmBanner(r.stdout)).toHaveProperty('scenes'),
  },
  'npm run d2v -- <command>': { kind: 'runs', command: 'npm run d2v -- prompt --help', note: '<command> = prompt --help', check: (r) => expect(r.stdout).toMatch(/Usage: d2v prompt/) },
  'npm run d2v -- prompt emulator-data/drafts/text-long.json': {
    kind: 'runs',
    check: (r) => expect(jsonAfterNpmBanner(r.stdout)).toHaveProperty('stages'),
  },
  'npx d2v bench media': { kind: 'runs', command: 'npx d2v bench media --quick --json', note: 'with --quick --json', check: (r) => expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'quick' }) },
  'npx d2v bench playback': { kind: 'runs', command: 'npx d2v bench playback --quick --json', note: 'with --quick --json', check: (r) => expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'quick' }) },
  'npx d2v bench pipeline': {
    kind: 'runs',
    command: 'npx d2v bench pipeline --quick --json',
    note: 'with --quick --json',
    check: (r) => expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'quick', requests: { total: 12 } }),
  },
  'npm run bench:functions': {
    kind: 'runs',
    command: 'npm run bench:functions -- --runs 2',
    note: 'with --runs 2',
    timeoutMs: 300_000,
    check: (r) => expect(r.stdout).toMatch(/Functions cold start — 2 alternating pairs/),
  },
  'npm run test:emulators': { kind: 'runs', check: (r) => expect(r.stdout).toMatch(/test:emulators (skipped: .*Java 21|passed)|Tests:\s+\d+ passed/) },
  'openssl rand -base64 32': { kind: 'runs', check: (r) => expect(Buffer.from(r.stdout.trim(), 'base64')).toHaveLength(32) },
  'npm run seed:emulators': { kind: 'cannotRunHere', why: NO_JAVA },
  'firebase emulators:start': { kind: 'cannotRunHere', why: NO_JAVA },
  'firebase deploy': { kind: 'cannotRunHere', why: NO_PROJECT },
  'firebase deploy --only functions,firestore:rules,firestore:indexes,storage': { kind: 'cannotRunHere', why: NO_PROJECT },
  'firebase use <project>': { kind: 'cannotRunHere', why: NO_PROJECT },
  'firebase functions:secrets:set LUMAAI_API_KEY': { kind: 'cannotRunHere', why: NO_PROJECT },
};

/** `npm run` prints its own banner (`> draft2video@… d2v`) before the command's JSON. */
function jsonAfterNpmBanner(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, unknown>;
}

let dataDirs: string[] = [];
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'd2v-readme-'));
  dataDirs.push(dataDir);
  return { ...process.env, D2V_DATA_DIR: dataDir, D2V_PORT: '0', NO_COLOR: '1', ...extra };
}
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs = [];
});

const where = (c: ReadmeCommand) => `README.md:${c.line} \`${c.text}\``;

describe('the README', () => {
  it('shows only commands that are run here, run by the place that names them, or say why they cannot run here', () => {
    const blockLines = ALL.filter((c) => c.where.startsWith('block:') && c.where !== 'block:1' && !isAssignment(c.text));
    const unplanned = UNIQUE.filter((c) => !PLANS[c.text]).map(where);
    const unwalked = blockLines.filter((c) => !walkStep(c.text)).map(where);
    expect({ unplanned, unwalked }).toEqual({ unplanned: [], unwalked: [] });
    expect(ALL.length).toBeGreaterThan(40);
  });

  for (const command of UNIQUE) {
    const plan = PLANS[command.text];
    if (!plan) continue;
    const title = `${where(command)}${plan.kind === 'runs' && plan.note ? ` (${plan.note})` : ''}`;
    switch (plan.kind) {
      case 'ranElsewhere':
        it(`${title} is run by ${plan.by}`, () => {
          expect(readFileSync(join(ROOT, plan.by), 'utf8')).toContain(plan.contains);
        });
        break;
      case 'cannotRunHere':
        it(`${title} cannot run here and says why`, () => {
          console.log(`skipped ${where(command)}: it ${plan.why}`);
          expect(plan.why).toMatch(/needs/);
        });
        break;
      case 'runs':
        it(`${title} runs and ends well`, async () => {
          const ran = await runToEnd(plan.command ?? command.text, { cwd: ROOT, env: freshEnv(), timeoutMs: plan.timeoutMs ?? 240_000 });
          try {
            if (command.text !== 'npx d2v') expect(ran.code).toBe(0);
            plan.check(ran);
          } catch (e) {
            throw new Error(`${(e as Error).message}\n--- stdout\n${ran.stdout.slice(-3000)}\n--- stderr\n${ran.stderr.slice(-3000)}`);
          }
        });
        break;
      case 'serves':
        it(`${title} serves until Ctrl-C, then stops cleanly`, async () => {
          const ran = await serveThenInterrupt(command.text, plan.ready, { cwd: ROOT, env: freshEnv(), timeoutMs: plan.timeoutMs ?? 240_000 });
          expect(ran.readyAfterMs).toBeGreaterThan(0);
          if (command.text.startsWith('npm start') || command.text.includes(' npm start')) expect(ran.stdout + ran.stderr).toMatch(/SIGINT: stopping/);
        });
        break;
    }
  }

  describe('API walk-through blocks, against a running stack', () => {
    let stop: () => Promise<void> = async () => undefined;
    const ctx: WalkContext = { base: '', values: {} };

    beforeAll(async () => {
      const port = await freePort();
      ctx.base = `http://127.0.0.1:${port}`;
      ctx.env = freshEnv({ D2V_PORT: String(port), LUMA_SIM_QUEUED_MS: '200', LUMA_SIM_DREAMING_MS: '1500', LUMA_SIM_IMAGE_QUEUED_MS: '100', LUMA_SIM_IMAGE_DREAMING_MS: '500' });
      stop = await startServing(ctx.env, ctx.base);
    });
    afterAll(() => stop());

    for (const block of BLOCKS) {
      const lines = ALL.filter((c) => c.where === block);
      const preamble = lines.filter((c) => isAssignment(c.text));
      for (const line of lines.filter((c) => !isAssignment(c.text))) {
        it(`${where(line)} works as shown`, async () => {
          const step = walkStep(line.text)!;
          const script = [CURL_WRAPPER, ...preamble.map((p) => p.text.replaceAll('http://127.0.0.1:8787', ctx.base)), fill(line.text, ctx)].join('\n');
          // curl's files (-o) land in a scratch dir; npm commands run where the README runs them, the repository.
          const cwd = line.text.startsWith('npm ') ? ROOT : ctx.env!.D2V_DATA_DIR!;
          const ran = await runToEnd(script, { cwd, env: ctx.env!, timeoutMs: 120_000 });
          const answer = parseAnswer(ran);
          try {
            await step(answer, ctx);
          } catch (e) {
            throw new Error(`${(e as Error).message}\n--- ran\n${fill(line.text, ctx)}\n--- stdout\n${ran.stdout.slice(-2000)}\n--- stderr\n${ran.stderr.slice(-2000)}`);
          }
        });
      }
    }
  });
});

// ——— the API walk-through ———

interface WalkContext {
  base: string;
  env?: NodeJS.ProcessEnv;
  values: Record<string, string>;
}
interface Answer {
  status: number;
  body: string;
  exit: number | null;
  stdout: string;
}
type Step = (answer: Answer, ctx: WalkContext) => Promise<void> | void;

/** Every curl call reports its HTTP status on a last line of its own (the README's lines stay as written). */
const CURL_WRAPPER = `curl() { command curl -sS --max-time 90 -w '\\n%{http_code}\\n' "$@"; }`;

function isAssignment(text: string): boolean {
  return /^[A-Z_]+=('[^']*'|\S+)(;\s*[A-Z_]+=('[^']*'|\S+))*$/.test(text);
}

function parseAnswer(ran: Ran): Answer {
  const lines = ran.stdout.replace(/\n$/, '').split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n'), exit: ran.code, stdout: ran.stdout };
}

function fill(text: string, ctx: WalkContext): string {
  const v = ctx.values;
  return text
    .replace(/(\/v1\/scripts\/)<id>/g, `$1${v.scriptId ?? '<id>'}`)
    .replace(/'\{"script":\{\.\.\.\}\}'/g, v.script ? shellQuote(JSON.stringify({ script: JSON.parse(v.script) })) : "'{}'")
    .replace(/<script id>/g, v.scriptId ?? '<script id>')
    .replace(/<requestId>|<id>/g, v.requestId ?? '<id>')
    .replace(/<postId>/g, v.postId ?? '<postId>');
}

const ok = (a: Answer, status = 200) => {
  expect(a.exit).toBe(0);
  expect(a.status).toBe(status);
};
const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;

/** What each README line must answer, and what it leaves for the lines after it. */
function walkStep(text: string): Step | null {
  const steps: [RegExp, Step][] = [
    [/\/v1\/drafts$/, (a) => (ok(a), expect((json(a).drafts as unknown[]).length).toBeGreaterThan(0))],
    [/"draftId":"demo-portrait".*\/v1\/requests$/, async (a, ctx) => {
      ok(a, 201);
      ctx.values.requestId = json(a).requestId as string;
      await waitFor(ctx, `/v1/requests/${ctx.values.requestId}`, 'demo-token', (d) => d.state === 'ready');
    }],
    [/\/v1\/requests\/<id>$/, (a) => (ok(a), expect(json(a)).toMatchObject({ state: 'ready' }))],
    [/\/v1\/requests\/<id>\/transitions$/, (a) => (ok(a), expect((json(a).transitions as unknown[]).length).toBeGreaterThan(3))],
    [/\/v1\/requests\/<id>\/live$/, (a) => (ok(a), expect(a.body).toMatch(/^event: request\ndata: \{/m))],
    [/"type":"post".*\/actions$/, async (a, ctx) => {
      ok(a, 202);
      const doc = await waitFor(ctx, `/v1/requests/${ctx.values.requestId}`, 'demo-token', (d) => d.state === 'posted');
      ctx.values.postId = doc.postId as string;
    }],
    [/-o video\.mp4 .*\/video\?download=1"$/, (a, ctx) => (ok(a), expectMp4(join(ctx.env!.D2V_DATA_DIR!, 'video.mp4')))],
    [/"duration":"9s".*\/v1\/scripts$/, async (a, ctx) => {
      ok(a, 201);
      ctx.values.scriptId = json(a).requestId as string;
      await waitFor(ctx, `/v1/scripts/${ctx.values.scriptId}`, 'demo-token', (d) => d.state === 'ready');
    }],
    [/^curl -H "\$T" \$U\/v1\/scripts\/<id>$/, (a, ctx) => {
      ok(a);
      const script = json(a).script as { scenes: unknown[] };
      expect(script.scenes.length).toBeGreaterThan(0);
      ctx.values.script = JSON.stringify(script);
    }],
    [/-X PUT .*\/v1\/scripts\/<id>$/, (a) => (ok(a), expect(json(a)).toMatchObject({ state: 'ready' }))],
    [/"scriptRequestId":"<script id>".*\/v1\/requests$/, (a) => (ok(a, 201), expect(json(a).requestId).toEqual(expect.any(String)))],
    [/\/v1\/stats\?since=7d"$/, (a) => (ok(a), expect(json(a)).toHaveProperty('total'))],
    [/-o mine\.mp4 .*\/video\?download=1"$/, (a, ctx) => (ok(a), expectMp4(join(ctx.env!.D2V_DATA_DIR!, 'mine.mp4')))],
    [/Range: bytes=-65536.*-D - -o tail\.bin/, (a, ctx) => {
      expect(a.exit).toBe(0);
      expect(a.status).toBe(206);
      expect(a.body).toMatch(/content-range: bytes \d+-\d+\/\d+/i);
      expect(statSync(join(ctx.env!.D2V_DATA_DIR!, 'tail.bin')).size).toBe(65536);
    }],
    [/\/video\/link"$/, (a) => (ok(a), expect(json(a).url).toMatch(/expires=.*sig=/))],
    [/\/v1\/feed\?limit=20"$/, (a, ctx) => (ok(a), expect(JSON.stringify(json(a).items)).toContain(ctx.values.postId))],
    [/\/profile-videos"$/, (a) => (ok(a), expect(json(a)).toHaveProperty('items'))],
    [/^npm run d2v -- play <postId> --as other-user --range 0-1023$/, (a) => (expect(a.exit).toBe(0), expect(a.stdout).toMatch(/206/))],
  ];
  return steps.find(([pattern]) => pattern.test(text))?.[1] ?? null;
}

function expectMp4(path: string): void {
  const head = readFileSync(path).subarray(0, 12);
  expect(head.subarray(4, 8).toString('latin1')).toBe('ftyp');
}

async function waitFor(ctx: WalkContext, path: string, token: string, done: (doc: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const until = Date.now() + 180_000;
  for (;;) {
    const res = await fetch(`${ctx.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const doc = (await res.json()) as Record<string, unknown>;
    if (done(doc)) return doc;
    if (doc.state === 'failed' || Date.now() > until) throw new Error(`${path} ended ${JSON.stringify(doc).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `npm start -- --no-demo` (the README's serve-only start) in the background for the walk-through. */
async function startServing(env: NodeJS.ProcessEnv, base: string): Promise<() => Promise<void>> {
  const { spawn } = await import('node:child_process');
  const child = spawn('node', ['packages/cli/dist/main.js', 'start', '--no-demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const until = Date.now() + 60_000;
  while (!out.includes(`serving on ${base}`)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the stack did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
}
