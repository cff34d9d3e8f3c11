/**
 * `d2v bench media [--json] [--quick] [--markdown]`: how the media code performs, as ratios measured in one run on
 * this machine (so the numbers compare across machines):
 *
 *   - compress overhead: our `compress()` against plain ffmpeg spawned with the identical argument list;
 *   - quality: SSIM(Y) and PSNR against the source, and output bytes against source bytes, on a generated corpus
 *     resembling Luma output (1080p and 720p, landscape and portrait, 10–20 Mb/s, motion, texture, gradients, text);
 *   - crypto throughput (in-memory source and sink) against `openssl speed -evp aes-256-gcm` at 16 KB blocks;
 *   - memory: the Node process's peak RSS encrypting+decrypting a 100 MB vs a 10 MB file (each in a fresh child),
 *     with ffmpeg's own peak RSS while compressing beside it.
 *
 * Targets are reported as met / not met; timing never makes the command fail. This module only registers the
 * command and picks the output format; the benchmark itself is in ../bench/media/.
 */
import type { Command } from 'commander';
import { formatMediaBenchMarkdown, formatMediaBenchReport, runMediaBenchmark } from '../bench/media';

export interface BenchMediaCliOptions {
  json?: boolean;
  quick?: boolean;
  markdown?: boolean;
}

/** Adds `bench media` (reusing a `bench` command another module may already have registered). */
export function registerBenchMediaCommand(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks that print ratios');
  bench
    .command('media')
    .description('compress overhead, quality (SSIM/PSNR), crypto throughput and memory of @d2v/media, as ratios')
    .option('--json', 'print the report as JSON on stdout')
    .option('--quick', 'two short 720p clips, one run each (about 20 seconds)')
    .option('--markdown', 'print Markdown tables (as in docs/BENCHMARKS.md)')
    .action(async (opts: BenchMediaCliOptions) => {
      try {
        const report = await runMediaBenchmark({ quick: opts.quick, log: (line) => process.stderr.write(`${line}\n`) });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (opts.markdown) process.stdout.write(`${formatMediaBenchMarkdown(report)}\n`);
        else process.stdout.write(`${formatMediaBenchReport(report)}\n`);
      } catch (err) {
        // A benchmark that could not run is an error; a target not met is not.
        process.stderr.write(`d2v bench media: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
