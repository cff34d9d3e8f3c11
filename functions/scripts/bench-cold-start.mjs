#!/usr/bin/env node
/**
 * Cold start of the deployable bundle against the Firebase SDKs alone, measured side by side in one run
 * (docs/BENCHMARKS.md, "Functions cold start").
 *
 *   sdk     a fresh Node process requires exactly the SDK modules the bundle's index requires when it loads
 *           (SDK_MODULES: the firebase-functions trigger modules of our twelve functions, params, firebase-admin/app)
 *           — what any Functions codebase with these triggers pays before its own code;
 *   bundle  a fresh Node process requires lib/index.js the way the Functions runtime does, and lists its
 *           exports' endpoints.
 * Each run is a pair (sdk, bundle) of fresh processes, the order alternating between pairs; the headline is
 * the median of the pairs' ratios bundle ÷ sdk (neighbouring runs share whatever else the machine is doing).
 * Timed inside each process: process.hrtime around the require() calls (Node's own start-up, ~40 ms and the
 * same for both, is left out; the whole-process wall time is shown as well).
 *
 * Then, once per run, what a function's first event loads on top (fresh process, index already loaded):
 * lib/pipeline.js (every function), the Luma client (webhook and tasks: `ports.luma`), lib/media.js (the
 * Storage trigger, the download task and videoPlayback's first video: `ports.media`) — and which chunk files a
 * webhook's first event and videoPlayback's first request read.
 *
 * Usage: node scripts/bench-cold-start.mjs [--runs N] [--lib DIR] [--json]
 *   --runs N   pairs to measure (default 20)
 *   --lib DIR  the built bundle (default functions/lib; build it with scripts/bundle.mjs first)
 *   --json     print the report as JSON
 * A timing never fails the command; it exits non-zero only when it cannot measure.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

/** The SDK modules lib/index.js (and lib/config.js) require at load; the benchmark checks the list is exact. */
export const SDK_MODULES = [
  'firebase-functions/v2/firestore',
  'firebase-functions/v2/tasks',
  'firebase-functions/v2/https',
  'firebase-functions/v2/storage',
  'firebase-functions/v2/scheduler',
  'firebase-functions/v2/pubsub',
  'firebase-functions/params',
  'firebase-admin/app',
];

export const TARGET_RATIO = 1.3;

/** What the Functions runtime provides (the Storage trigger needs a default bucket to be defined). */
const RUNTIME_ENV = {
  GCLOUD_PROJECT: 'demo-draft2video',
  FIREBASE_CONFIG: JSON.stringify({ projectId: 'demo-draft2video', storageBucket: 'demo-draft2video.appspot.com' }),
  LUMAAI_API_KEY: 'bench-luma-key',
  LUMA_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef',
  VIDEO_KEK: randomBytes(32).toString('base64'),
  PLAYBACK_LINK_SECRET: randomBytes(32).toString('base64url'),
};

// ---------------------------------------------------------------------------------------------------------------
// Child processes (this file run with --child <what>): each prints one JSON line.

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** node_modules files this process has loaded (package-relative paths, to compare the two sides). */
function loadedThirdParty(require) {
  return Object.keys(require.cache)
    .filter((f) => f.includes(`${sep}node_modules${sep}`))
    .map((f) => f.slice(f.lastIndexOf(`${sep}node_modules${sep}`) + 14));
}

function child(what, lib) {
  Object.assign(process.env, RUNTIME_ENV);
  const require = createRequire(join(functionsDir, 'package.json'));
  const chunksLoaded = () =>
    Object.keys(require.cache)
      .filter((f) => f.startsWith(lib + sep))
      .map((f) => relative(lib, f));
  const out = {};
  if (what === 'sdk') {
    const t0 = process.hrtime.bigint();
    for (const m of SDK_MODULES) require(m);
    out.ms = ms(t0);
    out.thirdParty = loadedThirdParty(require);
  } else if (what === 'bundle') {
    const t0 = process.hrtime.bigint();
    const mod = require(join(lib, 'index.js'));
    const endpoints = Object.keys(mod).filter((k) => typeof mod[k] === 'function' && mod[k].__endpoint);
    out.ms = ms(t0);
    out.functions = endpoints.length;
    out.thirdParty = loadedThirdParty(require);
    out.sdkLoaded = SDK_MODULES.filter((m) => require.resolve(m) in require.cache);
    out.chunks = chunksLoaded();
  } else if (what === 'first') {
    require(join(lib, 'index.js'));
    let t0 = process.hrtime.bigint();
    const pipeline = require(join(lib, 'pipeline.js'));
    out.pipelineMs = ms(t0);
    t0 = process.hrtime.bigint();
    pipeline.getHandlers();
    out.handlersMs = ms(t0);
    // videoPlayback's first request builds its HTTP surface; media.js waits for the first video (not a poster).
    pipeline.getPlaybackHttp();
    out.playbackChunks = chunksLoaded();
    const ports = pipeline.getPorts();
    t0 = process.hrtime.bigint();
    void ports.luma;
    out.lumaMs = ms(t0);
    out.webhookChunks = chunksLoaded();
    t0 = process.hrtime.bigint();
    void ports.media;
    out.mediaMs = ms(t0);
    out.storageChunks = chunksLoaded();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent

function runChild(what, lib) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [self, '--child', what, '--lib', lib], { cwd: functionsDir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const wallMs = ms(t0);
  if (r.status !== 0) throw new Error(`the ${what} process failed (${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), wallMs };
}

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}
const stats = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) });

/** Runs the whole benchmark; returns the report (what --json prints). */
export function benchColdStart({ runs = 20, lib = join(functionsDir, 'lib') } = {}) {
  lib = resolve(lib);
  if (!existsSync(join(lib, 'index.js'))) throw new Error(`no bundle in ${lib}: run node functions/scripts/bundle.mjs first`);
  const load = [loadavg()[0]];
  const sdk = [];
  const bundle = [];
  const pairs = [];
  // One unmeasured pair first: the first processes pay for cold file-system caches.
  runChild('sdk', lib);
  runChild('bundle', lib);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['sdk', 'bundle'] : ['bundle', 'sdk'];
    const got = Object.fromEntries(order.map((what) => [what, runChild(what, lib)]));
    sdk.push(got.sdk);
    bundle.push(got.bundle);
    pairs.push(got.bundle.ms / got.sdk.ms);
  }
  // A single-file bundle (before the chunks) has no first-event phase to measure.
  const first = existsSync(join(lib, 'pipeline.js')) ? runChild('first', lib) : null;
  load.push(loadavg()[0]);

  const last = bundle[bundle.length - 1];
  const sdkFiles = new Set(sdk[sdk.length - 1].thirdParty);
  const ratio = median(pairs);
  return {
    node: process.version,
    runs,
    loadAverage: { start: load[0], end: load[1] },
    baseline: { modules: SDK_MODULES, loadedByIndex: last.sdkLoaded, thirdPartyFiles: sdkFiles.size },
    sdkMs: stats(sdk.map((r) => r.ms)),
    bundleMs: stats(bundle.map((r) => r.ms)),
    sdkWallMs: stats(sdk.map((r) => r.wallMs)),
    bundleWallMs: stats(bundle.map((r) => r.wallMs)),
    ratio,
    ratioOfMedians: median(bundle.map((r) => r.ms)) / median(sdk.map((r) => r.ms)),
    ratioWall: median(bundle.map((r, i) => r.wallMs / sdk[i].wallMs)),
    target: TARGET_RATIO,
    met: ratio <= TARGET_RATIO,
    index: {
      functions: last.functions,
      chunks: last.chunks,
      extraThirdPartyFiles: last.thirdParty.filter((f) => !sdkFiles.has(f)),
    },
    firstEvent: first,
  };
}

function format(r) {
  const f = (x) => x.toFixed(1);
  const line = (name, s) => `  ${name.padEnd(26)} median ${f(s.median).padStart(6)} ms   p90 ${f(s.p90).padStart(6)} ms   (min ${f(s.min)}, max ${f(s.max)})`;
  return [
    `Functions cold start — ${r.runs} alternating pairs of fresh processes, Node ${r.node}, load average ${r.loadAverage.start.toFixed(2)} → ${r.loadAverage.end.toFixed(2)}`,
    `  baseline: ${r.baseline.modules.join(', ')} (${r.baseline.thirdPartyFiles} files; loaded by the index too: ${r.baseline.loadedByIndex.length}/${r.baseline.modules.length})`,
    line('SDKs alone (require)', r.sdkMs),
    line('bundle index (require)', r.bundleMs),
    line('SDKs alone (process)', r.sdkWallMs),
    line('bundle index (process)', r.bundleWallMs),
    `  bundle ÷ SDKs: ${r.ratio.toFixed(3)} (median of pair ratios; ratio of medians ${r.ratioOfMedians.toFixed(3)}; whole process ${r.ratioWall.toFixed(3)})  target ≤ ${r.target}: ${r.met ? 'met' : 'not met'}`,
    `  the index exports ${r.index.functions} functions, reads ${r.index.chunks.join(', ')} and ${r.index.extraThirdPartyFiles.length} node_modules files the SDKs alone do not`,
    ...(r.firstEvent
      ? [
          `First event, on top of the cold start (one fresh process):`,
          `  lib/pipeline.js (every function)       ${f(r.firstEvent.pipelineMs)} ms   + handlers ${f(r.firstEvent.handlersMs)} ms`,
          `  videoPlayback's first request          → chunks read: ${(r.firstEvent.playbackChunks ?? []).join(', ')} (media.js on the first video)`,
          `  Luma client (webhook, tasks)           ${f(r.firstEvent.lumaMs)} ms   → chunks read: ${r.firstEvent.webhookChunks.join(', ')}`,
          `  media (Storage trigger, download task) ${f(r.firstEvent.mediaMs)} ms   → chunks read: ${r.firstEvent.storageChunks.join(', ')}`,
        ]
      : ['First event: not measured (the bundle has no lib/pipeline.js chunk)']),
  ].join('\n');
}

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === self) {
  const lib = resolve(arg('--lib') ?? join(functionsDir, 'lib'));
  const what = arg('--child');
  if (what) {
    child(what, lib);
  } else {
    try {
      const runs = Number(arg('--runs') ?? 20);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer (got ${arg('--runs')})`);
      const report = benchColdStart({ runs, lib });
      console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : format(report));
    } catch (err) {
      console.error(`bench-cold-start: ${err.message}`);
      process.exit(1);
    }
  }
}
