/**
 * `d2v script <draft.json> [--duration 5s|9s|<seconds>] [--shots n] [--requests]`: prints the shot script for a
 * draft ("Create Script"). Given a script file (an edited script: `"version": 1` with `"scenes"`) it validates it
 * instead. With `--requests` it also prints the Luma requests of the multi-shot video, without calling Luma.
 * An unusable draft or script exits with code 2 and a last line `{"error":{"code":"…","message":"…"}}`.
 */
import type { Command } from 'commander';
import { PipelineError } from '@d2v/schema';
import { buildScript, parseScript, planFromScript, type Script } from '@d2v/prompt';
import { addVideoFlags, draftFromJson, planContext, readJsonFile, videoOptionsFrom, type DraftCommandDeps, type VideoFlags } from '../draft-input';
import { EXIT_OK, runReporting } from '../output';

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

/** The whole `d2v script` command as a function (what the commander action calls). Returns the exit code. */
export function runScript(file: string, flags: ScriptFlags, deps: DraftCommandDeps = {}): Promise<number> {
  return runReporting(deps, async (out) => {
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
  });
}

/** Adds `script <file.json>` to the d2v program. */
export function registerScriptCommand(program: Command, deps: DraftCommandDeps = {}): Command {
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
