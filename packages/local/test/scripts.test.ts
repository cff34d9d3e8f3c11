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

/** Editing a script (what the console's script editor saves): `PUT /v1/scripts/{id}` with `{script}`. */
describe('PUT /v1/scripts/{id}', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
  afterAll(() => cleanup?.());

  type Scene = { n: number; durationMs: number; shot: string; description: string; camera: string; from?: string };
  type ScriptDoc = { state: string; draftId: string; script: { uid: string; draftId: string; totalMs: number; scenes: Scene[] } & Record<string, unknown> };

  const put = (id: string, body: unknown, token = 'demo-token') =>
    fetch(`${stack.url}/v1/scripts/${id}`, { method: 'PUT', headers: { ...AUTH, authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });

  async function readyScript(draftId = 'demo-sunrise', duration: unknown = '9s'): Promise<{ id: string; doc: ScriptDoc }> {
    const res = await fetch(`${stack.url}/v1/scripts`, { method: 'POST', headers: AUTH, body: JSON.stringify({ draftId, duration, shots: 2 }) });
    const { requestId } = (await res.json()) as { requestId: string };
    for (let i = 0; i < 100; i++) {
      const doc = (await (await fetch(`${stack.url}/v1/scripts/${requestId}`, { headers: AUTH })).json()) as ScriptDoc;
      if (doc.state) return { id: requestId, doc };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('script request not answered');
  }

  it('saves an edited script (durations, prompts, camera, order) and answers the whole script request', async () => {
    const { id, doc } = await readyScript();
    const [first, second] = doc.script.scenes as [Scene, Scene];
    // Shots swapped, the first one shortened and rewritten; the total follows the scenes.
    const scenes = [
      { ...second, n: 1, camera: 'orbit' },
      { ...first, n: 2, durationMs: 2500, description: '  A gull lands on a mooring post.  ' },
    ];
    const edited = { ...doc.script, scenes, totalMs: second.durationMs + 2500 };
    const res = await put(id, { script: edited });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as ScriptDoc;
    expect(answer.state).toBe('ready');
    expect(answer.script.scenes.map((s) => [s.n, s.durationMs, s.camera])).toEqual([[1, second.durationMs, 'orbit'], [2, 2500, first.camera]]);
    // Stored as parsed: the description trimmed, exactly what a video from it is planned with.
    expect(answer.script.scenes[1]!.description).toBe('A gull lands on a mooring post.');
    const stored = (await (await fetch(`${stack.url}/v1/scripts/${id}`, { headers: AUTH })).json()) as ScriptDoc;
    expect(stored.script).toEqual(answer.script);
  });

  it('refuses a script the parser refuses, naming the problem, and changes nothing', async () => {
    const { id, doc } = await readyScript();
    const tooLong = { ...doc.script, scenes: doc.script.scenes.map((s, i) => (i === 0 ? { ...s, durationMs: 12_000 } : s)) };
    const e = await errorOf(await put(id, { script: tooLong }));
    expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(e.message).toMatch(/^The script is not valid: scenes\.0\.durationMs/);
    const notAddingUp = { ...doc.script, totalMs: doc.script.totalMs + 1000 };
    expect((await errorOf(await put(id, { script: notAddingUp }))).message).toMatch(/add up exactly/);
    const unknownCamera = { ...doc.script, scenes: doc.script.scenes.map((s) => ({ ...s, camera: 'spin_cycle' })) };
    expect((await errorOf(await put(id, { script: unknownCamera }))).message).toMatch(/scenes\.0\.camera/);
    expect(await errorOf(await put(id, { script: doc.script, state: 'ready' }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await errorOf(await put(id, [doc.script]))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const stored = (await (await fetch(`${stack.url}/v1/scripts/${id}`, { headers: AUTH })).json()) as ScriptDoc;
    expect(stored.script).toEqual(doc.script);
  });

  it('keeps a script’s owner and draft', async () => {
    const { id, doc } = await readyScript();
    for (const change of [{ uid: 'other-user' }, { draftId: 'demo-portrait' }]) {
      const e = await errorOf(await put(id, { script: { ...doc.script, ...change } }));
      expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
      expect(e.message).toContain('keeps its owner and its draft');
    }
  });

  it('answers someone else’s or a missing script with 404, a script that is not ready with 409, a bad id with 400 INVALID_ID', async () => {
    const { id, doc } = await readyScript();
    expect(await errorOf(await put(id, { script: { ...doc.script, uid: 'other-user' } }, 'other-token'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await errorOf(await put('no-such-script', { script: doc.script }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const failed = await readyScript('demo-empty', '5s');
    expect(failed.doc.state).toBe('failed');
    const e = await errorOf(await put(failed.id, { script: { ...doc.script, draftId: 'demo-empty' } }));
    expect(e).toMatchObject({ status: 409, code: 'NOT_READY' });
    expect(e.message).toBe(`Script request ${failed.id} is failed: only a ready script can be edited.`);
    for (const bad of ['bad%24id', '..%2Fdrafts', 'a'.repeat(129)]) {
      expect(await errorOf(await put(bad, { script: doc.script }))).toMatchObject({ status: 400, code: 'INVALID_ID' });
      expect(await errorOf(await fetch(`${stack.url}/v1/scripts/${bad}`, { headers: AUTH }))).toMatchObject({ status: 400, code: 'INVALID_ID' });
      expect(await errorOf(await fetch(`${stack.url}/v1/requests/${bad}/transitions`, { headers: AUTH }))).toMatchObject({ status: 400, code: 'INVALID_ID' });
    }
  });
});
