import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { D2vClient, ScriptRequest } from '@d2v/client';
import { SessionProvider } from '../../src/session';
import { ScriptEditor } from '../../src/screens/ScriptEditor';
import { checkForm, formOf, moveScene, newScene, removeScene, updateScene, type Script } from '../../src/script-form';

afterEach(cleanup);

const SCRIPT: Script = {
  version: 1,
  uid: 'demo-user',
  draftId: 'demo-sunrise',
  title: 'Sunrise',
  totalMs: 9000,
  moods: ['calm'],
  images: { referenceImages: [], characterImages: [] },
  scenes: [
    { n: 1, durationMs: 4500, shot: 'establishing', description: 'A quiet harbour.', camera: 'aerial', from: 'sentence 1' },
    { n: 2, durationMs: 4500, shot: 'close_up', description: 'Gulls over the boats.', camera: 'push_in' },
  ],
};

describe('script form: the server’s parser, worded per field', () => {
  it('a valid form is the script the server stores, its total the sum of its shots', () => {
    const form = formOf(SCRIPT);
    expect(checkForm(form)).toMatchObject({ script: SCRIPT, totalMs: 9000, general: [], fields: {} });
    const shorter = updateScene(form, form.scenes[0]!.key, { seconds: '2,5' });
    expect(checkForm(shorter).script).toMatchObject({ totalMs: 7000, scenes: [{ n: 1, durationMs: 2500 }, { n: 2, durationMs: 4500 }] });
  });

  it('puts each problem on its field', () => {
    const form = formOf(SCRIPT);
    const [a, b] = form.scenes;
    const bad = updateScene(updateScene(form, a!.key, { seconds: '12' }), b!.key, { description: '   ' });
    const check = checkForm(bad);
    expect(check.script).toBeUndefined();
    expect(check.fields[a!.key]).toEqual({ durationMs: 'A shot lasts 1 s to 9 s: enter its length in seconds.' });
    expect(check.fields[b!.key]).toEqual({ description: 'Write what the shot shows: this is its prompt.' });
    expect(check.general).toEqual([]);
    expect(checkForm(updateScene(form, a!.key, { seconds: '' })).fields[a!.key]).toEqual({ durationMs: expect.stringMatching(/^A shot lasts/) });
    expect(checkForm(updateScene(form, a!.key, { seconds: '0.5' })).fields[a!.key]?.durationMs).toMatch(/^A shot lasts/);
  });

  it('the whole script: at most 60 s and 12 shots, at least one', () => {
    let form = formOf(SCRIPT);
    for (let i = 0; i < 5; i++) form = { ...form, scenes: [...form.scenes, { ...newScene(), description: `shot ${i}`, seconds: '9' }] };
    expect(checkForm(form)).toMatchObject({ totalMs: 54_000, general: [] });
    form = { ...form, scenes: [...form.scenes, { ...newScene(), description: 'one more', seconds: '9' }] };
    expect(checkForm(form).general).toEqual(['The whole video lasts 1 s to 60 s; the shots now add up to 63 s.']);
    for (let i = 0; i < 6; i++) form = { ...form, scenes: [...form.scenes, { ...newScene(), description: `x ${i}`, seconds: '1' }] };
    expect(checkForm(form).general).toContain('A script has at most 12 shots.');
    expect(checkForm({ ...form, scenes: [] }).general).toContain('A script needs at least one shot.');
  });

  it('moves and removes shots by key, renumbering in order', () => {
    const form = formOf(SCRIPT);
    const moved = moveScene(form, form.scenes[1]!.key, -1);
    expect(checkForm(moved).script!.scenes.map((s) => [s.n, s.description])).toEqual([[1, 'Gulls over the boats.'], [2, 'A quiet harbour.']]);
    expect(moveScene(form, form.scenes[0]!.key, -1)).toBe(form);
    expect(checkForm(removeScene(form, form.scenes[0]!.key)).script).toMatchObject({ totalMs: 4500, scenes: [{ n: 1, description: 'Gulls over the boats.' }] });
  });
});

/** A D2vClient stand-in at the component boundary (FAKE: no server here); the browser suite uses the real one. */
function fakeClient() {
  const doc: ScriptRequest = { uid: 'demo-user', requestId: 's1', draftId: 'demo-sunrise', duration: 9, state: 'ready', script: SCRIPT, createdAt: '', updatedAt: '' };
  const updateScript = vi.fn(async (_id: string, script: Script) => ({ ...doc, script }));
  const createRequest = vi.fn(async () => ({ requestId: 'r1' }));
  const client = { transport: 'local', uid: 'demo-user', getScript: async () => doc, updateScript, createRequest } as unknown as D2vClient;
  return { client, updateScript, createRequest };
}

describe('ScriptEditor', () => {
  it('refuses to make a video while a field is wrong, and saves the parsed script once it is right', async () => {
    const { client, updateScript } = fakeClient();
    render(<SessionProvider makeClient={() => client}><ScriptEditor scriptId="s1" /></SessionProvider>);
    const duration = await screen.findByLabelText('Shot 1 Duration (seconds)');
    fireEvent.change(duration, { target: { value: '12' } });
    expect(duration.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(duration.getAttribute('aria-describedby')!)!.textContent).toBe('A shot lasts 1 s to 9 s: enter its length in seconds.');
    expect((screen.getByRole('button', { name: 'Make video from script' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('One thing to fix before the video can be made.')).toBeTruthy();

    fireEvent.change(duration, { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Shot 1 Prompt'), { target: { value: '  A gull lands.  ' } });
    expect(screen.getByTestId('script-summary').textContent).toMatch(/^2 shots, 7.5 s in all/);
    fireEvent.click(screen.getByRole('button', { name: 'Save script' }));
    await waitFor(() => expect(updateScript).toHaveBeenCalledTimes(1));
    expect(updateScript.mock.calls[0]![1]).toMatchObject({ totalMs: 7500, scenes: [{ n: 1, durationMs: 3000, description: 'A gull lands.' }, { n: 2, durationMs: 4500 }] });
    await screen.findByText('Script saved.');
  });
});
