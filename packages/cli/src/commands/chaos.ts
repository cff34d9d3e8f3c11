import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runChaos } from '../chaos/run';
import { formatReport } from '../chaos/report';

interface ChaosFlags {
  requests: string;
  kills: string;
  seed?: string;
  states: boolean;
  resolution: string;
  lumaLatency: string;
  gap: string;
  timeout: string;
  json?: boolean;
  keep?: boolean;
}

/** `d2v chaos`: SIGKILL the local stack at random moments across N requests and report how it recovered. */
export function registerChaosCommand(program: Command): void {
  program
    .command('chaos')
    .description('kill the local stack (SIGKILL) at random moments across N requests, restart it, report recovery and billing')
    .option('--requests <n>', 'requests to make (text, image and script drafts in turn)', '10')
    .option('--kills <k>', 'kills at random moments (plus one in each working state seen)', '30')
    .option('--seed <n>', 'seed of the kill moments and the simulated Luma (default: random)')
    .option('--no-states', 'no extra kill in each working state')
    .option('--resolution <r>', 'video resolution', '540p')
    .option('--luma-latency <ms>', 'latency the simulated Luma adds to every API answer', '300')
    .option('--gap <ms>', 'the stack runs a random time up to this between resuming and the next kill', '3000')
    .option('--timeout <ms>', 'give up after this long', String(20 * 60_000))
    .option('--json', 'print the report as one JSON object on stdout')
    .option('--keep', 'keep the data dir and the stack logs (their path is printed)')
    .action(async (flags: ChaosFlags) => {
      const out = flags.json ? process.stderr : process.stdout;
      const report = await runChaos({
        requests: positiveInt(flags.requests, '--requests'),
        kills: nonNegativeInt(flags.kills, '--kills'),
        states: flags.states,
        seed: flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : nonNegativeInt(flags.seed, '--seed'),
        resolution: flags.resolution,
        lumaLatencyMs: nonNegativeInt(flags.lumaLatency, '--luma-latency'),
        gapMs: nonNegativeInt(flags.gap, '--gap'),
        timeoutMs: positiveInt(flags.timeout, '--timeout'),
        keep: flags.keep,
        // This file is dist/commands/chaos.js: the CLI entry point is its sibling's parent.
        mainJs: resolve(__dirname, '..', 'main.js'),
        env: process.env,
        say: (line) => void out.write(`${line}\n`),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else for (const line of formatReport(report)) process.stdout.write(`${line}\n`);
      process.exitCode = report.ok ? 0 : 1;
    });
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number ≥ 0 (got ${value})`);
  return n;
}

function positiveInt(value: string, flag: string): number {
  const n = nonNegativeInt(value, flag);
  if (n === 0) throw new Error(`${flag} must be at least 1`);
  return n;
}
