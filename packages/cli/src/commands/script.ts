/**
 * `d2v script <draft.json> [--duration 5s|9s|<seconds>] [--shots n] [--requests]`: prints the shot script for a
 * draft ("Create Script"). Given a script file (an edited script: `"version": 1` with `"scenes"`) it validates it
 * instead. With `--requests` it also prints the Luma requests of the multi-shot video, without calling Luma.
 * An unusable draft or script exits with code 2 and a last line `{"error":{"code":"…","message":"…"}}`.
 */
import type { Command } from 'commander';
import { buildScript, parseScript, planFromScript, PipelineError, type Script } from '@d2v/core';
import {
  addVideoFlags, draftFromJson, EXIT_OK, outputOf, planContext, readJsonFile, reportError, videoOptionsFrom,
  type Output, type PromptCommandDeps, type VideoFlags,
} from './prompt';

export interface ScriptFlags extends Omit<VideoFlags, 'duration'> {
  duration?: string;
  shots?: string;
  requests?: boolean;
}

/** '5s' | '9s' | '12' | '12s' | '7.5' → the script length. */
export function parseScriptDuration(value: string | undefined): '5s' | '9s' | number {
  if (value === undefined || value === '5s' || value === '9s') return (value ?? '5s') as '5s' | '9s';
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(value.trim());
  if (!m) throw new PipelineError('INVALID_REQUEST', `--duration must be 5s, 9s or a number of seconds, not "${value}".`);
  return Number(m[1]);
}

function parseShots(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new PipelineError('INVALID_REQUEST', `--shots must be a whole number, not "${value}".`);
  return Number(value);
}

function isScriptJson(json: Record<string, unknown>): boolean {
  return json.version !== undefined && Array.isArray(json.scenes);
}

export async function runScript(file: string, flags: ScriptFlags, deps: PromptCommandDeps = {}): Promise<number> {
  const out = outputOf(deps);
  let code = EXIT_OK;
  const tracking: Output = { write: out.write, exit: (c) => ((code = c), out.exit(c)) };
  try {
    const json = await readJsonFile(file);
    let script: Script;
    if (isScriptJson(json)) {
      if (flags.duration !== undefined || flags.shots !== undefined) {
        throw new PipelineError('INVALID_REQUEST', `${file} is already a script: --duration and --shots only apply to drafts.`);
      }
      script = parseScript(json);
    } else {
      const draft = draftFromJson(json, file);
      const shots = parseShots(flags.shots);
      script = buildScript(draft, {
        duration: parseScriptDuration(flags.duration),
        ...(shots !== undefined ? { shots } : {}),
        imageHostAllowList: deps.imageHostAllowList ?? [],
      });
    }
    if (!flags.requests) {
      out.write(`${JSON.stringify(script, null, 2)}\n`);
    } else {
      const plan = await planFromScript(script, videoOptionsFrom(flags), planContext(deps));
      out.write(`${JSON.stringify({ script, requests: plan }, null, 2)}\n`);
    }
    out.exit(EXIT_OK);
  } catch (e) {
    reportError(tracking, e);
  }
  return code;
}

export function registerScriptCommand(program: Command, deps: PromptCommandDeps = {}): Command {
  addVideoFlags(
    program
      .command('script')
      .description('Print the shot script for a draft ("Create Script"), or validate an edited script (exit 2 when unusable)')
      .argument('<file.json>', 'a draft, or a script printed by this command and edited'),
  )
    .option('--duration <duration>', 'length of the video: 5s | 9s | seconds from 1 to 60 (default 5s)')
    .option('--shots <n>', 'number of shots (default: about one per 4.5 s)')
    .option('--requests', 'also print the Luma requests of the multi-shot video (without calling Luma)')
    .action(async (file: string, flags: ScriptFlags) => {
      await runScript(file, flags, deps);
    });
  return program;
}
