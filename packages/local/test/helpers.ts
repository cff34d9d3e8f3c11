import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffprobePath } from '@d2v/media';
import { createLogger } from '@d2v/core';
import pino from 'pino';
import { LocalStack, type LocalStackOptions } from '../src';

/** A stack in a throw-away data dir with fast simulated Luma timings (real HTTP, ffmpeg, SQLite, crypto). */
export async function startTestStack(opts: LocalStackOptions = {}): Promise<{ stack: LocalStack; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'd2v-e2e-'));
  const stack = await LocalStack.start({
    env: { ...process.env, MEDIA_X264_PRESET: 'veryfast', LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
    logger: process.env.D2V_TEST_LOG ? createLogger({ level: 'debug', destination: pino.destination(process.env.D2V_TEST_LOG) }) : 'silent',
    ...opts,
    config: { dataDir, port: 0, pollIntervalSeconds: 1, sweepIntervalMs: 60_000, ...opts.config },
    core: { pollIntervalSeconds: 1, expectedDreamingMs: 2000, ...opts.core },
    simulator: { seed: 7, timing: { queuedMs: 200, dreamingMs: 1200 }, ...opts.simulator },
  });
  return {
    stack,
    cleanup: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function ffprobeJson(file: string): Promise<{ streams: { codec_name: string; codec_type: string; width?: number; height?: number; profile?: string; pix_fmt?: string }[]; format: { duration: string; format_name: string } }> {
  const { stdout } = await promisify(execFile)(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout);
}

/** Luma generations the simulator holds whose callback URL names this request. */
export function generationsFor(stack: LocalStack, requestId: string): { id: string }[] {
  return stack.simulator!.generations().filter((g) => JSON.stringify(g).includes(`/${requestId}?token=`));
}
