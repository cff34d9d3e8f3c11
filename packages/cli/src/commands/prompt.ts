/**
 * `d2v prompt <draft.json>`: prints, as JSON, the Luma request(s) the pipeline would send for a draft — without
 * calling Luma. Storage paths become URLs from the signer the caller passes (the local stack's blob store, so they
 * are exactly what the pipeline would send). An unusable draft exits with code 2 and a last line
 * `{"error":{"code":"…","message":"…"}}`.
 */
import type { Command } from 'commander';
import { buildLumaPlan, type LumaPlan } from '@d2v/prompt';
import { addVideoFlags, draftFromJson, planContext, readJsonFile, videoOptionsFrom, type DraftCommandDeps, type VideoFlags } from '../draft-input';
import { EXIT_OK, runReporting } from '../output';

/** The Luma calls of a plan in order, as printed (the video after a keyframe gets its frame0 from it). */
export function stagesOf(plan: LumaPlan): { kind: 'image' | 'video'; request: unknown; frame0?: string }[] {
  if (!plan.keyframe) return [{ kind: 'video', request: plan.video }];
  return [
    { kind: 'image', request: plan.keyframe },
    { kind: 'video', request: plan.video, frame0: 'the image of stage 1 (set as keyframes.frame0 when the keyframe completes)' },
  ];
}

/** The whole `d2v prompt` command as a function (what the commander action calls). Returns the exit code. */
export function runPrompt(file: string, flags: VideoFlags, deps: DraftCommandDeps = {}): Promise<number> {
  return runReporting(deps, async (out) => {
    const options = videoOptionsFrom(flags);
    const draft = draftFromJson(await readJsonFile(file), file);
    const plan = await buildLumaPlan(draft, options, planContext(deps));
    const result = { stages: stagesOf(plan), warnings: plan.warnings, parts: plan.parts, analysis: plan.analysis };
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    out.exit(EXIT_OK);
  });
}

/** Adds `prompt <draft.json>` to the d2v program. */
export function registerPromptCommand(program: Command, deps: DraftCommandDeps = {}): Command {
  addVideoFlags(
    program
      .command('prompt')
      .description('Print the Luma request(s) the pipeline would send for a draft, as JSON, without calling Luma (exit 2 on an unusable draft)')
      .argument('<draft.json>', 'a draft: {"uid"?, "id"?, "title"?, "text", "style"?, "referenceImages"?, "characterImages"?, "styleImage"?}'),
  )
    .option('--duration <duration>', '5s | 9s (default 5s)')
    .option('--loop', 'ask for a looping video')
    .action(async (file: string, flags: VideoFlags) => {
      await runPrompt(file, flags, deps);
    });
  return program;
}
