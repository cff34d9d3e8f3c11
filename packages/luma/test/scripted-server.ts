/**
 * A real HTTP server on 127.0.0.1 (random port) that answers from a script, so the client is tested through
 * sockets and axios exactly as in production. Not a Luma simulator: it only says what each test tells it to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/generations?limit=10&offset=20`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyText: string;
}

export interface ScriptedAnswer {
  status: number;
  /** An object/array is sent as JSON; a string is sent verbatim. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** `'hang'`: accept the request and never answer (for timeout tests). */
export type ScriptStep = ScriptedAnswer | 'hang';
export type Responder = (req: RecordedRequest, hitIndex: number) => ScriptStep;

export interface ScriptedServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(respond: Responder): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyText: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const step = respond(recorded, requests.length - 1);
      if (step === 'hang') return;
      const isText = typeof step.body === 'string';
      const payload = step.body === undefined ? '' : isText ? (step.body as string) : JSON.stringify(step.body);
      res.writeHead(step.status, {
        ...(step.body !== undefined && !isText ? { 'content-type': 'application/json' } : {}),
        ...step.headers,
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/dream-machine/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hanging requests would otherwise keep close() waiting
        server.close(() => resolve());
      }),
  };
}

/** Answers the steps in order; the last step repeats for any further request. */
export function sequence(...steps: ScriptStep[]): Responder {
  return (_req, hitIndex) => steps[Math.min(hitIndex, steps.length - 1)] as ScriptStep;
}

/** A port that was just free: connecting to it is refused. */
export async function refusedBaseUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/dream-machine/v1`;
}

export function generationFixture(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '3f1c2a9e-7b7e-4c1e-9a51-0c2f1a9b7d10',
    generation_type: 'video',
    state: 'queued',
    failure_reason: null,
    created_at: '2025-01-01T00:00:00.000Z',
    model: 'ray-2',
    assets: {},
    request: { prompt: 'a cat surfing at sunset', model: 'ray-2' },
    ...overrides,
  };
}
