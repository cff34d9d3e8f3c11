import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

const AUTH = { authorization: 'Bearer demo-token', 'content-type': 'application/json' };

/** "Create Script" over the local HTTP API: the request document is answered by the pipeline, no Luma call. */
describe('POST /v1/scripts', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
  afterAll(() => cleanup?.());

  async function answered(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
      const doc = (await (await fetch(`${stack.url}/v1/scripts/${id}`, { headers: AUTH })).json()) as Record<string, unknown>;
      if (doc.state) return doc;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('script request not answered');
  }

  it('turns a draft into an editable shot script whose scenes add up to the length', async () => {
    const res = await fetch(`${stack.url}/v1/scripts`, { method: 'POST', headers: AUTH, body: JSON.stringify({ draftId: 'demo-sunrise', duration: '9s' }) });
    expect(res.status).toBe(201);
    const { requestId } = (await res.json()) as { requestId: string };
    const doc = (await answered(requestId)) as { state: string; script: { scenes: { durationMs: number; description: string; camera: string }[] } };
    expect(doc.state).toBe('ready');
    expect(doc.script.scenes.length).toBeGreaterThanOrEqual(1);
    expect(doc.script.scenes.reduce((sum, s) => sum + s.durationMs, 0)).toBe(9000);
    for (const scene of doc.script.scenes) {
      expect(scene.description.length).toBeGreaterThan(3);
      expect(scene.camera).toBeTruthy();
    }
    expect(stack.simulator!.generations().length).toBe(0);
  });

  it('answers an empty draft with a failed request and a code', async () => {
    const res = await fetch(`${stack.url}/v1/scripts`, { method: 'POST', headers: AUTH, body: JSON.stringify({ draftId: 'demo-empty' }) });
    const { requestId } = (await res.json()) as { requestId: string };
    const doc = (await answered(requestId)) as { state: string; error: { code: string } };
    expect(doc.state).toBe('failed');
    expect(doc.error.code).toBe('DRAFT_EMPTY');
  });

  it('refuses bad bodies with 400 and unknown drafts with 404', async () => {
    const bad = await fetch(`${stack.url}/v1/scripts`, { method: 'POST', headers: AUTH, body: JSON.stringify({ draftId: 'demo-sunrise', duration: '2h' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    const missing = await fetch(`${stack.url}/v1/scripts`, { method: 'POST', headers: AUTH, body: JSON.stringify({ draftId: 'nope' }) });
    expect(missing.status).toBe(404);
  });
});
