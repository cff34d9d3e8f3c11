import { LumaClient, LumaError, type LumaClientOptions } from '../src';
import { inspect } from 'node:util';
import {
  generationFixture,
  sequence,
  startScriptedServer,
  type Responder,
  type ScriptedServer,
} from './scripted-server';

const API_KEY = 'luma-test-key-7f3a9c';

async function withServer(
  respond: Responder,
  run: (server: ScriptedServer, client: LumaClient) => Promise<void>,
  options: Partial<LumaClientOptions> = {},
): Promise<void> {
  const server = await startScriptedServer(respond);
  try {
    const client = new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, maxRetries: 0, ...options });
    await run(server, client);
  } finally {
    await server.close();
  }
}

describe('LumaClient happy paths', () => {
  it('sends the bearer key, JSON body and user agent on createVideo and parses the 201 generation', async () => {
    const request = { model: 'ray-2', prompt: 'a cat surfing at sunset', resolution: '720p', duration: '5s' } as const;
    await withServer(
      sequence({ status: 201, body: generationFixture() }),
      async (server, client) => {
        const generation = await client.createVideo(request);
        expect(generation.id).toBe('3f1c2a9e-7b7e-4c1e-9a51-0c2f1a9b7d10');
        expect(generation.state).toBe('queued');
        const [hit] = server.requests;
        expect(hit?.method).toBe('POST');
        expect(hit?.url).toBe('/dream-machine/v1/generations/video');
        expect(hit?.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(hit?.headers['user-agent']).toBe('d2v-test/1');
        expect(hit?.headers['content-type']).toMatch(/application\/json/);
        expect(JSON.parse(hit?.bodyText ?? '')).toEqual(request);
      },
      { userAgent: 'd2v-test/1' },
    );
  });

  it('posts image requests to /generations/image', async () => {
    await withServer(
      sequence({ status: 201, body: generationFixture({ generation_type: 'image', model: 'photon-1' }) }),
      async (server, client) => {
        const generation = await client.createImage({
          model: 'photon-1',
          prompt: 'portrait of the author, watercolour',
          image_ref: [{ url: 'https://example.com/a.jpg', weight: 0.6 }],
        });
        expect(generation.generation_type).toBe('image');
        expect(server.requests[0]?.url).toBe('/dream-machine/v1/generations/image');
        expect(JSON.parse(server.requests[0]?.bodyText ?? '').image_ref).toEqual([
          { url: 'https://example.com/a.jpg', weight: 0.6 },
        ]);
      },
    );
  });

  it('gets a generation by id, tolerating `type` instead of `generation_type` and extra fields', async () => {
    const body = generationFixture({
      state: 'completed',
      assets: { video: 'https://cdn.example/v.mp4' },
      version: 'v1',
      type: 'video',
      something_new: 42,
    });
    delete body.generation_type;
    await withServer(sequence({ status: 200, body }), async (server, client) => {
      const generation = await client.getGeneration('gen/with space');
      expect(generation.state).toBe('completed');
      expect(generation.assets?.video).toBe('https://cdn.example/v.mp4');
      expect(generation.type).toBe('video');
      expect(server.requests[0]?.method).toBe('GET');
      // ids are path-encoded so they cannot escape the resource path
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/generations/gen%2Fwith%20space');
    });
  });

  it('rejects an empty generation id before calling Luma (it would hit the list endpoint)', async () => {
    const client = new LumaClient({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9' });
    await expect(client.getGeneration('')).rejects.toThrow(RangeError);
  });

  it('sends limit and offset as query parameters when listing', async () => {
    const list = { generations: [generationFixture()], count: 21, has_more: false, limit: 10, offset: 20 };
    await withServer(sequence({ status: 200, body: list }), async (server, client) => {
      const page = await client.listGenerations({ limit: 10, offset: 20 });
      expect(page.generations).toHaveLength(1);
      expect(page.has_more).toBe(false);
      const url = new URL(server.requests[0]?.url ?? '', 'http://x');
      expect(url.pathname).toBe('/dream-machine/v1/generations');
      expect(url.searchParams.get('limit')).toBe('10');
      expect(url.searchParams.get('offset')).toBe('20');
    });
  });

  it('omits paging parameters that were not given', async () => {
    await withServer(sequence({ status: 200, body: { generations: [] } }), async (server, client) => {
      await client.listGenerations();
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/generations');
    });
  });

  it('deletes with DELETE and accepts an empty 204', async () => {
    await withServer(sequence({ status: 204 }), async (server, client) => {
      await expect(client.deleteGeneration('abc')).resolves.toBeUndefined();
      expect(server.requests[0]?.method).toBe('DELETE');
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/generations/abc');
    });
  });

  it('reads the credit balance', async () => {
    await withServer(sequence({ status: 200, body: { credit_balance: 12345.5 } }), async (server, client) => {
      await expect(client.getCredits()).resolves.toEqual({ credit_balance: 12345.5 });
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/credits');
    });
  });

  it('pings', async () => {
    await withServer(sequence({ status: 200, body: { message: 'pong' } }), async (server, client) => {
      await expect(client.ping()).resolves.toBe(true);
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/ping');
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    });
  });

  it('lists concept keys, unwrapping {key} objects', async () => {
    await withServer(sequence({ status: 200, body: ['dolly_zoom', { key: 'orbit_left' }] }), async (server, client) => {
      await expect(client.listConcepts()).resolves.toEqual(['dolly_zoom', 'orbit_left']);
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/generations/concepts/list');
    });
  });

  it('accepts a base URL with a trailing slash', async () => {
    const server = await startScriptedServer(sequence({ status: 200, body: { credit_balance: 1 } }));
    try {
      const client = new LumaClient({ apiKey: API_KEY, baseUrl: `${server.baseUrl}/` });
      await client.getCredits();
      expect(server.requests[0]?.url).toBe('/dream-machine/v1/credits');
    } finally {
      await server.close();
    }
  });

  it('logs each answered call at debug level without the key', async () => {
    const lines: string[] = [];
    const logger = {
      debug: (fields: Record<string, unknown>, message: string) => lines.push(JSON.stringify({ fields, message })),
      warn: (fields: Record<string, unknown>, message: string) => lines.push(JSON.stringify({ fields, message })),
    };
    await withServer(
      sequence({ status: 200, body: { credit_balance: 1 } }),
      async (_server, client) => {
        await client.getCredits();
      },
      { logger },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"status":200');
    expect(lines.join('\n')).not.toContain(API_KEY);
  });

  it('does not show the API key when the client is inspected or serialised', () => {
    const client = new LumaClient({ apiKey: API_KEY });
    expect(JSON.stringify(client)).not.toContain(API_KEY);
    expect(inspect(client, { depth: 10 })).not.toContain(API_KEY);
  });
});

describe('LumaClient response validation', () => {
  it.each([
    ['a generation without an id', { state: 'queued' }],
    ['an unknown state', generationFixture({ state: 'sleeping' })],
    ['an array', []],
  ])('rejects %s as invalid_response', async (_label, body) => {
    await withServer(sequence({ status: 200, body }), async (_server, client) => {
      const error = await client.getGeneration('abc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LumaError);
      expect((error as LumaError).kind).toBe('invalid_response');
      expect((error as LumaError).retryable).toBe(false);
      expect((error as LumaError).message).toMatch(/^Luma answered GET \/generations\/abc \(200\) with a body we do not understand/);
    });
  });

  it('names the offending field', async () => {
    await withServer(sequence({ status: 200, body: { credit_balance: 'lots' } }), async (_server, client) => {
      await expect(client.getCredits()).rejects.toThrow(/credit_balance: /);
    });
  });

  it('rejects a non-JSON 200 as invalid_response', async () => {
    await withServer(sequence({ status: 200, body: '<html>captive portal</html>' }), async (_server, client) => {
      await expect(client.getCredits()).rejects.toMatchObject({ kind: 'invalid_response', retryable: false });
    });
  });

  it('rejects an empty 200 as invalid_response', async () => {
    await withServer(sequence({ status: 200 }), async (_server, client) => {
      await expect(client.getCredits()).rejects.toMatchObject({ kind: 'invalid_response' });
    });
  });

  it('does not retry an invalid response', async () => {
    await withServer(
      sequence({ status: 200, body: { nope: true } }),
      async (server, client) => {
        await expect(client.getCredits()).rejects.toMatchObject({ kind: 'invalid_response' });
        expect(server.requests).toHaveLength(1);
      },
      { maxRetries: 3, retryDelays: { initialMs: 1 } },
    );
  });
});

describe('LumaClient options', () => {
  it('refuses an empty API key', () => {
    expect(() => new LumaClient({ apiKey: '  ' })).toThrow(/apiKey/);
  });

  it('refuses nonsense timeouts and retry counts', () => {
    expect(() => new LumaClient({ apiKey: API_KEY, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new LumaClient({ apiKey: API_KEY, maxRetries: -1 })).toThrow(RangeError);
    expect(() => new LumaClient({ apiKey: API_KEY, maxRetries: 1.5 })).toThrow(RangeError);
  });

  it('uses the documented defaults', () => {
    const client = new LumaClient({ apiKey: API_KEY });
    expect(client.baseUrl).toBe('https://api.lumalabs.ai/dream-machine/v1');
    expect(client.timeoutMs).toBe(30_000);
    expect(client.maxRetries).toBe(2);
  });

  it('validates paging parameters', async () => {
    const client = new LumaClient({ apiKey: API_KEY });
    await expect(client.listGenerations({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(client.listGenerations({ offset: 0.5 })).rejects.toThrow(RangeError);
  });
});
