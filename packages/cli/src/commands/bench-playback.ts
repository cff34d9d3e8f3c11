/**
 * `d2v bench playback [--json] [--quick] [--markdown] [--size-mb N]`: what a seeking player costs on a large
 * encrypted video — bytes decrypted per seek ÷ bytes requested, and time to first byte of a seek near the end ÷
 * the whole-file fetch, both measured in the same run. Timing never makes the command fail. This module only
 * registers the command; the benchmark is in ../bench/playback/.
 */
import type { Command } from 'commander';
import { formatPlaybackBenchMarkdown, formatPlaybackBenchReport, runPlaybackBenchmark } from '../bench/playback';

interface BenchPlaybackCliOptions {
  json?: boolean;
  quick?: boolean;
  markdown?: boolean;
  sizeMb?: string;
}

/** Adds `bench playback` (reusing a `bench` command another module may already have registered). */
export function registerBenchPlaybackCommand(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks that print ratios');
  bench
    .command('playback')
    .description('bytes decrypted per seek and time to first byte vs the whole file, on a 100 MB encrypted video')
    .option('--json', 'print the report as JSON on stdout')
    .option('--quick', 'an 8 MB file, 10 seeks, 3 repeats (a few seconds)')
    .option('--markdown', 'print the Markdown table (as in docs/BENCHMARKS.md)')
    .option('--size-mb <n>', 'plaintext size of the synthetic video in MB')
    .action(async (opts: BenchPlaybackCliOptions) => {
      try {
        const sizeMb = opts.sizeMb === undefined ? undefined : Number(opts.sizeMb);
        if (sizeMb !== undefined && !(sizeMb >= 1 && sizeMb <= 2048)) throw new Error('--size-mb must be a number from 1 to 2048');
        const report = await runPlaybackBenchmark({ quick: opts.quick, sizeMb, log: (line) => process.stderr.write(`${line}\n`) });
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...report, decrypt: { ...report.decrypt, samples: undefined } }, null, 2)}\n`);
        else if (opts.markdown) process.stdout.write(`${formatPlaybackBenchMarkdown(report)}\n`);
        else process.stdout.write(`${formatPlaybackBenchReport(report)}\n`);
      } catch (err) {
        process.stderr.write(`d2v bench playback: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
