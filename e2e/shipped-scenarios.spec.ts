/**
 * Every shipped scenario, opened from the picker (which reads the real /scenarios/index.json),
 * played to its end in the browser, with its expectations checked on what the page shows
 * (ARCHITECTURE.md §6).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from './page-checks';

const repoFile = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const index = JSON.parse(readFileSync(repoFile('public/scenarios/index.json'), 'utf8')) as {
  scenarios: { id: string; title: string; file: string }[];
};

test('the picker lists every shipped scenario', async ({ page }) => {
  await page.goto('/');
  const options = page.getByTestId('scenario-picker').locator('option:not([disabled])');
  await expect(options).toHaveCount(index.scenarios.length);
  expect(await options.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(
    index.scenarios.map((s) => s.file),
  );
});

for (const s of index.scenarios) {
  test(`${s.id} plays to its end and every expectation holds`, async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('scenario-picker').selectOption(s.file);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(s.title);
    await expect(page).toHaveURL(
      new RegExp(`scenario=${encodeURIComponent(s.file).replaceAll('%2F', '(/|%2F)')}`),
    );
    await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
    await page.getByTestId('jump-end').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });

    const file = JSON.parse(readFileSync(repoFile(`public/scenarios/${s.file}`), 'utf8')) as {
      steps: { expect: string[] }[];
    };
    const count = file.steps.reduce((n, st) => n + st.expect.length, 0);
    const expectations = page.getByTestId('expectation');
    await expect(expectations).toHaveCount(count);
    await expect(expectations.and(page.locator('[data-ok="true"]'))).toHaveCount(count);
    await expect(page.getByTestId('status')).toHaveText(/^Passed/);

    // The key views: the end of each scenario step (steps with no events of their own share the
    // position of the one before), kept as screenshots to look at.
    const position = page.getByTestId('position');
    const length = Number(await position.getAttribute('data-length'));
    await page.getByTestId('jump-start').click();
    await expect(position).toHaveAttribute('data-position', '0');
    for (let p = 0, shots = 0; p < length && shots <= file.steps.length; shots++) {
      await page.keyboard.press(']');
      await expect.poll(async () => Number(await position.getAttribute('data-position'))).toBeGreaterThan(p);
      p = Number(await position.getAttribute('data-position'));
      const step = await page.locator('[data-testid="step"][data-current="true"]').getAttribute('data-step');
      await page.screenshot({ path: test.info().outputPath(`${s.id}-step${Number(step) + 1}.png`) });
    }
    await expect(position).toHaveAttribute('data-position', String(length));
  });
}
