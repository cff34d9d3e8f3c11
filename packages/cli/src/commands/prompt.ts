/**
 * `d2v prompt <draft.json>`: prints, as JSON, the Luma request(s) the pipeline would send for a draft — without
 * calling Luma. Storage paths become URLs from the signer the caller passes (the local stack's blob store, so they
 * are exactly what the pipeline would send). An unusable draft exits with code 2 and a last line
 * `{"error":{"code":"…","message":"…"}}`.
 *
 * Also registers `d2v script` (see ./script).
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DraftSchema, VideoOptionsSchema, type Draft, type VideoOptions } from '@d2v/schema';
import { buildLumaPlan, PipelineError, type LumaPlan, type PlanContext } from '@d2v/core';
import { registerScriptCommand } from './script';

/** The blob store's image check (content type, size, dimensions), as the plan context takes it. */
export type InspectImage = NonNullable<PlanContext['inspectImage']>;

/** The Luma calls of a plan in order, as printed (the video after a keyframe gets its frame0 from it). */
export function stagesOf(plan: LumaPlan): { kind: 'image' | 'video'; request: unknown; frame0?: string }[] {
  if (!plan.keyframe) return [{ kind: 'video', request: plan.video }];
  return [
    { kind: 'image', request: plan.keyframe },
    { kind: 'video', request: plan.video, frame0: 'the image of stage 1 (set as keyframes.frame0 when the keyframe completes)' },
  ];
}

export interface PromptCommandDeps {
  /** Short-lived URL for an object in the blob store (the local stack's signer). */
  signBlobUrl?: (path: string) => Promise<string>;
  /** Hosts image links may point at (the pipeline's config). */
  imageHostAllowList?: string[];
  /** The blob store's image check (content type, size, dimensions); skipped when absent. */
  inspectImage?: InspectImage;
  /** Where output goes; default stdout. */
  write?: (text: string) => void;
  /** How the exit code is reported; default `process.exitCode`. */
  setExitCode?: (code: number) => void;
}

/** Exit codes: 0 ok, 1 something broke on our side, 2 the draft (or the command line) cannot be used. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_UNUSABLE = 2;

export interface Output {
  write(text: string): void;
  exit(code: number): void;
}

export function outputOf(deps: Pick<PromptCommandDeps, 'write' | 'setExitCode'>): Output {
  return {
    write: deps.write ?? ((text) => void process.stdout.write(text)),
    exit: deps.setExitCode ?? ((code) => void (process.exitCode = code)),
  };
}

/** Reads a JSON file; a draft file's missing `uid` is 'demo-user' and its missing `id` the file name. */
export async function readJsonFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PipelineError('INVALID_REQUEST', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PipelineError('INVALID_REQUEST', `${file} is not valid JSON: ${(e as Error).message}.`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new PipelineError('INVALID_REQUEST', `${file} does not hold a JSON object.`);
  return json as Record<string, unknown>;
}

export function draftFromJson(json: Record<string, unknown>, file: string): Draft {
  const fallbackId = basename(file).replace(/\.json$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 128) || 'draft';
  const parsed = DraftSchema.safeParse({ ...json, uid: json.uid ?? 'demo-user', id: json.id ?? fallbackId });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'draft'}: ${i.message}`).join('; ');
    throw new PipelineError('INVALID_REQUEST', `The draft cannot be read: ${why}`);
  }
  return parsed.data;
}

export function planContext(deps: PromptCommandDeps): PlanContext {
  return {
    signBlobUrl:
      deps.signBlobUrl ??
      (async () => {
        throw new Error('this d2v was started without a blob signer, so Storage paths cannot be turned into URLs');
      }),
    imageHostAllowList: deps.imageHostAllowList ?? [],
    ...(deps.inspectImage ? { inspectImage: deps.inspectImage } : {}),
  };
}

export interface VideoFlags {
  model?: string;
  aspectRatio?: string;
  resolution?: string;
  duration?: string;
  loop?: boolean;
}

export function videoOptionsFrom(flags: VideoFlags): VideoOptions {
  const parsed = VideoOptionsSchema.safeParse({
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.aspectRatio ? { aspectRatio: flags.aspectRatio } : {}),
    ...(flags.resolution ? { resolution: flags.resolution } : {}),
    ...(flags.duration ? { duration: flags.duration } : {}),
    ...(flags.loop ? { loop: true } : {}),
  });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `--${i.path.map(String).join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join('; ');
    throw new PipelineError('INVALID_REQUEST', `Invalid option: ${why}`);
  }
  return parsed.data;
}

/** Prints the error as the last line and sets the exit code (2 for a problem with the input, 1 otherwise). */
export function reportError(out: Output, e: unknown): void {
  if (e instanceof PipelineError) {
    out.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
    out.exit(EXIT_UNUSABLE);
    return;
  }
  out.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } })}\n`);
  out.exit(EXIT_INTERNAL);
}

/** The whole `d2v prompt` command as a function (what the commander action calls). Returns the exit code. */
export async function runPrompt(file: string, flags: VideoFlags, deps: PromptCommandDeps = {}): Promise<number> {
  const out = outputOf(deps);
  let code = EXIT_OK;
  const tracking: Output = { write: out.write, exit: (c) => ((code = c), out.exit(c)) };
  try {
    const options = videoOptionsFrom(flags);
    const draft = draftFromJson(await readJsonFile(file), file);
    const plan = await buildLumaPlan(draft, options, planContext(deps));
    const result = { stages: stagesOf(plan), warnings: plan.warnings, parts: plan.parts, analysis: plan.analysis };
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    out.exit(EXIT_OK);
  } catch (e) {
    reportError(tracking, e);
  }
  return code;
}

export function addVideoFlags(cmd: Command): Command {
  return cmd
    .option('--model <model>', 'ray-2 | ray-flash-2 (default ray-2)')
    .option('--aspect-ratio <ratio>', '1:1 | 16:9 | 9:16 | 4:3 | 3:4 | 21:9 | 9:21 (default 9:16)')
    .option('--resolution <res>', '540p | 720p | 1080p | 4k (default 1080p)');
}

/** Adds `prompt <draft.json>` and `script <draft.json>` to the d2v program. */
export function registerPromptCommands(program: Command, deps: PromptCommandDeps = {}): Command {
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
  registerScriptCommand(program, deps);
  return program;
}
