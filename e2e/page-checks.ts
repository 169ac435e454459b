/**
 * What every browser test checks besides its own assertions: the page threw no uncaught error and
 * logged no console error or warning (the "no console errors or warnings"). Specs import
 * `test` and `expect` from here instead of from @playwright/test; the check is an automatic
 * fixture, so no spec can forget it. Also the small page readers several specs share, and the
 * screens and themes the screenshots are taken in.
 */

import { expect, test as base, type Page } from '@playwright/test';

export const test = base.extend<{ pageProblems: string[]; askPredictionsFirst: boolean }>({
  /**
   * Whether lessons are guided (the app's default): playback held at their predictions, each step
   * opening its inspector. Off for the specs that play scenarios for other reasons (a tab they
   * open must stay open); the lesson specs turn it on (`test.use`).
   */
  askPredictionsFirst: [false, { option: true }],
  // (`provide` is Playwright's `use`: that name would read as a React hook to the linter.)
  page: async ({ page, askPredictionsFirst }, provide) => {
    if (!askPredictionsFirst)
      await page.addInitScript(() => window.localStorage.setItem('giclab:ask-first', '0'));
    await provide(page);
  },
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      await use(problems);
      expect(problems, 'errors or warnings in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The position the playback bar shows. */
export const position = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('position').getAttribute('data-position'));

/** The screens every screenshot is taken on: a laptop and a projector (width, height). */
export const SCREENS = [
  [1280, 720],
  [1920, 1080],
] as const;

/** The themes every screenshot is taken in. */
export const THEMES = ['light', 'dark'] as const;
