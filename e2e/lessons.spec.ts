/**
 * Lessons in the browser: a prediction asked before its step plays, answered right and wrong, with
 * the explanation at the reveal; the inspector a step names opened when it comes up; glossary
 * terms in the narration; progress kept in IndexedDB across a reload, exported to a file and
 * imported back; a malformed progress file refused with a message. The lesson is a fixture served
 * with a catalog that lists it (so it is a lesson with progress, like a shipped one).
 */

import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, position, test } from './page-checks';

test.use({ askPredictionsFirst: true });

const LESSON = 'e2e/fixtures/lesson-fixture.json';
const CATALOG = {
  scenarios: [
    {
      id: 'track1-sgis',
      title: 'SGIs: self, target list, broadcast',
      file: 'track1/1.1-sgis.json',
      track: 'Track 1.1',
      difficulty: 'introductory',
      steps: 5,
    },
    {
      id: 'e2e-lesson',
      title: 'A lesson for the browser tests',
      file: 'lesson-fixture.json',
      track: 'Track 9.1',
      difficulty: 'introductory',
      prerequisites: ['track1-sgis'],
      steps: 3,
      predictions: 2,
    },
  ],
};

async function serveLesson(page: Page): Promise<void> {
  await page.route('**/scenarios/index.json', (route) => route.fulfill({ json: CATALOG }));
  await page.route('**/scenarios/lesson-fixture.json', (route) => route.fulfill({ path: LESSON }));
}

async function openFromLessons(page: Page): Promise<void> {
  await page.getByTestId('open-lessons').click();
  const dialog = page.getByTestId('lessons');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'A lesson for the browser tests' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'A lesson for the browser tests' })).toBeVisible();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
}

const current = (page: Page) => page.locator('[data-testid="step"][data-current="true"]');

/** Plays step 1 (no prediction) and arrives where step 2's question waits. */
async function toFirstQuestion(page: Page): Promise<number> {
  await page.keyboard.press(']');
  await expect(current(page)).toHaveAttribute('data-step', '1');
  await expect(current(page).getByTestId('prediction')).toHaveClass(/waiting/);
  return position(page);
}

test.describe('lessons', () => {
  test.beforeEach(async ({ page }) => {
    await serveLesson(page);
    await page.goto('/');
  });

  test('a prediction is asked first, answered right, explained, and opens its inspector', async ({
    page,
  }) => {
    await openFromLessons(page);
    await expect(page.getByTestId('lesson-header')).toContainText('introductory');
    await expect(page.getByTestId('prerequisites')).toContainText('SGIs: self, target list, broadcast');
    const held = await toFirstQuestion(page);

    // Moving on without an answer does not reveal the outcome: the page stays and says why.
    await page.keyboard.press('ArrowRight');
    await expect(current(page).getByTestId('predict-hint')).toHaveText(/Make your prediction/);
    await page.keyboard.press('End');
    expect(await position(page)).toBe(held);
    await page.screenshot({ path: test.info().outputPath('lesson-question.png') });

    // The step names the CPU interfaces inspector; it opened when the question came up.
    await expect(page.getByRole('tab', { name: 'CPU interfaces' })).toHaveAttribute('aria-selected', 'true');

    await current(page).getByTestId('choice').filter({ hasText: 'CPU 1' }).click();
    await page.keyboard.press(']');
    await expect(page.getByTestId('reveal')).toHaveAttribute('data-right', 'true');
    await expect(page.getByTestId('reveal')).toContainText('Your prediction was right');
    await expect(page.getByTestId('explain')).toContainText('TargetList');
    await page.screenshot({ path: test.info().outputPath('lesson-right.png') });
  });

  test('a wrong prediction is shown as wrong, with what happened and why', async ({ page }) => {
    await openFromLessons(page);
    await toFirstQuestion(page);
    await current(page).getByTestId('choice').filter({ hasText: 'CPU 0' }).click();
    await page.keyboard.press(']');
    await expect(page.getByTestId('reveal')).toHaveAttribute('data-right', 'false');
    await expect(page.getByTestId('reveal')).toContainText('What happened: CPU 1');
    await expect(page.locator('[data-outcome="true"]')).toHaveText(/CPU 1/);
    await page.screenshot({ path: test.info().outputPath('lesson-wrong.png') });
  });

  test('glossary terms in the narration open their definition', async ({ page }) => {
    await openFromLessons(page);
    await toFirstQuestion(page);
    const term = current(page).getByTestId('narration').locator('button.term', { hasText: 'SGI' }).first();
    await term.click();
    const card = page.getByTestId('term-card');
    await expect(card).toBeVisible();
    await expect(card.getByRole('heading', { level: 2 })).toContainText('SGI');
    await page.screenshot({ path: test.info().outputPath('lesson-glossary-term.png') });
    await page.keyboard.press('Escape');
    await expect(card).toBeHidden();
    await page.getByTestId('lesson-header').getByRole('button', { name: 'Glossary' }).click();
    await page.getByTestId('glossary-filter').fill('doorbell');
    await expect(page.getByTestId('glossary-entry').first()).toContainText('doorbell');
  });

  test('progress survives a reload and an export/import round trip; a bad file is refused', async ({
    page,
  }) => {
    await openFromLessons(page);
    await toFirstQuestion(page);
    await current(page).getByTestId('choice').filter({ hasText: 'CPU 1' }).click();
    await page.keyboard.press(']');
    await expect(current(page).getByTestId('prediction')).toHaveClass(/waiting/);
    await current(page).getByTestId('choice').filter({ hasText: 'Both PEs' }).click();
    await page.keyboard.press('End');
    await expect(page.getByTestId('status')).toHaveText(/^Passed/);
    await expect(page.getByTestId('prediction-score')).toContainText('1 right of 2 answered');

    // A reload (no scenario in the URL) offers to continue, and the list shows the lesson done.
    await page.waitForTimeout(600); // the save is debounced (400 ms)
    await page.goto('/');
    await expect(page.getByTestId('continue')).toContainText('A lesson for the browser tests (done)');
    await page.getByTestId('open-lessons').click();
    const row = page.locator('[data-lesson="e2e-lesson"]');
    await expect(row).toHaveAttribute('data-status', 'done');
    await expect(row).toContainText('1 of 2 right');
    await page.screenshot({ path: test.info().outputPath('lessons-progress.png') });

    // Export, start over, import: the same progress comes back.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-progress').click(),
    ]);
    const saved = test.info().outputPath('progress.json');
    await download.saveAs(saved);
    const exported = JSON.parse(readFileSync(saved, 'utf8')) as {
      format: string;
      lessons: Record<string, { completed: boolean; predictions: Record<string, { right: boolean }> }>;
    };
    expect(exported.format).toBe('giclab-progress/1');
    expect(exported.lessons['e2e-lesson']!.completed).toBe(true);
    expect(exported.lessons['e2e-lesson']!.predictions).toEqual({
      1: { picked: 1, right: true },
      2: { picked: 0, right: false },
    });

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Start over…' }).click();
    await expect(row).toHaveAttribute('data-status', 'not started');
    await page.getByTestId('import-progress').setInputFiles(saved);
    await expect(page.getByTestId('progress-message')).toContainText('progress of 1 lessons merged');
    await expect(row).toHaveAttribute('data-status', 'done');

    // A file that is not progress is refused, and nothing changes.
    await page.getByTestId('import-progress').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format":"giclab-progress/1","lessons":{"e2e-lesson":{"position":-1}}}'),
    });
    await expect(page.getByTestId('progress-message')).toContainText('notes.json: lessons.e2e-lesson');
    await expect(page.getByTestId('progress-message')).toContainText('nothing was imported');
    await expect(row).toHaveAttribute('data-status', 'done');
    await page.screenshot({ path: test.info().outputPath('lessons-import-refused.png') });

    // And after another reload the imported progress is still there (it was saved).
    await page.waitForTimeout(100);
    await page.reload();
    await page.getByTestId('open-lessons').click();
    await expect(page.locator('[data-lesson="e2e-lesson"]')).toHaveAttribute('data-status', 'done');
  });

  test('a lesson left half way resumes where the learner stopped', async ({ page }) => {
    await openFromLessons(page);
    const held = await toFirstQuestion(page);
    await page.waitForTimeout(600);
    await page.goto('/');
    await page.getByTestId('continue').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
    await expect.poll(() => position(page)).toBe(held);
    await expect(current(page)).toHaveAttribute('data-step', '1');
  });
});
