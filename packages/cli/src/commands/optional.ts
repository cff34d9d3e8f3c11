import type { Command } from 'commander';

/** Subcommands that live in their own modules (media tools, prompts, benchmarks). */
export function registerOptionalCommands(_program: Command): void {}
