/**
 * A raw HTTP client for hostile-input suites: the path is sent exactly as given (no URL normalisation, so `..`
 * and `%2F` reach the server as a client could send them), every outcome other than a complete answer — a reset
 * connection, a hang — is reported as such, and a server-sent-events answer counts as answered once its headers
 * arrived.
 */
import { request } from 'node:http';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
  /** The answer was a stream (SSE) that was left after its headers. */
  streamed: boolean;
}

export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
}

export function send(port: number, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, body: '', streamed: true });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // A video body: enough to know it is one.
        if (size < 64 * 1024) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8'), streamed: false }));
      res.on('error', (e) => reject(new TransportFailure(`the answer was cut: ${e.message}`)));
      res.on('aborted', () => reject(new TransportFailure('the answer was cut (aborted)')));
    });
    r.setTimeout(timeoutMs, () => {
      r.destroy();
      reject(new TransportFailure(`no complete answer within ${timeoutMs} ms (hang)`));
    });
    r.on('error', (e) => reject(new TransportFailure(`${req.method} ${req.path.slice(0, 120)}: ${e.message}`)));
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * What every answer must be: no 5xx; a refusal is JSON `{error:{code,message}}` with a code in capitals and a
 * sentence. Returns the reason it is not, or null.
 */
export function badAnswer(req: RawRequest, res: RawResponse): string | null {
  if (res.status >= 500) return `answered ${res.status}: ${res.body.slice(0, 300)}`;
  if (res.status < 400 || req.method === 'HEAD') return null;
  let parsed: { error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(res.body) as typeof parsed;
  } catch {
    return `refusal ${res.status} is not JSON: ${res.body.slice(0, 200)}`;
  }
  const { code, message } = parsed.error ?? {};
  if (typeof code !== 'string' || !/^[A-Z][A-Z_]+$/.test(code)) return `refusal ${res.status} has no error code: ${res.body.slice(0, 200)}`;
  if (typeof message !== 'string' || message.length < 10) return `refusal ${res.status} (${code}) has no sentence: ${res.body.slice(0, 200)}`;
  return null;
}
