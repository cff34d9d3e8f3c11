/**
 * `d2v bench pipeline [--requests N] [--generation-seconds G] [--slots C] [--per-minute R] [--render-every-video] [--json] [--quick]`:
 * N requests through the whole local stack with the Luma simulator at C generations in flight and R creates per
 * minute, each generation G seconds; prints makespan ÷ the ideal at those limits, slot utilisation, 429s ÷
 * creates, failures, per-stage p50/p95 and document writes/reads per request. Timing never makes the command
 * fail; bad options or a stack that does not start do. This module only registers the command; the benchmark is
 * in ../bench/pipeline/.
 */
import type { Command } from 'commander';
import { formatPipelineBenchReport, PIPELINE_DEFAULTS, PIPELINE_QUICK, runPipelineBenchmark } from '../bench/pipeline';

interface BenchPipelineCliOptions {
  requests?: string;
  generationSeconds?: string;
  slots?: string;
  perMinute?: string;
  json?: boolean;
  quick?: boolean;
  renderEveryVideo?: boolean;
}

/** Bounds that keep a run meaningful and finite on one machine (the simulator renders every clip with ffmpeg). */
const BOUNDS = {
  requests: { flag: '--requests', min: 1, max: 1000 },
  generationSeconds: { flag: '--generation-seconds', min: 1, max: 600 },
  slots: { flag: '--slots', min: 1, max: 100 },
  perMinute: { flag: '--per-minute', min: 1, max: 600 },
} as const;

/** A positive whole number within the option's bounds, or undefined when not given. */
export function parseBound(name: keyof typeof BOUNDS, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const { flag, min, max } = BOUNDS[name];
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new Error(`${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

/** Adds `bench pipeline` (reusing a `bench` command another module may already have registered). */
export function registerBenchPipelineCommand(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks that print ratios');
  bench
    .command('pipeline')
    .description('N requests through the local stack and the Luma simulator: makespan ÷ ideal at Luma\'s limits, slot use, 429s, failures, stage p50/p95, writes per request')
    .option('--requests <n>', `requests to submit at once (default ${PIPELINE_DEFAULTS.requests})`)
    .option('--generation-seconds <g>', `seconds each simulated generation takes (default ${PIPELINE_DEFAULTS.generationSeconds})`)
    .option('--slots <c>', `Luma generations in flight at once (default ${PIPELINE_DEFAULTS.slots})`)
    .option('--per-minute <r>', `Luma creates per rolling minute (default ${PIPELINE_DEFAULTS.perMinute})`)
    .option('--json', 'print the report as one JSON object on stdout')
    .option('--render-every-video', 'the simulator renders every video on this machine (default: each size once, then copies)')
    .option('--quick', `${PIPELINE_QUICK.requests} requests of ${PIPELINE_QUICK.generationSeconds} s (well under a minute)`)
    .action(async (opts: BenchPipelineCliOptions) => {
      try {
        const report = await runPipelineBenchmark({
          quick: opts.quick,
          requests: parseBound('requests', opts.requests),
          generationSeconds: parseBound('generationSeconds', opts.generationSeconds),
          slots: parseBound('slots', opts.slots),
          perMinute: parseBound('perMinute', opts.perMinute),
          renderEveryVideo: opts.renderEveryVideo,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatPipelineBenchReport(report)}\n`);
      } catch (err) {
        process.stderr.write(`d2v bench pipeline: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
