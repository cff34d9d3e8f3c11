import type { Page } from 'playwright-core';
import type { Visibility } from '@d2v/schema';
import type { LocalStack } from '@d2v/local';
import { unavailableReason } from './browser';

/**
 * Steps the browser suites share: whether they can run (Debian's chromium), signing in as a demo user from the
 * header, and making a video through the console as a person would.
 */

/** `describe`, or `describe.skip` with a printed reason when chromium is missing; under CI=true a failing test instead. */
export function browserDescribe(): jest.Describe {
  const why = unavailableReason();
  if (why && process.env.CI === 'true') {
    test('the browser suite can run (CI installs chromium)', () => {
      throw new Error(`browser tests cannot run under CI: ${why}`);
    });
  } else if (why) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED the web console browser tests: ${why}`);
  }
  return why ? describe.skip : describe;
}

export const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

export const idInHash = (page: Page): string => decodeURIComponent(new URL(page.url()).hash.split('?')[0]!.split('/')[2]!);

/** Switches the signed-in demo user with the header's control, as a person would. */
export async function signInAs(page: Page, uid: string): Promise<void> {
  await page.getByLabel('Signed in as').selectOption(uid);
}

/** Waits until the generation view's state label reads `label`. */
export async function stateLabelIs(page: Page, label: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((want) => document.querySelector('[data-testid=state-label]')?.textContent === want, label, { timeout });
}

/** Through the UI: a draft, fast options, Create AI Video (posting when ready with `autoPost`); the new request id. */
export async function createFromDraft(page: Page, stack: LocalStack, draftTitle: string, opts: { autoPost?: Visibility } = {}): Promise<string> {
  await page.goto(`${stack.url}/#/drafts`);
  await page.getByRole('link', { name: new RegExp(draftTitle) }).click();
  await page.getByRole('heading', { level: 1, name: draftTitle }).waitFor();
  await page.getByLabel('Resolution').selectOption(FAST.resolution);
  await page.getByLabel('Aspect ratio').selectOption(FAST.aspectRatio);
  if (opts.autoPost) {
    await page.getByLabel('Visibility').selectOption(opts.autoPost);
    await page.getByLabel('Post when ready').check();
  }
  await page.getByRole('button', { name: 'Create AI Video' }).click();
  await page.waitForURL(/#\/videos\//);
  return idInHash(page);
}

/** A posted video made through the local API (setup that is not what a test is about); its post id. */
export async function postedThroughApi(stack: LocalStack, uid: string, visibility: Visibility, caption: string): Promise<string> {
  const { requestId } = await stack.api.createRequest(uid, { draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, visibility, caption } });
  const doc = await stack.waitForState(uid, requestId, ['posted', 'failed']);
  if (doc.state !== 'posted') throw new Error(`setup video ${requestId} ended ${doc.state}: ${doc.error?.message}`);
  return doc.postId!;
}

/** No sideways scrolling at the current viewport. */
export function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
