/**
 * What the draft commands (`d2v prompt`, `d2v script`) read: a JSON file, a draft in it, the video flags, and the
 * plan context (signer, allowed hosts, image check) the prompt builder takes. Shared by the commands, owned by none.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DraftSchema, PipelineError, VideoOptionsSchema, type Draft, type VideoOptions } from '@d2v/schema';
import type { PlanContext } from '@d2v/prompt';
import type { OutputDeps } from './output';

/** The blob store's image check (content type, size, dimensions), as the plan context takes it. */
export type InspectImage = NonNullable<PlanContext['inspectImage']>;

export interface DraftCommandDeps extends OutputDeps {
  /** Short-lived URL for an object in the blob store (the local stack's signer). */
  signBlobUrl?: (path: string) => Promise<string>;
  /** Hosts image links may point at (the pipeline's config). */
  imageHostAllowList?: string[];
  /** The blob store's image check (content type, size, dimensions); skipped when absent. */
  inspectImage?: InspectImage;
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

export function planContext(deps: DraftCommandDeps): PlanContext {
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

export function addVideoFlags(cmd: Command): Command {
  return cmd
    .option('--model <model>', 'ray-2 | ray-flash-2 (default ray-2)')
    .option('--aspect-ratio <ratio>', '1:1 | 16:9 | 9:16 | 4:3 | 3:4 | 21:9 | 9:21 (default 9:16)')
    .option('--resolution <res>', '540p | 720p | 1080p | 4k (default 1080p)');
}
