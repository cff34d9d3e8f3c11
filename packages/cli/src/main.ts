#!/usr/bin/env node
import { Command } from 'commander';
import { registerBenchMediaCommand } from './commands/bench-media';
import { registerBenchPipelineCommand } from './commands/bench-pipeline';
import { registerBenchPlaybackCommand } from './commands/bench-playback';
import { registerInspectCommand } from './commands/inspect';
import { registerChaosCommand } from './commands/chaos';
import { registerMediaCommands } from './commands/media';
import { registerPlayCommand } from './commands/play';
import { registerPromptCommand } from './commands/prompt';
import { registerScriptCommand } from './commands/script';
import { registerStartCommand } from './commands/start';
import { registerStatsCommand } from './commands/stats';
import { localDraftCommandDeps } from './local-draft-deps';

/**
 * `d2v`: the one command line for the local stack, media tools, prompts, benchmarks and operations. Every command is
 * registered here; commands share helpers through modules no command owns (draft-input.ts, output.ts), never
 * through each other.
 */
export function buildProgram(): Command {
  const program = new Command('d2v').description('draft2video: drafts → Luma AI videos, locally and on Firebase');
  registerStartCommand(program);
  registerChaosCommand(program);
  registerMediaCommands(program);
  registerPlayCommand(program);
  registerBenchMediaCommand(program);
  registerBenchPlaybackCommand(program);
  registerBenchPipelineCommand(program);
  const draftDeps = localDraftCommandDeps();
  registerPromptCommand(program, draftDeps);
  registerScriptCommand(program, draftDeps);
  registerInspectCommand(program);
  registerStatsCommand(program);
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
