import { LumaClient, LumaError, extractLumaDetail, parseRetryAfterMs, type LumaErrorKind } from '../src';
import { inspect } from 'node:util';
import { refusedBaseUrl, sequence, startScriptedServer, type ScriptStep } from './scripted-server';

const API_KEY = 'luma-test-key-7f3a9c';

/** One GET /credits against a server that answers `step`, no retries; returns the LumaError it failed with. */
async function failureFor(step: ScriptStep, timeoutMs = 5_000): Promise<LumaError> {
  const server = await startScriptedServer(sequence(step));
  try {
    const client = new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, maxRetries: 0, timeoutMs });
    return await captureLumaError(client.getCredits());
  } finally {
    await server.close();
  }
}

async function captureLumaError(promise: Promise<unknown>): Promise<LumaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LumaError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('HTTP status → LumaError', () => {
  const table: [number, LumaErrorKind, boolean][] = [
    [400, 'bad_request', false],
    [401, 'auth', false],
    [402, 'no_credits', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [405, 'bad_request', false],
    [408, 'timeout', true],
    [409, 'conflict', true],
    [422, 'bad_request', false],
    [429, 'rate_limited', true],
    [500, 'server', true],
    [502, 'server', true],
    [503, 'server', true],
  ];

  it.each(table)('%i → %s (retryable: %s)', async (status, kind, retryable) => {
    const error = await failureFor({ status, body: { detail: 'Something specific happened' } });
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.detail).toBe('Something specific happened');
    expect(error.message).toContain(`(${status})`);
    expect(error.message).toContain('Something specific happened');
  });

  it('writes a sentence with the status and Luma’s detail', async () => {
    const error = await failureFor({
      status: 400,
      body: { detail: 'Prompt is too short, minimum length is 3 characters' },
    });
    expect(error.message).toBe('Luma refused the request (400): Prompt is too short, minimum length is 3 characters');
  });

  it('explains a rejected key', async () => {
    const error = await failureFor({ status: 401, body: { detail: 'Invalid API key is provided' } });
    expect(error.message).toBe('Luma rejected our API key (401): Invalid API key is provided');
  });

  it.each([400, 422])('treats a %i that mentions credits as no_credits (permanent)', async (status) => {
    const error = await failureFor({ status, body: { detail: 'Insufficient credits to create this generation' } });
    expect(error.kind).toBe('no_credits');
    expect(error.retryable).toBe(false);
  });

  it('flattens FastAPI validation details into one readable string', async () => {
    const error = await failureFor({
      status: 422,
      body: {
        detail: [
          { loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' },
          { loc: ['body', 'keyframes', 'frame0', 'url'], msg: 'invalid or missing URL scheme', type: 'value_error.url' },
        ],
      },
    });
    expect(error.kind).toBe('bad_request');
    expect(error.detail).toBe('body.prompt: field required; body.keyframes.frame0.url: invalid or missing URL scheme');
    expect(error.message).toBe(
      'Luma refused the request (422): body.prompt: field required; body.keyframes.frame0.url: invalid or missing URL scheme',
    );
  });

  it('handles a non-JSON error page', async () => {
    const error = await failureFor({
      status: 502,
      body: '<html><head><title>502</title></head><body><h1>Bad Gateway</h1></body></html>',
      headers: { 'content-type': 'text/html' },
    });
    expect(error.kind).toBe('server');
    expect(error.retryable).toBe(true);
    expect(error.detail).toBe('502 Bad Gateway');
    expect(error.message).toBe('Luma had a server error (502): 502 Bad Gateway');
  });

  it('handles an empty error body', async () => {
    const error = await failureFor({ status: 503 });
    expect(error.detail).toBeUndefined();
    expect(error.message).toBe('Luma had a server error (503) and gave no detail');
  });

  it('names the missing resource on 404', async () => {
    const server = await startScriptedServer(sequence({ status: 404, body: { detail: 'Generation not found' } }));
    try {
      const client = new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, maxRetries: 3 });
      const error = await captureLumaError(client.getGeneration('missing-id'));
      expect(error.message).toBe('Luma found nothing at GET /generations/missing-id (404): Generation not found');
      expect(server.requests).toHaveLength(1); // permanent: not retried
    } finally {
      await server.close();
    }
  });

  it('never repeats the API key, even when Luma echoes it', async () => {
    const error = await failureFor({ status: 401, body: { detail: `Invalid API key is provided: ${API_KEY}` } });
    expect(error.message).not.toContain(API_KEY);
    expect(error.detail).not.toContain(API_KEY);
    expect(error.message).toContain('[redacted]');
  });
});

describe('Retry-After', () => {
  it('reads Retry-After in seconds', async () => {
    const error = await failureFor({ status: 429, body: { detail: 'Too many requests' }, headers: { 'Retry-After': '7' } });
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.message).toBe('Luma is rate-limiting us (429): Too many requests (Luma asks us to wait 7 s)');
  });

  it('reads Retry-After as an HTTP-date', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString(); // second precision: 4–5 s from now
    const error = await failureFor({ status: 503, body: { detail: 'Down for maintenance' }, headers: { 'Retry-After': at } });
    expect(error.retryAfterMs).toBeGreaterThan(3_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('prefers retry-after-ms', async () => {
    const error = await failureFor({
      status: 429,
      body: { detail: 'slow down' },
      headers: { 'retry-after-ms': '1500', 'Retry-After': '9' },
    });
    expect(error.retryAfterMs).toBe(1_500);
  });

  it('leaves retryAfterMs undefined without a usable header', async () => {
    expect((await failureFor({ status: 429, body: { detail: 'x' } })).retryAfterMs).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon-ish' })).toBeUndefined();
  });

  it('clamps a date in the past to zero', () => {
    const now = Date.parse('2025-01-01T00:00:10Z');
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfterMs({ 'Retry-After': 'Wed, 01 Jan 2025 00:00:12 GMT' }, now)).toBe(2_000);
  });
});

describe('transport failures', () => {
  it('reports a server that never answers as a retryable timeout', async () => {
    const started = Date.now();
    const error = await failureFor('hang', 200);
    expect(error.kind).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('Luma did not answer GET /credits within 200 ms');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('warns that a timed-out create may still have been billed', async () => {
    const server = await startScriptedServer(sequence('hang'));
    try {
      const client = new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, timeoutMs: 200 });
      const error = await captureLumaError(client.createVideo({ model: 'ray-2', prompt: 'a lighthouse in a storm' }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toContain('may still have been created and billed');
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection as a retryable network error', async () => {
    const baseUrl = await refusedBaseUrl();
    const client = new LumaClient({ apiKey: API_KEY, baseUrl, maxRetries: 0 });
    const error = await captureLumaError(client.getCredits());
    expect(error.kind).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^Could not reach Luma at http:\/\/127\.0\.0\.1:\d+\/dream-machine\/v1 \(ECONNREFUSED\)/);
  });

  it('does not attach the raw axios error (its config holds the Authorization header)', async () => {
    const baseUrl = await refusedBaseUrl();
    const client = new LumaClient({ apiKey: API_KEY, baseUrl, maxRetries: 0 });
    const error = await captureLumaError(client.getCredits());
    const inspected = inspect(error, { depth: 20 });
    expect(inspected).not.toContain(API_KEY);
    expect((error.opts.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('reports a connection the server drops as a retryable network error', async () => {
    const server = await startScriptedServer(() => 'hang');
    const client = new LumaClient({ apiKey: API_KEY, baseUrl: server.baseUrl, maxRetries: 0 });
    const pending = captureLumaError(client.getCredits());
    // wait until the request has arrived, then cut every connection
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await server.close();
    const error = await pending;
    expect(error.kind).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNRESET');
  });
});

describe('extractLumaDetail', () => {
  it.each([
    ['{"detail":"Invalid API key is provided"}', 'Invalid API key is provided'],
    ['{"detail":[{"loc":["body","prompt"],"msg":"field required","type":"value_error.missing"}]}', 'body.prompt: field required'],
    ['{"detail":{"loc":["query","limit"],"msg":"must be <= 100"}}', 'query.limit: must be <= 100'],
    ['{"message":"Internal Server Error"}', 'Internal Server Error'],
    ['{"error":{"message":"upstream failed"}}', 'upstream failed'],
    ['"plain json string"', 'plain json string'],
    ['Service Unavailable', 'Service Unavailable'],
    ['', undefined],
    ['{}', undefined],
    ['<html></html>', undefined],
  ])('%s → %s', (body, expected) => {
    expect(extractLumaDetail(body)).toBe(expected);
  });

  it('shortens very long bodies', () => {
    const detail = extractLumaDetail(JSON.stringify({ detail: 'x'.repeat(5_000) }));
    expect(detail?.length).toBeLessThanOrEqual(300);
  });
});
