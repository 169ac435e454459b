/**
 * Presenter mode: the key enters it (large type, projector theme, no header), the clicker's keys
 * move through the lesson (PageDown/PageUp by step, arrows by event), B blanks the screen and
 * Escape brings it back, and the speaker notes window follows the main window and drives it.
 */

import type { Page } from '@playwright/test';
import { expect, position, test } from './page-checks';

test.use({ askPredictionsFirst: true });
import { fixture, openScenario } from './scenario-file';

const LESSON = fixture('e2e/fixtures/lesson-fixture.json');

const current = (page: Page) => page.locator('[data-testid="step"][data-current="true"]');

test('presenter mode: keys, blank screen, projector theme', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openScenario(page, LESSON);
  await page.keyboard.press('f');
  await expect(page.locator('.app.presenting')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'projector');
  await expect(page.locator('.app-header')).toBeHidden();
  const fontSize = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  expect(parseFloat(fontSize)).toBeGreaterThanOrEqual(20);

  // The clicker: PageDown plays the next step (here the one before the first question)...
  await page.keyboard.press('PageDown');
  await expect(current(page)).toHaveAttribute('data-step', '1');
  // ...the question waits for an answer; the room answers, the trainer clicks it.
  await current(page).getByTestId('choice').nth(1).click();
  await page.keyboard.press('PageDown');
  await expect(page.getByTestId('reveal')).toBeVisible();
  const afterStep = await position(page);
  await page.keyboard.press('PageUp');
  await expect.poll(() => position(page)).toBeLessThan(afterStep);
  await page.keyboard.press('ArrowRight');
  await page.screenshot({ path: test.info().outputPath('presenter-1920.png') });

  await page.keyboard.press('b');
  await expect(page.getByTestId('blank-screen')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('presenter-blank.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('blank-screen')).toBeHidden();
  await expect(page.locator('.app.presenting')).toBeVisible();

  await page.keyboard.press('f');
  await expect(page.locator('.app.presenting')).toHaveCount(0);
  await expect(page.locator('.app-header')).toBeVisible();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', 'projector');
});

test('the speaker notes window follows the main window and drives it', async ({ page, context }) => {
  await openScenario(page, LESSON);
  await page.getByTestId('present').click();
  const [notes] = await Promise.all([context.waitForEvent('page'), page.keyboard.press('n')]);
  await notes.waitForLoadState();
  await expect(notes.getByTestId('notes-step')).toContainText('Step 1 of 3');
  await expect(notes.getByTestId('notes-text')).toContainText('Point at the two redistributors first.');

  // The main window moves: the notes follow.
  await page.keyboard.press('PageDown');
  await expect(notes.getByTestId('notes-step')).toContainText('Step 2 of 3');
  await expect(notes.getByTestId('notes-text')).toContainText('Ask the room before stepping');
  // The trainer sees the answer before the room does.
  await expect(notes.locator('li.answer')).toHaveText(/CPU 1/);
  await notes.setViewportSize({ width: 720, height: 640 });
  await notes.screenshot({ path: test.info().outputPath('speaker-notes.png') });

  // The notes drive the main window: answer in the main window, then "Next step" in the notes.
  await current(page).getByTestId('choice').nth(1).click();
  const before = await position(page);
  await notes.getByTestId('notes-next').click();
  await expect.poll(() => position(page)).toBeGreaterThan(before);
  await expect(page.getByTestId('reveal')).toBeVisible();
  // A clicker key pressed in the notes window blanks the projector.
  await notes.keyboard.press('b');
  await expect(page.getByTestId('blank-screen')).toBeVisible();
  await notes.close();
});
