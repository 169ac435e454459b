/**
 * The accessibility audit: axe-core (the engine behind Lighthouse's and most browsers' audits)
 * checks the page against WCAG 2.1 A and AA, in the light and dark themes and in presenter mode's
 * projector theme, on the states a learner and a trainer see: the start page, a lesson waiting for
 * a prediction and after its reveal, the GICv4 stage with its lanes, the inspectors, the sandbox
 * console, the dialogs (lessons, glossary, shortcuts), presenter mode and embed mode. Any
 * violation fails the test with the rule, the elements and axe's explanation.
 *
 * Also checked by hand here: every control is reachable with Tab and shows where the focus is.
 */

import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './page-checks';
import { openScenario, shipped } from './scenario-file';

test.use({ askPredictionsFirst: true });

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function audit(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const report = r.violations.map(
    (v) =>
      `${what}: ${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes
        .slice(0, 5)
        .map((n) => `   ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`)
        .join('\n'),
  );
  expect(report, `accessibility violations (${what})`).toEqual([]);
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test('the start page and the dialogs', async ({ page }) => {
      await page.goto('/');
      await setTheme(page, theme);
      await audit(page, 'start page');
      await page.getByTestId('open-lessons').click();
      await expect(page.getByTestId('lessons')).toBeVisible();
      await audit(page, 'lessons dialog');
      await page.keyboard.press('Escape');
      await page.keyboard.press('?');
      await expect(page.getByTestId('help')).toBeVisible();
      await audit(page, 'keyboard shortcuts');
      await page.keyboard.press('Escape');
    });

    test('a lesson: the question, the reveal, the glossary and each inspector', async ({ page }) => {
      test.setTimeout(120_000);
      await openScenario(page, shipped('track2/2.2-map-and-fire.json'));
      await setTheme(page, theme);
      await audit(page, 'lesson at its start');
      // Play to the first question, answer it, see the reveal.
      await page.keyboard.press('End');
      const waiting = page.locator('.predict.waiting');
      await expect(waiting).toBeVisible();
      await audit(page, 'lesson waiting for a prediction');
      await waiting.getByTestId('choice').first().click();
      await page.keyboard.press(']');
      await expect(page.getByTestId('reveal').first()).toBeVisible();
      await audit(page, 'lesson after a reveal');
      await page.locator('button.term').first().click();
      await expect(page.getByTestId('term-card')).toBeVisible();
      await audit(page, 'glossary term');
      await page.keyboard.press('Escape');
      for (const key of ['x', 'i', 'r', 'c', 'g', 'm', '`', 'e']) {
        await page.keyboard.press(key);
        await audit(page, `inspector ${key}`);
      }
    });

    test('the GICv4 stage with its lanes and paths', async ({ page }) => {
      await openScenario(page, shipped('track4/4.3-doorbells.json'));
      await setTheme(page, theme);
      await page.getByTestId('ask-first').uncheck();
      await page.keyboard.press('End');
      await audit(page, 'GICv4 stage');
      for (const key of ['v', 'p']) {
        await page.keyboard.press(key);
        await audit(page, `inspector ${key}`);
      }
    });
  });
}

test('presenter mode in the projector theme, and embed mode', async ({ page }) => {
  await openScenario(page, shipped('track1/1.1-sgis.json'));
  await page.keyboard.press('f');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'projector');
  await audit(page, 'presenter mode');
  await page.keyboard.press('f');
  await page.goto('/?scenario=track1/1.1-sgis.json&embed');
  await expect(page.getByTestId('embed')).toBeVisible();
  await audit(page, 'embed mode');
});

test('every control is reachable with Tab, and the focus shows', async ({ page }) => {
  await openScenario(page, shipped('track2/2.2-map-and-fire.json'));
  const seen = new Set<string>();
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      // A box of the stage shows its focus on its outline rectangle (a dashed accent stroke).
      const box = el.querySelector<SVGElement>(':scope > .stage-box');
      const style = getComputedStyle(box ?? el);
      const visible = box
        ? style.strokeDasharray !== 'none'
        : style.outlineStyle !== 'none' || style.boxShadow !== 'none';
      return {
        name: el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName,
        visible,
      };
    });
    if (!f) continue;
    expect(f.visible, `focus ring on ${f.name}`).toBe(true);
    seen.add(f.name);
  }
  // The header, the steps, the playback bar and the inspectors are all on the way.
  for (const name of ['Lessons', 'Present', 'Export ▾']) expect([...seen]).toContain(name);
  expect([...seen].some((n) => /step forward|Step forward/i.test(n))).toBe(true);
});

test('a transcript of every step, and the event announced after each move', async ({ page }) => {
  await openScenario(page, shipped('track1/1.2-ack-drop-deactivate.json'));
  await page.getByTestId('ask-first').uncheck();
  // The keys go to the page, not to the checkbox just used.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await page.keyboard.press('x');
  const transcript = page.getByTestId('transcript');
  await expect(transcript.getByRole('heading', { level: 3 }).first()).toContainText('Step 1:');
  await expect(transcript.locator('section[data-step="0"]')).toContainText('(played)');
  await expect(transcript.locator('section[data-step="1"] li').first()).not.toBeEmpty();
  await expect(transcript.locator('section[data-step="3"]')).toContainText('not played yet');
  // The live region says where the learner is, in the explain layer's words.
  await page.keyboard.press('ArrowRight');
  const seq = Number(await page.getByTestId('position').getAttribute('data-position'));
  await expect(page.getByTestId('announcer')).toContainText(`Event ${seq} of`);
  await expect(transcript.locator(`li[data-seq="${seq - 1}"]`)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('transcript.png') });
});
