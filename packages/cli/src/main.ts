#!/usr/bin/env node
import { Command } from 'commander';
import { registerStartCommand } from './commands/start';
import { registerOptionalCommands } from './commands/optional';

/** `d2v`: the one command line for the local stack, media tools, prompts and benchmarks. */
export function buildProgram(): Command {
  const program = new Command('d2v').description('draft2video: drafts → Luma AI videos, locally and on Firebase');
  registerStartCommand(program);
  registerOptionalCommands(program);
  return program;
}

/** Runs the command line (bin/d2v.js, `npm run d2v`); failures print one line and set the exit code. */
export function runCli(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((e: unknown) => {
      process.stderr.write(`d2v: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = process.exitCode || 1;
    });
}

if (require.main === module) runCli(process.argv);
