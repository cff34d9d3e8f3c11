/**
 * Shared test helpers. The only fake is at the URL-signing boundary (and, where a test says so, the blob store's
 * image inspection): everything else is the real builder.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DraftSchema, VideoOptionsSchema, type Draft, type VideoOptions } from '@d2v/schema';
import type { PlanContext } from '../src';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const FIXTURE_DIR = join(REPO_ROOT, 'emulator-data', 'drafts');
/** The prompt builder's golden files (also what `d2v prompt` must print; the CLI's tests compare against them). */
export const PROMPT_GOLDEN_DIR = join(__dirname, 'golden');
export const ALLOW_LIST = ['images.example.com'];
export const FAKE_SIGNED_PREFIX = 'http://127.0.0.1:1/blobs/';

/** Fake at the URL-signing boundary: what the local stack's blob store would return, minus a real HMAC. */
export async function fakeSignBlobUrl(path: string): Promise<string> {
  return `${FAKE_SIGNED_PREFIX}${path}?sig=test`;
}

export function fakeContext(extra: Partial<PlanContext> = {}): PlanContext {
  return { signBlobUrl: fakeSignBlobUrl, imageHostAllowList: ALLOW_LIST, ...extra };
}

export const DEFAULT_OPTIONS: VideoOptions = VideoOptionsSchema.parse({});

export function options(input: Partial<VideoOptions> = {}): VideoOptions {
  return VideoOptionsSchema.parse(input);
}

export function draft(input: Partial<Draft> & { text?: string }): Draft {
  return DraftSchema.parse({ id: 'd1', uid: 'demo-user', ...input });
}

export interface Fixture {
  name: string;
  raw: Record<string, unknown>;
  draft: Draft;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as Record<string, unknown>;
      const name = basename(file, '.json');
      return { name, raw, draft: DraftSchema.parse({ uid: 'demo-user', id: name, ...raw }) };
    });
}

/**
 * Golden files: compared as JSON text; written instead when UPDATE_GOLDEN=1 (review the diff before committing).
 */
export function expectGolden(dir: string, name: string, value: unknown): void {
  const file = join(dir, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 to create it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every URL anywhere in a Luma request. */
export function urlsIn(request: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key?: string) => {
    if (typeof v === 'string') {
      if (key === 'url' || key === 'images' || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) out.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'prompt') walk(x, k);
  };
  walk(request);
  return out;
}
