import { existsSync } from 'node:fs';
import type { Page, Response } from 'playwright-core';
import type { LocalStack } from '@d2v/local';
import { startTestStack } from '../../../local/test/helpers';
import { WEB_DIST, launch, screenshot, type Browser } from './browser';
import { browserDescribe, createFromDraft, overflowX, postedThroughApi, signInAs, stateLabelIs } from './flows';

/**
 * The feed, profile grids and audience playback in a real browser (Debian chromium) against the local stack:
 * who sees which post (demo-user posts; other-user follows them; third-user follows nobody), and a `<video>`
 * playing a post through its signed link with real HTTP ranges. The stack caps one ranged answer at 128 KiB, as
 * the `videoPlayback` function caps at 8 MiB, so even a short test video is fetched in several ranges and a seek
 * near the end must ask for its own.
 */
const suite = browserDescribe();

const OWNER = 'demo-user';
const FOLLOWER = 'other-user';
const STRANGER = 'third-user';
const MAX_RANGE = 128 * 1024;

suite('feed, profile grids and audience playback in Chromium', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const posts: { publicId?: string; privateId?: string; followersId?: string } = {};

  beforeAll(async () => {
    expect(existsSync(WEB_DIST)).toBe(true);
    ({ stack, cleanup } = await startTestStack({ simulator: { seed: 21, timing: { queuedMs: 300, dreamingMs: 2000 } }, config: { playbackMaxRangeBytes: MAX_RANGE } }));
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

  const open = (hash: string) => page.goto(`${stack.url}/${hash}`);
  const feedIds = async () => (await page.locator('[data-testid^="post-"]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-testid')!.slice('post-'.length))));
  /** The feed as the signed-in user, once its first page is in. */
  async function openFeed(hash = '#/feed') {
    await open(hash);
    await page.getByRole('heading', { level: 1, name: 'Feed' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('ul[aria-label="Posts"]')?.hasAttribute('aria-busy'));
  }

  it('a private post from the action sheet: in the owner’s grid with its badge, not in another user’s feed', async () => {
    posts.publicId = await postedThroughApi(stack, OWNER, 'public', 'Harbour at dawn, for everyone');

    await open('#/drafts');
    await signInAs(page, OWNER);
    await createFromDraft(page, stack, 'Sunrise over the harbour');
    await stateLabelIs(page, 'Saved (not posted)');
    await page.getByLabel('Who can see it').selectOption('private');
    await page.getByLabel('Caption').fill('Only mine');
    await page.getByRole('button', { name: 'Post' }).click();
    await stateLabelIs(page, 'Posted', 20_000);
    posts.privateId = (await page.locator('code').filter({ hasText: /^ai_/ }).textContent())!;

    // The owner's own grid: both, newest first, each with the AI marker and who can see it.
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
    const tiles = page.locator('[data-testid^="grid-"]');
    await tiles.nth(1).waitFor();
    expect(await tiles.locator('.visibility-badge').allTextContents()).toEqual(['Visible to: Private', 'Visible to: Public']);
    expect(await tiles.locator('.ai-badge').count()).toBe(2);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="grid-"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 2);
    await screenshot(page, 'profile-own-desktop');

    // Someone else: the public post is in their feed, the private one is not, and its page says it does not exist.
    await signInAs(page, FOLLOWER);
    await openFeed();
    expect(await feedIds()).toEqual([posts.publicId]);
    await open(`#/posts/${posts.privateId}`);
    await page.getByRole('alert').getByText(`Post ${posts.privateId} does not exist.`).waitFor();
  }, 90_000);

  it('a followers-only post: in a follower’s feed and grid view, not a stranger’s', async () => {
    await signInAs(page, OWNER);
    await createFromDraft(page, stack, 'Sunrise over the harbour', { autoPost: 'followers' });
    await stateLabelIs(page, 'Posted');
    posts.followersId = (await page.locator('code').filter({ hasText: /^ai_/ }).textContent())!;

    await signInAs(page, FOLLOWER);
    await openFeed();
    expect(await feedIds()).toEqual([posts.followersId, posts.publicId]);
    const tile = page.getByTestId(`post-${posts.followersId}`);
    await tile.locator('.visibility-badge', { hasText: 'Followers' }).waitFor();
    await tile.locator('.ai-badge').waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="post-"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 2);
    await screenshot(page, 'feed-desktop');

    await signInAs(page, STRANGER);
    await openFeed();
    expect(await feedIds()).toEqual([posts.publicId]);
    await open(`#/users/${OWNER}`);
    await page.getByRole('heading', { level: 1, name: 'Demo Creator' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('ul[aria-busy]'));
    expect(await page.locator('[data-testid^="grid-"] .visibility-badge').allTextContents()).toEqual(['Visible to: Public']);
    await open(`#/posts/${posts.followersId}`);
    await page.getByRole('alert').getByText(`Post ${posts.followersId} does not exist.`).waitFor();
  }, 90_000);

  it('pages the feed with "Load more" from the keyboard, then opens an author’s grid from a post', async () => {
    await signInAs(page, FOLLOWER);
    await openFeed('#/feed?size=1');
    expect(await feedIds()).toEqual([posts.followersId]);
    const more = page.getByRole('button', { name: 'Load more' });
    await more.focus();
    await page.keyboard.press('Enter');
    await page.getByText('That is everything.').waitFor();
    expect(await feedIds()).toEqual([posts.followersId, posts.publicId]);
    // The keyboard lands on the post that just came in.
    await expect(page.evaluate(() => document.activeElement?.getAttribute('href'))).resolves.toBe(`#/posts/${posts.publicId}`);

    await page.getByTestId(`post-${posts.publicId}`).getByRole('link', { name: 'Demo Creator' }).click();
    await page.getByRole('heading', { level: 1, name: 'Demo Creator' }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="grid-"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 2);
    expect(await page.locator('[data-testid^="grid-"] .visibility-badge').allTextContents()).toEqual(['Visible to: Followers', 'Visible to: Public']);
    await screenshot(page, 'profile-other-desktop');
  }, 30_000);

  it('plays a post through its signed link: a seek near the end is its own 206 range, then it plays', async () => {
    await signInAs(page, FOLLOWER);
    const ranges: { status: number; range?: string; contentRange?: string }[] = [];
    const onResponse = async (res: Response) => {
      if (!res.url().includes(`/v1/posts/${posts.publicId}/video?`)) return;
      const headers = await res.request().allHeaders();
      ranges.push({ status: res.status(), range: headers.range, contentRange: res.headers()['content-range'] });
    };
    page.on('response', onResponse);
    // Chromium's HTTP cache stitches cached and fetched ranges into one answer to the player; without it every
    // range the element asks for is the server's own answer, which is what this test reads.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    try {
      await openFeed();
      await page.getByTestId(`post-${posts.publicId}`).locator('a.tile-link').click();
      await page.getByRole('heading', { level: 1, name: 'Harbour at dawn, for everyone' }).waitFor();
      const video = page.getByTestId('preview-video');
      await video.waitFor();
      const src = await video.getAttribute('src');
      expect(src).toMatch(new RegExp(`/v1/posts/${posts.publicId}/video\\?as=${FOLLOWER}&expires=\\d+&sig=[0-9a-f]{64}$`));
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).readyState >= 1);
      const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
      expect(duration).toBeGreaterThan(4);
      await screenshot(page, 'post-desktop');

      const doc = (await stack.ports.store.get<{ requestId: string }>(`posts/${posts.publicId}`))!.data;
      const bytes = (await stack.api.getRequest(OWNER, doc.requestId)).outputs!.encryption.plaintextBytes;
      expect(bytes).toBeGreaterThan(2 * MAX_RANGE); // more than the answers the metadata needed

      await video.evaluate((v: HTMLVideoElement) => {
        (window as unknown as { seeked: number }).seeked = 0;
        v.addEventListener('seeked', () => ((window as unknown as { seeked: number }).seeked += 1));
      });
      const target = duration - 1;
      const seekStarted = ranges.length;
      const fetchedBefore = Math.max(...ranges.map((r) => Number(/-(\d+)\//.exec(r.contentRange ?? '')?.[1] ?? -1)));
      await video.evaluate((v: HTMLVideoElement, t: number) => void (v.currentTime = t), target);
      await page.waitForFunction(() => (window as unknown as { seeked: number }).seeked > 0 && (document.querySelector('video') as HTMLVideoElement).readyState >= 2);
      const state = await video.evaluate((v: HTMLVideoElement) => ({ currentTime: v.currentTime, readyState: v.readyState }));
      expect(state.readyState).toBeGreaterThanOrEqual(2);
      expect(Math.abs(state.currentTime - target)).toBeLessThan(0.1);

      // Before the seek only the start was fetched (preload=metadata); the seek was served by ranged answers of its
      // own, beyond anything fetched before and far into the file, none longer than the cap.
      expect(fetchedBefore).toBeLessThan(bytes / 2);
      const seekAnswers = ranges.slice(seekStarted).filter((r) => r.status === 206);
      const starts = seekAnswers.map((r) => Number(/^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.contentRange ?? '')?.[1] ?? -1));
      expect(seekAnswers.length).toBeGreaterThanOrEqual(1);
      expect(starts.some((start) => start > fetchedBefore && start > bytes / 2)).toBe(true);
      for (const r of seekAnswers) {
        expect(r.range).toMatch(/^bytes=\d+-\d*$/);
        const [, a, b, total] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.contentRange!)!.map(Number);
        expect(total).toBe(bytes);
        expect(b! - a! + 1).toBeLessThanOrEqual(MAX_RANGE);
      }

      await page.getByRole('button', { name: 'Play' }).click();
      await page.waitForFunction((t) => {
        const v = document.querySelector('video') as HTMLVideoElement;
        return v.ended || (!v.paused && v.currentTime > t + 0.3);
      }, target);
      expect(ranges.every((r) => r.status === 206 || r.status === 200)).toBe(true);
    } finally {
      page.off('response', onResponse);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
      await cdp.detach();
    }
  }, 60_000);

  it('fits a phone-width screen: feed, post, profile', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [hash, name] of [
        ['#/feed', 'feed'],
        [`#/posts/${posts.publicId}`, 'post'],
        [`#/users/${OWNER}`, 'profile-other'],
      ] as const) {
        await open(hash);
        await page.locator('main h1').first().waitFor();
        await page.waitForFunction(() => [...document.querySelectorAll('main img')].every((i) => (i as HTMLImageElement).complete));
        await page.waitForTimeout(300);
        expect({ name, overflow: await overflowX(page) }).toEqual({ name, overflow: 0 });
        await screenshot(page, `${name}-phone`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }, 30_000);
});
