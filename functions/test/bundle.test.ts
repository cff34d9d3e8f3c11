/**
 * The deployable bundle's chunks and the cold-start benchmark (scripts/bundle.mjs, scripts/bench-cold-start.mjs)
 * on a real esbuild build, written to a scratch directory inside functions/ (lib/ is left alone) and loaded in
 * fresh Node processes the way the Functions runtime loads it. What is asserted is structure — which chunk
 * files each phase reads, that both sides were measured — never a timing: the figures live in
 * docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const FUNCTIONS = join(__dirname, '..');
const BUNDLE = join(FUNCTIONS, 'scripts', 'bundle.mjs');
const BENCH = join(FUNCTIONS, 'scripts', 'bench-cold-start.mjs');

function node(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: FUNCTIONS, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let outdir: string;
let empty: string;
let built: ReturnType<typeof node>;
beforeAll(() => {
  outdir = mkdtempSync(join(FUNCTIONS, '.test-lib-'));
  empty = mkdtempSync(join(FUNCTIONS, '.test-empty-'));
  built = node(BUNDLE, ['--outdir', outdir, '--check']);
});
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

describe('bundle.mjs', () => {
  it('builds one file per chunk, and loading the index reads only the wiring', () => {
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(/bundle exports 12 functions: .*videoPlayback/);
    expect(built.stdout).toContain('the cold start loads index.js, config.js, logs.js\n');
  });

  it('refuses an output directory outside functions/ or over the sources', () => {
    for (const dir of [join(FUNCTIONS, '..', 'elsewhere'), join(FUNCTIONS, 'src')]) {
      const r = node(BUNDLE, ['--outdir', dir]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--outdir must be a directory inside functions\//);
    }
  });
});

describe('bench-cold-start.mjs (a few pairs: shape only)', () => {
  interface Stats {
    median: number;
    p90: number;
  }
  interface Report {
    runs: number;
    baseline: { modules: string[]; loadedByIndex: string[] };
    sdkMs: Stats;
    bundleMs: Stats;
    ratio: number;
    target: number;
    met: boolean;
    index: { functions: number; chunks: string[]; extraThirdPartyFiles: string[] };
    firstEvent: { pipelineMs: number; lumaMs: number; mediaMs: number; webhookChunks: string[]; storageChunks: string[]; playbackChunks: string[] };
  }
  let report: Report;

  beforeAll(() => {
    if (built.status !== 0) throw new Error(`bundle failed: ${built.stderr}`);
    const r = node(BENCH, ['--lib', outdir, '--runs', '2', '--json']);
    if (r.status !== 0) throw new Error(`bench failed: ${r.stderr}`);
    report = JSON.parse(r.stdout) as Report;
  });

  it('measures both sides and reports bundle ÷ SDKs as a finite positive number', () => {
    expect(report.runs).toBe(2);
    for (const s of [report.sdkMs, report.bundleMs]) {
      expect(s.median).toBeGreaterThan(0);
      expect(s.p90).toBeGreaterThanOrEqual(s.median);
    }
    expect(Number.isFinite(report.ratio)).toBe(true);
    expect(report.ratio).toBeGreaterThan(0);
    expect(report.target).toBe(1.3);
    expect(typeof report.met).toBe('boolean');
  });

  it('the baseline is what the index itself loads of the SDKs, and the index loads no other package', () => {
    expect(report.baseline.loadedByIndex).toEqual(report.baseline.modules);
    expect(report.index.functions).toBe(12);
    expect(report.index.chunks.sort()).toEqual(['config.js', 'index.js', 'logs.js']);
    expect(report.index.extraThirdPartyFiles).toEqual([]);
  });

  it("a webhook's first event reads the pipeline and the Luma client but not media; the Storage trigger's reads media", () => {
    expect(report.firstEvent.pipelineMs).toBeGreaterThan(0);
    expect(report.firstEvent.webhookChunks.sort()).toEqual(['axios.js', 'config.js', 'index.js', 'logs.js', 'pipeline.js']);
    expect(report.firstEvent.storageChunks).toContain('media.js');
  });

  it("videoPlayback's first request reads the pipeline but neither media (until a video is opened) nor the Luma client", () => {
    expect(report.firstEvent.playbackChunks.sort()).toEqual(['config.js', 'index.js', 'logs.js', 'pipeline.js']);
  });

  it('says clearly when there is nothing to measure', () => {
    const missing = node(BENCH, ['--lib', empty, '--runs', '1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no bundle in .*: run node functions\/scripts\/bundle\.mjs first/);
    const badRuns = node(BENCH, ['--lib', outdir, '--runs', 'zero']);
    expect(badRuns.status).toBe(1);
    expect(badRuns.stderr).toMatch(/--runs must be a positive integer \(got zero\)/);
  });
});
