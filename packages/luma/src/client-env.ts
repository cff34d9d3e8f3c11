/** The Luma client configured from the environment, with the official SDK's variable names. */
import { LumaClient, type LumaClientOptions } from './client';

/**
 * A client configured from the environment, with the Luma SDK's variable names: LUMAAI_API_KEY (required),
 * LUMAAI_BASE_URL and LUMAAI_TIMEOUT_MS (optional). `overrides` win over the environment.
 */
export function lumaClientFromEnv(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<LumaClientOptions> = {},
): LumaClient {
  const apiKey = overrides.apiKey ?? nonEmpty(env.LUMAAI_API_KEY);
  if (apiKey === undefined) {
    throw new Error('LUMAAI_API_KEY is not set: the Luma client needs an API key (see https://lumalabs.ai/api/keys)');
  }
  const rawTimeout = nonEmpty(env.LUMAAI_TIMEOUT_MS);
  let timeoutMs: number | undefined;
  if (rawTimeout !== undefined) {
    timeoutMs = Number(rawTimeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new Error(`LUMAAI_TIMEOUT_MS must be a positive number of milliseconds, got "${rawTimeout}"`);
    }
  }
  return new LumaClient({
    baseUrl: nonEmpty(env.LUMAAI_BASE_URL),
    timeoutMs,
    ...overrides,
    apiKey,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
