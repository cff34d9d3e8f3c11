import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ERROR_CATALOG, type StatsReport } from '@d2v/schema';
import type { LocalStack } from '@d2v/local';
import { startTestStack } from '../../../local/test/helpers';
import { ARTIFACTS, WEB_DIST, launch, progressSeen, recordProgress, screenshot, unavailableReason, type Browser } from './browser';

/**
 * The web console in a real browser (Debian chromium driven by playwright-core) against the local stack that
 * serves the built app, as `npm start` does — real HTTP, SSE, ffmpeg, SQLite, crypto and the Luma simulator.
 * Screenshots of every screen, desktop and phone width, go to artifacts/web/.
 */
const why = unavailableReason();
if (why && process.env.CI === 'true') {
  test('the browser suite can run (CI installs chromium)', () => {
    throw new Error(`browser tests cannot run under CI: ${why}`);
  });
} else if (why) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED the web console browser tests: ${why}`);
}
const suite = why ? describe.skip : describe;

const UID = 'demo-user';
const OTHER = 'other-user';

suite('web console in Chromium', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(WEB_DIST)).toBe(true); // `npm test` builds the console first
    ({ stack, cleanup } = await startTestStack({ simulator: { seed: 12, timing: { queuedMs: 300, dreamingMs: 2500 } } }));
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // A step that cannot happen fails with Playwright's message (what it waited for) before jest's timeout.
    page.setDefaultTimeout(15_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
  });
  afterEach(() => expect(pageErrors).toEqual([]));

  const open = async (hash: string) => {
    await page.goto(`${stack.url}/${hash}`);
  };
  const requestIdOf = () => decodeURIComponent(new URL(page.url()).hash.split('?')[0]!.split('/')[2]!);

  /** Through the UI: open the draft, pick fast options, press Create AI Video; answers the new request id. */
  async function createFromDraft(title: string, opts: { autoPost?: boolean; fresh?: boolean } = {}): Promise<string> {
    await open('#/drafts');
    await page.getByRole('link', { name: new RegExp(title) }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.getByLabel('Resolution').selectOption('540p');
    await page.getByLabel('Aspect ratio').selectOption('16:9');
    if (opts.autoPost) await page.getByLabel('Post when ready').check();
    if (opts.fresh) await page.getByLabel(/Make a new one/).check();
    await recordProgress(page);
    await page.getByRole('button', { name: 'Create AI Video' }).click();
    await page.waitForURL(/#\/videos\//);
    return requestIdOf();
  }

  it('creates a video from a draft and follows it to Posted, the progress bar moving', async () => {
    await open('#/drafts');
    await page.getByRole('heading', { name: 'Drafts' }).waitFor();
    await screenshot(page, 'drafts-desktop');

    await page.getByRole('link', { name: /Sunrise over the harbour/ }).click();
    await page.getByRole('button', { name: 'Create AI Video' }).waitFor();
    await screenshot(page, 'draft-detail-desktop');

    const requestId = await createFromDraft('Sunrise over the harbour', { autoPost: true });
    await page.getByText('Luma is dreaming').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'generation-dreaming-desktop');
    await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Posted', undefined, { timeout: 60_000 });

    const values = await progressSeen(page);
    // Never backwards, several steps in between, and full at the end.
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(3);
    expect(values.at(-1)).toBe(100);
    // The timeline lists the state machine's labels in order (the log is fetched just after the document).
    await page.waitForFunction(() => document.querySelectorAll('.timeline-item').length === 9);
    const timeline = await page.locator('.timeline-item strong').allTextContents();
    expect(timeline).toEqual(['Waiting to start', 'Checking the draft', 'Waiting for a Luma slot', 'Sending to Luma', 'Luma is dreaming', 'Fetching the video', 'Compressing and encrypting', 'Saved (not posted)', 'Posted']);
    const doc = await stack.api.getRequest(UID, requestId);
    expect(doc.state).toBe('posted');
    await page.getByText(doc.postId!).waitFor();
    await screenshot(page, 'generation-posted-desktop');
  }, 90_000);

  it('plays, pauses, seeks (with the keyboard too) and mutes the preview', async () => {
    const video = page.getByTestId('preview-video');
    await video.waitFor();
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement | null)?.readyState! >= 1);
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    expect(duration).toBeGreaterThan(4);
    expect(duration).toBeLessThan(6);

    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(() => {
      const v = document.querySelector('video') as HTMLVideoElement;
      return !v.paused && v.currentTime > 0.3;
    });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).paused);

    const seek = page.getByRole('slider', { name: 'Seek' });
    // A click 60 % along the slider, as a person would; the thumb's own width makes it approximate.
    const box = (await seek.boundingBox())!;
    await seek.click({ position: { x: box.width * 0.6, y: box.height / 2 } });
    await page.waitForFunction((d) => Math.abs((document.querySelector('video') as HTMLVideoElement).currentTime - 0.6 * d) < 0.6, duration);
    await seek.focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime < 0.25);
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const v = document.querySelector('video') as HTMLVideoElement;
      return v.duration - v.currentTime < 0.3;
    });

    const mute = page.getByRole('button', { name: 'Mute' });
    await expect(mute.getAttribute('aria-pressed')).resolves.toBe('false');
    await mute.click();
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).muted);
    // The button renders from the element's volumechange event, one task after `muted` flips: wait for it.
    await page.waitForFunction(() => document.querySelector('button[aria-label="Mute"]')?.getAttribute('aria-pressed') === 'true');
  }, 30_000);

  it('makes a video, posts it as private with a caption from the action sheet, downloads it; another user cannot open it', async () => {
    const requestId = await createFromDraft('Sunrise over the harbour');
    await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Saved (not posted)', undefined, { timeout: 60_000 });
    await screenshot(page, 'action-sheet-desktop');

    await page.getByLabel('Who can see it').selectOption('private');
    await page.getByLabel('Caption').fill('Just for me');
    await page.getByRole('button', { name: 'Post' }).click();
    await page.getByText('Posted.', { exact: true }).waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Posted');
    const doc = await stack.api.getRequest(UID, requestId);
    expect(doc.lastActionResult).toMatchObject({ type: 'post', ok: true });
    const post = await stack.ports.store.get<{ visibility: string; caption: string }>(`posts/${doc.postId}`);
    expect(post?.data).toMatchObject({ visibility: 'private', caption: 'Just for me' });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe(`${requestId}.mp4`);
    const saved = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    expect(statSync(saved).size).toBe(doc.outputs!.encryption.plaintextBytes);
    rmSync(saved); // screenshots stay in artifacts/web/ (several suites write there), the download does not
    await page.getByText(/^Downloaded .*\.mp4/).waitFor();

    // Someone else: the video is not in their list and its page says it does not exist.
    await page.getByLabel('Signed in as').selectOption(OTHER);
    await open('#/videos');
    await page.getByRole('heading', { name: 'My videos' }).waitFor();
    await page.getByText('No videos yet').waitFor();
    await open(`#/videos/${requestId}`);
    await page.getByRole('alert').getByText(`Request ${requestId} does not exist.`).waitFor();
    await page.getByLabel('Signed in as').selectOption(UID);
  }, 90_000);

  it('shows the profile-style grid of my videos with the AI marker and posters', async () => {
    await open('#/videos');
    const tiles = page.locator('.tile');
    await tiles.first().waitFor();
    expect(await tiles.count()).toBe(2);
    expect(await page.locator('.tile .ai-badge').count()).toBe(2);
    await page.waitForFunction(() => [...document.querySelectorAll('.tile img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 2);
    await screenshot(page, 'my-videos-desktop');
  });

  it('deletes a video only after confirming', async () => {
    await page.locator('.tile a').first().click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this video?' });
    await dialog.waitFor();
    await screenshot(page, 'delete-confirm-desktop');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const requestId = requestIdOf();
    expect((await stack.api.getRequest(UID, requestId)).state).toBe('posted');

    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Deleted', undefined, { timeout: 20_000 });
    expect(await page.getByTestId('preview-video').count()).toBe(0);
    expect((await stack.api.getRequest(UID, requestId)).state).toBe('deleted');
  }, 30_000);

  it('shows a failed generation’s sentence and Retry brings it to the end', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    let requestId: string;
    try {
      // A new generation (not the identical video made above, which the content cache would reuse).
      requestId = await createFromDraft('Sunrise over the harbour', { fresh: true });
      await page.getByRole('button', { name: 'Retry' }).waitFor({ timeout: 30_000 });
    } finally {
      stack.simulator!.setFaults({ failureRate: 0 });
    }
    const failed = await stack.api.getRequest(UID, requestId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.retryable).toBe(true);
    const alert = page.getByRole('alert');
    await alert.getByText(failed.error!.message).waitFor();
    await alert.getByText(failed.error!.code).waitFor();
    expect(Object.keys(ERROR_CATALOG)).toContain(failed.error!.code);
    await screenshot(page, 'generation-failed-desktop');

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Saved (not posted)', undefined, { timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
    expect(states.slice(states.indexOf('failed'))).toEqual(['failed', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready']);
  }, 90_000);

  it('cancels a video while Luma dreams: Cancel, a confirmation, then Cancelled — and Luma’s generation is deleted', async () => {
    stack.simulator!.setTiming({ queuedMs: 300, dreamingMs: 10_000 });
    try {
      const requestId = await createFromDraft('Sunrise over the harbour', { fresh: true });
      await page.getByText('Luma is dreaming').first().waitFor({ timeout: 20_000 });
      const cancel = page.getByRole('button', { name: 'Cancel', exact: true });
      await cancel.click();
      const dialog = page.getByRole('dialog', { name: 'Stop making this video?' });
      await dialog.waitFor();
      await screenshot(page, 'cancel-confirm-desktop');
      await dialog.getByRole('button', { name: 'Keep going' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect((await stack.api.getRequest(UID, requestId)).state).toBe('dreaming');

      await cancel.click();
      await dialog.getByRole('button', { name: 'Stop it' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid=state-label]')?.textContent === 'Cancelled', undefined, { timeout: 20_000 });
      await page.getByText(/Luma had already started it, so it was billed/).waitFor();
      await page.getByRole('link', { name: 'make it again from the draft' }).waitFor();
      expect(await page.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
      await page.waitForFunction(() => [...document.querySelectorAll('.timeline-item strong')].at(-1)?.textContent === 'Cancelled');
      const doc = await stack.api.getRequest(UID, requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.cancellation).toMatchObject({ fromState: 'dreaming', billed: true });
      expect(stack.simulator!.generations().find((g) => g.id === doc.luma.generationId)!.deleted).toBe(true);
      await screenshot(page, 'generation-cancelled-desktop');
    } finally {
      stack.simulator!.setTiming({ queuedMs: 300, dreamingMs: 2500 });
    }
  }, 60_000);

  it('an empty draft fails with its sentence and no Retry (retrying cannot help)', async () => {
    await open('#/drafts/demo-empty');
    await page.getByRole('button', { name: 'Create AI Video' }).click();
    await page.waitForURL(/#\/videos\//);
    await page.getByRole('alert').getByText(ERROR_CATALOG.DRAFT_EMPTY.message).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
  }, 30_000);

  it('charts /v1/stats on the ops page', async () => {
    await open('#/ops');
    await page.locator('canvas').first().waitFor();
    const res = await fetch(`${stack.url}/v1/stats`, { headers: { authorization: 'Bearer demo-token' } });
    const { total } = (await res.json()) as StatsReport;
    expect(total.outcomes.failed).toBeGreaterThanOrEqual(1);
    await page.getByTestId('success-rate').getByText(`${Math.round(total.outcomes.successRate! * 100)}%`).waitFor();
    // Four charts drawn (the failures chart has the injected Luma failure and the empty draft).
    await page.waitForFunction(() => [...document.querySelectorAll('canvas')].filter((c) => c.width > 0 && c.height > 0).length === 4);
    await expect(page.getByRole('img', { name: /DRAFT_EMPTY/ }).count()).resolves.toBe(1);
    // Latency per stage: the pipeline's own stages with their percentiles, in words for screen readers too.
    await expect(page.getByRole('img', { name: /Luma is dreaming: p50 [\d.]+ s, p95/ }).count()).resolves.toBe(1);
    await page.getByLabel('Period').selectOption('7d');
    await page.getByTestId('success-rate').getByText(`${Math.round(total.outcomes.successRate! * 100)}%`).waitFor();
    await screenshot(page, 'ops-desktop');
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const [last] = await stack.api.listRequests(UID);
    for (const [hash, name] of [
      ['#/drafts', 'drafts'],
      ['#/drafts/demo-portrait', 'draft-detail'],
      [`#/videos/${last!.requestId}`, 'generation'],
      ['#/videos', 'my-videos'],
      ['#/ops', 'ops'],
    ] as const) {
      await open(hash);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(400);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await screenshot(page, `${name}-phone`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);

  it('works from the keyboard: skip link, navigation, a draft and its Create button', async () => {
    await open('#/drafts');
    await page.reload();
    await page.getByRole('heading', { name: 'Drafts' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.closest('a')?.getAttribute('href'))).resolves.toMatch(/^#\/drafts\//);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Create AI Video' }).waitFor();
    await page.getByRole('button', { name: 'Create AI Video' }).focus();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Create AI Video');
  });
});
