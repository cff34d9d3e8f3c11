/** The local stack's HTTP API as `d2v chaos` uses it: what a client app does, nothing the pipeline does. */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { VideoRequest } from '@d2v/schema';

export class ChaosApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token = 'demo-token',
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  async createRequest(body: Record<string, unknown>): Promise<string> {
    return (await this.call<{ requestId: string }>('POST', '/v1/requests', body)).requestId;
  }

  async createScript(draftId: string, duration: string): Promise<string> {
    return (await this.call<{ requestId: string }>('POST', '/v1/scripts', { draftId, duration })).requestId;
  }

  async scriptState(id: string): Promise<string | undefined> {
    return (await this.call<{ state?: string }>('GET', `/v1/scripts/${id}`)).state;
  }

  /** Top-level requests (shots are left out by the API). */
  async listRequests(): Promise<VideoRequest[]> {
    return (await this.call<{ requests: VideoRequest[] }>('GET', '/v1/requests')).requests;
  }

  async getRequest(id: string): Promise<VideoRequest> {
    return this.call<VideoRequest>('GET', `/v1/requests/${id}`);
  }

  /** The owner's decrypted video, written to `file`. */
  async downloadVideo(id: string, file: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/v1/requests/${id}/video`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(60_000) });
    if (!res.ok || !res.body) throw new Error(`GET /v1/requests/${id}/video answered ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file));
  }
}
