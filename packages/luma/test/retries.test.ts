import { LumaClient, LumaError, type LumaClientOptions } from '../src';
import { generationFixture, refusedBaseUrl, sequence, startScriptedServer, type Responder, type ScriptedServer } from './scripted-server';

const API_KEY = 'luma-test-key-7f3a9c';
/** Tiny backoff so retry tests stay fast; the policy itself is the same as in production. */
const FAST: Partial<LumaClientOptions> = { retryDelays: { initialMs: 5, maxMs: 20 } };

async function withServer(
  respond: Responder,
  options: Partial<LumaClientOptions>,
  run: (server: ScriptedServer, client: LumaClient) => Promise<void>,
): Promise<void> {
  const server = await startScriptedServer(respond);
  try {
    await run(server, new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, ...FAST, ...options }));
  } finally {
    await server.close();
  }
}

const serverError = { status: 500, body: { detail: 'Internal error' } };

describe('retries of idempotent calls', () => {
  it('retries a GET after 503 and 429, then succeeds', async () => {
    await withServer(
      sequence({ status: 503, body: { detail: 'busy' } }, { status: 429, body: { detail: 'slow down' } }, {
        status: 200,
        body: generationFixture({ state: 'dreaming' }),
      }),
      { maxRetries: 2 },
      async (server, client) => {
        const generation = await client.getGeneration('abc');
        expect(generation.state).toBe('dreaming');
        expect(server.requests).toHaveLength(3);
        expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
      },
    );
  });

  it('gives up after maxRetries and throws the last error', async () => {
    await withServer(sequence(serverError), { maxRetries: 2 }, async (server, client) => {
      await expect(client.getCredits()).rejects.toMatchObject({ kind: 'server', status: 500, retryable: true });
      expect(server.requests).toHaveLength(3); // 1 attempt + 2 retries
    });
  });

  it('retries DELETE too', async () => {
    await withServer(sequence({ status: 502, body: 'bad gateway' }, { status: 204 }), { maxRetries: 1 }, async (server, client) => {
      await client.deleteGeneration('abc');
      expect(server.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
    });
  });

  it('retries a timed-out GET', async () => {
    await withServer(sequence('hang', { status: 200, body: { credit_balance: 5 } }), { maxRetries: 1, timeoutMs: 150 }, async (server, client) => {
      await expect(client.getCredits()).resolves.toEqual({ credit_balance: 5 });
      expect(server.requests).toHaveLength(2);
    });
  });

  it('retries a refused connection, then reports it', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logged = new LumaClient({
      apiKey: API_KEY,
      baseUrl: await refusedBaseUrl(),
      maxRetries: 2,
      ...FAST,
      logger: { debug: () => undefined, warn: (fields) => warnings.push(fields) },
    });
    await expect(logged.getCredits()).rejects.toMatchObject({ kind: 'network' });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ method: 'GET', path: '/credits', attempt: 0, kind: 'network' });
  });

  it('does not retry permanent errors', async () => {
    await withServer(sequence({ status: 401, body: { detail: 'Invalid API key is provided' } }), { maxRetries: 3 }, async (server, client) => {
      await expect(client.listGenerations()).rejects.toMatchObject({ kind: 'auth' });
      expect(server.requests).toHaveLength(1);
    });
  });

  it('does not retry when maxRetries is 0', async () => {
    await withServer(sequence(serverError), { maxRetries: 0 }, async (server, client) => {
      await expect(client.getCredits()).rejects.toBeInstanceOf(LumaError);
      expect(server.requests).toHaveLength(1);
    });
  });

  it('waits as long as retry-after-ms asks', async () => {
    await withServer(
      sequence({ status: 429, body: { detail: 'slow down' }, headers: { 'retry-after-ms': '300' } }, { status: 200, body: { credit_balance: 1 } }),
      { maxRetries: 1 },
      async (server, client) => {
        const started = Date.now();
        await client.getCredits();
        expect(Date.now() - started).toBeGreaterThanOrEqual(280);
        expect(server.requests).toHaveLength(2);
      },
    );
  });

  it('caps a huge Retry-After', async () => {
    await withServer(
      sequence({ status: 503, body: { detail: 'maintenance' }, headers: { 'Retry-After': '3600' } }, { status: 200, body: { credit_balance: 1 } }),
      { maxRetries: 1, retryDelays: { initialMs: 5, maxMs: 20, maxRetryAfterMs: 50 } },
      async (server, client) => {
        const started = Date.now();
        await client.getCredits();
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(server.requests).toHaveLength(2);
      },
    );
  });

  it('does not retry ping (a health probe reports the state now)', async () => {
    await withServer(sequence(serverError), { maxRetries: 3 }, async (server, client) => {
      await expect(client.ping()).rejects.toMatchObject({ kind: 'server' });
      expect(server.requests).toHaveLength(1);
    });
  });
});

describe('creates are never retried (billed, no idempotency key)', () => {
  it('createVideo hits the server exactly once on 500', async () => {
    await withServer(sequence(serverError, { status: 201, body: generationFixture() }), { maxRetries: 5 }, async (server, client) => {
      await expect(client.createVideo({ model: 'ray-2', prompt: 'a lighthouse in a storm' })).rejects.toMatchObject({
        kind: 'server',
        retryable: true, // retryable tells the caller a retry could help; the caller decides
      });
      expect(server.requests).toHaveLength(1);
    });
  });

  it('createImage hits the server exactly once on 429', async () => {
    await withServer(
      sequence({ status: 429, body: { detail: 'Too many requests' }, headers: { 'Retry-After': '1' } }),
      { maxRetries: 5 },
      async (server, client) => {
        await expect(client.createImage({ model: 'photon-1', prompt: 'a red fox' })).rejects.toMatchObject({
          kind: 'rate_limited',
          retryAfterMs: 1_000,
        });
        expect(server.requests).toHaveLength(1);
      },
    );
  });

  it('createVideo hits the server exactly once on timeout', async () => {
    await withServer(sequence('hang'), { maxRetries: 5, timeoutMs: 150 }, async (server, client) => {
      await expect(client.createVideo({ model: 'ray-2', prompt: 'a lighthouse in a storm' })).rejects.toMatchObject({ kind: 'timeout' });
      expect(server.requests).toHaveLength(1);
    });
  });
});
