/**
 * Embed mode (`?embed`), as a slide or a wiki page frames it: the stage and the playback bar fill
 * a 16:9 frame with nothing else (no header, steps or inspectors) and nothing spilling out, in
 * both themes; playing works and the address keeps `?embed`; the title links to the full app at
 * the same step; the iframe snippet from the Share dialog, pasted into another site's page, shows
 * the shared session (here a sandbox with console lines); and a bad link says what is wrong.
 */

import { type FrameLocator, type Locator, type Page } from '@playwright/test';
import { expect, position, test, THEMES } from './page-checks';

const MAP_AND_FIRE = 'track2/2.2-map-and-fire.json';
const FRAME = { width: 800, height: 450 };

/** What makes an embed: the stage and the playback bar, and none of the full app's panels. */
async function expectEmbed(root: Page | FrameLocator): Promise<void> {
  await expect(root.getByTestId('embed')).toBeVisible();
  await expect(root.getByTestId('stage').locator('svg')).toBeVisible();
  await expect(root.getByTestId('playback')).toBeVisible();
  for (const absent of ['scenario-picker', 'share-button', 'steps', 'tab-events', 'console'])
    await expect(root.getByTestId(absent)).toHaveCount(0);
}

/** Every part of the embed lies inside the frame: nothing scrolls, nothing is cut off. */
async function expectFits(page: Page): Promise<void> {
  const { scrollW, scrollH, w, h } = await page.evaluate(() => ({
    scrollW: document.documentElement.scrollWidth,
    scrollH: document.documentElement.scrollHeight,
    w: window.innerWidth,
    h: window.innerHeight,
  }));
  expect(scrollW).toBeLessThanOrEqual(w);
  expect(scrollH).toBeLessThanOrEqual(h);
  const inside = async (l: Locator): Promise<void> => {
    const b = await l.boundingBox();
    expect(b, 'laid out').not.toBeNull();
    expect(b!.x).toBeGreaterThanOrEqual(0);
    expect(b!.y).toBeGreaterThanOrEqual(0);
    expect(b!.x + b!.width).toBeLessThanOrEqual(w + 0.5);
    expect(b!.y + b!.height).toBeLessThanOrEqual(h + 0.5);
  };
  await inside(page.getByTestId('stage'));
  await inside(page.getByTestId('playback'));
  await inside(page.getByTestId('step-forward'));
  await inside(page.locator('.embed-title'));
  // The drawing is not squeezed to nothing: the stage takes most of the frame.
  const stage = await page.getByTestId('stage').boundingBox();
  expect(stage!.height).toBeGreaterThan(h * 0.5);
}

/** Where the app keeps the learner's "ask before revealing" choice (app/store/lesson-slice.ts). */
const ASK_FIRST_KEY = 'giclab:ask-first';

for (const theme of THEMES) {
  test(`?embed at 800×450 (${theme}): the stage and playback only, fitting the frame`, async ({ page }) => {
    // The learner asked for predictions first (the app's default): an embed, which has nowhere
    // to answer them, still plays through them, and leaves that choice as it was.
    await page.addInitScript((key) => window.localStorage.setItem(key, '1'), ASK_FIRST_KEY);
    await page.setViewportSize(FRAME);
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(`/?embed&scenario=${MAP_AND_FIRE}&at=40`);
    await expectEmbed(page);
    await expect.poll(() => position(page)).toBe(40);
    await expectFits(page);

    // The title opens the full app at the same step, in a new tab.
    const title = page.locator('.embed-title a');
    await expect(title).toHaveText('Map and fire');
    await expect(title).toHaveAttribute('target', '_blank');
    const full = new URL((await title.getAttribute('href'))!);
    expect(full.searchParams.has('embed')).toBe(false);
    expect(full.searchParams.get('scenario')).toBe(MAP_AND_FIRE);
    expect(full.searchParams.get('at')).toBe('40');
    await page.screenshot({ path: test.info().outputPath(`embed-800x450-${theme}.png`) });

    // Playback works, and the address keeps ?embed as it follows the position.
    await page.getByTestId('step-forward').click();
    await expect.poll(() => position(page)).toBe(41);
    await expect.poll(() => new URL(page.url()).search).toBe(`?embed&scenario=${MAP_AND_FIRE}&at=41`);
    await page.getByTestId('play').click();
    await expect.poll(() => position(page)).toBeGreaterThan(42);
    await page.getByTestId('play').click();
    await expectFits(page);
    expect(await page.evaluate((key) => window.localStorage.getItem(key), ASK_FIRST_KEY)).toBe('1');
  });
}

test('the Share dialog’s iframe snippet, pasted into another site’s page, shows the shared sandbox', async ({
  page,
  browser,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await page.getByTestId('new-sandbox').click();
  await page.getByTestId('sandbox-create').click();
  for (const line of [
    'lpi-config 8195 0xa3',
    'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
    'its MAPC ICID=1 RDbase=1 V=1',
    'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
    'msi dev0 3',
  ]) {
    const before = await page.getByTestId('console-entry').count();
    await page.getByTestId('console-input').fill(line);
    await page.getByTestId('console-input').press('Enter');
    await expect(page.getByTestId('console-entry')).toHaveCount(before + 1);
  }
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => position(page)).toBeGreaterThan(0);
  const at = await position(page);
  await page.getByTestId('share-button').click();
  const snippet = await page.getByTestId('share-iframe').inputValue();
  expect(snippet).toMatch(/^<iframe src="[^"]+\?embed#share=[A-Za-z0-9_-]+" title="GIC Lab: Sandbox: [^"]+"/);
  const embedLink = await page.getByTestId('share-embed').inputValue();

  // A wiki on another origin (localhost, while the app is on 127.0.0.1) with the snippet pasted in.
  // The test serves the wiki page itself, so it has no address and Chromium counts it as public;
  // its Local Network Access check then blocks a public page from framing a loopback one unless
  // the reader allows it. (A wiki framing a deployed GIC Lab is public to public: no check.)
  const context = await browser.newContext({
    viewport: { width: 1000, height: 640 },
    permissions: ['local-network-access'],
  });
  const wiki = await context.newPage();
  try {
    const wikiUrl = new URL('/wiki/GICv3-notes', embedLink.replace('127.0.0.1', 'localhost')).toString();
    await wiki.route(wikiUrl, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head><title>Wiki</title></head><body style="font-family:sans-serif;margin:2rem">
          <h1>GICv3 notes</h1><p>How an MSI reaches a CPU, step by step:</p>${snippet}</body></html>`,
      }),
    );
    await wiki.goto(wikiUrl);
    const frame = wiki.frameLocator('iframe');
    await expectEmbed(frame);
    await expect(frame.getByTestId('position')).toHaveAttribute('data-position', String(at));
    await expect(frame.locator('.embed-title a')).toContainText('Sandbox: 2 CPUs');
    const box = await wiki.locator('iframe').boundingBox();
    expect([box?.width, box?.height]).toEqual([800, 450]);
    await wiki.screenshot({ path: test.info().outputPath('embed-in-a-wiki.png') });
    // It plays inside the frame.
    await frame.getByTestId('step-forward').click();
    await expect(frame.getByTestId('position')).toHaveAttribute('data-position', String(at + 1));
  } finally {
    await context.close();
  }
});

test('an embed of a malformed link says what is wrong', async ({ page }) => {
  await page.setViewportSize(FRAME);
  await page.goto('/?embed#share=not-a-link!');
  await expect(page.getByTestId('embed')).toContainText(
    'share link: the payload is not valid base64url (character 11 is "!"',
  );
  await expect(page.getByTestId('scenario-picker')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('embed-malformed.png') });
});
