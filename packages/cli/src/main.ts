#!/usr/bin/env node
import { Command } from 'commander';
import { registerBenchMediaCommand } from './commands/bench-media';
import { registerChaosCommand } from './commands/chaos';
import { registerMediaCommands } from './commands/media';
import { registerPromptCommand } from './commands/prompt';
import { registerScriptCommand } from './commands/script';
import { registerStartCommand } from './commands/start';
import { localDraftCommandDeps } from './local-draft-deps';

/**
 * `d2v`: the one command line for the local stack, media tools, prompts and benchmarks. Every command is
 * registered here; commands share helpers through modules no command owns (draft-input.ts, output.ts), never
 * through each other.
 */
export function buildProgram(): Command {
  const program = new Command('d2v').description('draft2video: drafts → Luma AI videos, locally and on Firebase');
  registerStartCommand(program);
  registerChaosCommand(program);
  registerMediaCommands(program);
  registerBenchMediaCommand(program);
  const draftDeps = localDraftCommandDeps();
  registerPromptCommand(program, draftDeps);
  registerScriptCommand(program, draftDeps);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`d2v: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = process.exitCode || 1;
    });
}
