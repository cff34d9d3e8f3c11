import { LumaClient, estimateCostCents, lumaClientFromEnv } from '../src';
import { sequence, startScriptedServer } from './scripted-server';

describe('estimateCostCents', () => {
  it.each([
    ['540p', 40],
    ['720p', 71],
    ['1080p', 159],
    ['4k', 637],
  ] as const)('ray-2 5 s at %s ≈ %d ¢', (resolution, cents) => {
    expect(estimateCostCents({ model: 'ray-2', prompt: 'x y z', resolution, duration: '5s' })).toBe(cents);
  });

  it('charges about 1.8× for 9 s', () => {
    expect(estimateCostCents({ model: 'ray-2', resolution: '1080p', duration: '9s' })).toBe(286.2);
  });

  it('charges about a third for ray-flash-2', () => {
    expect(estimateCostCents({ model: 'ray-flash-2', resolution: '1080p', duration: '5s' })).toBe(53);
    expect(estimateCostCents({ model: 'ray-flash-2', resolution: '540p', duration: '9s' })).toBe(24);
  });

  it('assumes 720p and 5 s when the request leaves them out', () => {
    expect(estimateCostCents({ model: 'ray-2', prompt: 'a cat' })).toBe(71);
  });

  it('prices Photon images in (fractional) cents', () => {
    expect(estimateCostCents({ model: 'photon-1', prompt: 'a cat' })).toBe(1.5);
    expect(estimateCostCents({ model: 'photon-flash-1', prompt: 'a cat' })).toBe(0.4);
  });
});

describe('lumaClientFromEnv', () => {
  it('names the missing variable', () => {
    expect(() => lumaClientFromEnv({})).toThrow(/LUMAAI_API_KEY is not set/);
    expect(() => lumaClientFromEnv({ LUMAAI_API_KEY: '   ' })).toThrow(/LUMAAI_API_KEY/);
  });

  it('uses the defaults with only a key', () => {
    const client = lumaClientFromEnv({ LUMAAI_API_KEY: 'k' });
    expect(client).toBeInstanceOf(LumaClient);
    expect(client.baseUrl).toBe('https://api.lumalabs.ai/dream-machine/v1');
    expect(client.timeoutMs).toBe(30_000);
  });

  it('reads LUMAAI_BASE_URL and LUMAAI_TIMEOUT_MS, and lets overrides win', () => {
    const env = { LUMAAI_API_KEY: 'k', LUMAAI_BASE_URL: 'http://127.0.0.1:8787/v1', LUMAAI_TIMEOUT_MS: '1234' };
    const client = lumaClientFromEnv(env);
    expect(client.baseUrl).toBe('http://127.0.0.1:8787/v1');
    expect(client.timeoutMs).toBe(1234);
    expect(lumaClientFromEnv(env, { timeoutMs: 99, maxRetries: 0 })).toMatchObject({ timeoutMs: 99, maxRetries: 0 });
  });

  it('refuses a nonsense timeout, naming the variable', () => {
    expect(() => lumaClientFromEnv({ LUMAAI_API_KEY: 'k', LUMAAI_TIMEOUT_MS: 'soon' })).toThrow(/LUMAAI_TIMEOUT_MS/);
  });

  it('sends the key from the environment', async () => {
    const server = await startScriptedServer(sequence({ status: 200, body: { credit_balance: 3 } }));
    try {
      const client = lumaClientFromEnv({ LUMAAI_API_KEY: 'env-key-1', LUMAAI_BASE_URL: server.baseUrl });
      await client.getCredits();
      expect(server.requests[0]?.headers.authorization).toBe('Bearer env-key-1');
    } finally {
      await server.close();
    }
  });
});
