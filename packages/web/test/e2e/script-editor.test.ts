import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { docPaths, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '@d2v/local';
import { startTestStack } from '../../../local/test/helpers';
import { WEB_DIST, launch, screenshot, type Browser } from './browser';
import { browserDescribe, idInHash, overflowX, stateLabelIs } from './flows';

/**
 * Create Script → edit the shots → Make video from script, in a real browser against the local stack: the
 * editor checks every change with the server's own script parser (@d2v/prompt), saves through PUT
 * /v1/scripts/{id}, and the video that comes out follows the edit (its length, each shot's prompt and cut).
 */
const suite = browserDescribe();
const UID = 'demo-user';

type Scene = { n: number; durationMs: number; description: string; camera: string };

suite('the script editor in Chromium', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let scriptId: string;
  let original: Scene[];

  beforeAll(async () => {
    expect(existsSync(WEB_DIST)).toBe(true);
    ({ stack, cleanup } = await startTestStack({ simulator: { seed: 31, timing: { queuedMs: 300, dreamingMs: 2000 } } }));
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(15_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
  });
  afterEach(() => expect(pageErrors).toEqual([]));

  const shot = (n: number) => page.getByTestId('scene').nth(n - 1);
  const field = (n: number, name: 'Prompt' | 'Duration (seconds)' | 'Camera' | 'Framing') => page.getByLabel(`Shot ${n} ${name}`, { exact: true });
  const makeVideo = () => page.getByRole('button', { name: 'Make video from script' });

  it('Create Script opens the editor with the server’s shots', async () => {
    await page.goto(`${stack.url}/#/drafts/demo-sunrise`);
    await page.getByLabel('Script length (seconds)').fill('9');
    await page.getByRole('button', { name: 'Create Script' }).click();
    await page.waitForURL(/#\/scripts\//);
    await shot(1).waitFor({ timeout: 10_000 });
    scriptId = idInHash(page);
    original = ((await stack.api.getScriptRequest(UID, scriptId)).script as { scenes: Scene[] }).scenes;
    expect(original.length).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('scene').count()).toBe(original.length);
    for (const scene of original) {
      await expect(field(scene.n, 'Prompt').inputValue()).resolves.toBe(scene.description);
      await expect(field(scene.n, 'Duration (seconds)').inputValue()).resolves.toBe(String(scene.durationMs / 1000));
      await expect(field(scene.n, 'Camera').inputValue()).resolves.toBe(scene.camera);
    }
    await page.getByTestId('script-summary').getByText(`${original.length} shots, 9 s in all`).waitFor();
    await screenshot(page, 'script-editor-desktop');
  });

  it('checks every change live with the server’s rules, on the field that is wrong', async () => {
    await field(1, 'Duration (seconds)').fill('12');
    const duration = field(1, 'Duration (seconds)');
    await shot(1).getByText('A shot lasts 1 s to 9 s: enter its length in seconds.').waitFor();
    await expect(duration.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await duration.getAttribute('aria-describedby'))!;
    await expect(page.locator(`[id="${describedBy}"]`).textContent()).resolves.toMatch(/^A shot lasts/);
    await field(2, 'Prompt').fill('   ');
    await shot(2).getByText('Write what the shot shows: this is its prompt.').waitFor();
    await page.getByTestId('script-check').getByText('2 things to fix before the video can be made.').waitFor();
    await expect(makeVideo().isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Save script' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'script-editor-invalid-desktop');

    // Seven shots of 9 s are over the whole script's 60 s: a problem of the script, not of a field.
    await field(1, 'Duration (seconds)').fill('9');
    await field(2, 'Prompt').fill(original[1]!.description);
    for (let i = original.length; i < 7; i++) await page.getByRole('button', { name: 'Add shot' }).click();
    for (let n = 1; n <= 7; n++) {
      await field(n, 'Duration (seconds)').fill('9');
      if (n > original.length) await field(n, 'Prompt').fill(`Extra shot ${n}`);
    }
    await page.getByTestId('script-check').getByText('The whole video lasts 1 s to 60 s; the shots now add up to 63 s.').waitFor();
    // Back to the script as written (remove the extra shots; the keyboard returns to "Add shot").
    for (let n = 7; n > original.length; n--) await page.getByRole('button', { name: `Remove shot ${n}` }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'add-shot', undefined, { timeout: 5000 });
    for (const scene of original) await field(scene.n, 'Duration (seconds)').fill(String(scene.durationMs / 1000));
    await page.getByTestId('script-check').getByText('The script is ready.').waitFor();
    await expect(makeVideo().isEnabled()).resolves.toBe(true);
  });

  it('edits a shot’s duration, prompt and camera, reorders shots from the keyboard, and saves', async () => {
    // Shot 2 moves to the front: the keyboard stays on it (its "down" button, "up" being gone at the top).
    await page.getByRole('button', { name: 'Move shot 2 up' }).focus();
    await page.keyboard.press('Enter');
    // The editor moves the focus in an effect after the reordered list renders: wait for it (a slow machine is later).
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Move shot 1 down', undefined, { timeout: 5000 });
    await expect(field(1, 'Prompt').inputValue()).resolves.toBe(original[1]!.description);

    await field(1, 'Duration (seconds)').fill('2.5');
    await field(1, 'Prompt').fill('A lone gull lands on a mooring post at dawn.');
    await field(1, 'Camera').selectOption('orbit');
    const totalMs = 2500 + original.filter((_, i) => i !== 1).reduce((sum, s) => sum + s.durationMs, 0);
    await page.getByTestId('script-summary').getByText(`${original.length} shots, ${totalMs / 1000} s in all`).waitFor();
    await page.getByRole('button', { name: 'Save script' }).click();
    await page.getByText('Script saved.').waitFor();

    const stored = ((await stack.api.getScriptRequest(UID, scriptId)).script as { totalMs: number; scenes: Scene[] });
    expect(stored.totalMs).toBe(totalMs);
    expect(stored.scenes[0]).toMatchObject({ n: 1, durationMs: 2500, description: 'A lone gull lands on a mooring post at dawn.', camera: 'orbit' });
    expect(stored.scenes.slice(1).map((s) => s.description)).toEqual([original[0]!.description, ...original.slice(2).map((s) => s.description)]);
  });

  it('makes the video from the edited script: its length and each shot follow the edit', async () => {
    const stored = ((await stack.api.getScriptRequest(UID, scriptId)).script as { totalMs: number; scenes: Scene[] });
    await page.getByLabel('Resolution').selectOption('540p');
    await page.getByLabel('Aspect ratio').selectOption('16:9');
    await makeVideo().click();
    await page.waitForURL(/#\/videos\//);
    await stateLabelIs(page, 'Saved (not posted)', 120_000);
    const doc = await stack.api.getRequest(UID, idInHash(page));
    expect(doc.scriptRequestId).toBe(scriptId);
    expect(doc.shots!.map((s) => s.durationMs)).toEqual(stored.scenes.map((s) => s.durationMs));
    // The joined video is as long as the edited script (ffprobe of the processed file, at 24 fps).
    expect(Math.abs(doc.outputs!.durationMs - stored.totalMs)).toBeLessThan(400);
    for (const [i, s] of doc.shots!.entries()) {
      const child = (await stack.ports.store.get<VideoRequest>(docPaths.videoRequest(UID, s.requestId)))!.data;
      expect(child.shot!.trimMs).toBe(stored.scenes[i]!.durationMs);
      expect(String((child.lumaRequest as { prompt: string }).prompt)).toContain(stored.scenes[i]!.description.replace(/\.$/, ''));
    }
    const first = (await stack.ports.store.get<VideoRequest>(docPaths.videoRequest(UID, doc.shots![0]!.requestId)))!.data;
    expect((first.lumaRequest as { concepts?: { key: string }[] }).concepts).toEqual([{ key: 'orbit_left' }]);
  }, 150_000);

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${stack.url}/#/scripts/${scriptId}`);
      await shot(1).waitFor();
      await page.waitForTimeout(300);
      expect(await overflowX(page)).toBe(0);
      await screenshot(page, 'script-editor-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
