/**
 * A scenario played in the browser, checked on what the page shows: the narrated event log
 * (rows with data-seq / data-kind) and the verdict of every expectation. Also: a scenario that
 * cannot be loaded is reported and leaves the page usable, and a file dropped on the page that
 * the engine refuses leaves the open session as it was.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from './page-checks';

const C27 = 'conformance/kut-c27-its-int-dev2.json';
/** A file of the repository, wherever the tests are started from. */
const repoFile = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Plays the open scenario to its end (the history is computed when it opens). */
async function run(page: Page): Promise<void> {
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'done');
}

/** The one row of `kind` whose sentence matches `text`, and its seq. */
async function row(log: Locator, kind: string, text: RegExp): Promise<number> {
  const r = log.locator(`tr[data-kind="${kind}"]`).filter({ hasText: text });
  await expect(r).toHaveCount(1);
  return Number(await r.getAttribute('data-seq'));
}

test('C27: the log shows INT read by the ITS, LPI 8195 pending at GICR3, acknowledged by CPU 3', async ({
  page,
}) => {
  await page.goto(`/?scenario=${C27}`);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(
    /C27: INT on \(2, 20\) reaches PE 3 as LPI 8195/,
  );
  await run(page);

  const log = page.getByTestId('event-log');
  const int = await row(
    log,
    'its.cmd',
    /ITS0 reads command \d+ of its queue: INT DeviceID=0x2 EventID=0x14\b/,
  );
  const pending = await row(log, 'gicr.lpi.pending', /Redistributor 3: LPI 8195 is now pending/);
  const ack = await row(log, 'icc.ack', /CPU 3 acknowledges LPI 8195\b/);
  // Cause before effect: the command, then the pending bit, then the acknowledge.
  expect(int).toBeLessThan(pending);
  expect(pending).toBeLessThan(ack);
  // The rows are consecutive events of the engine's log, up to its last one, which is current.
  const seqs = await log
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
  const length = Number(await page.getByTestId('position').getAttribute('data-length'));
  expect(seqs.at(-1)).toBe(length - 1);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  await expect(log.locator('tr[data-current]')).toHaveAttribute('data-seq', String(length - 1));

  const expectations = page.getByTestId('expectation');
  const file = JSON.parse(readFileSync(repoFile(`public/scenarios/${C27}`), 'utf8')) as {
    steps: { expect: string[] }[];
  };
  const count = file.steps.reduce((n, s) => n + s.expect.length, 0);
  expect(count).toBeGreaterThan(0);
  await expect(expectations).toHaveCount(count);
  await expect(expectations.and(page.locator('[data-ok="true"]'))).toHaveCount(count);
  await expect(
    page.getByTestId('expectation').filter({ hasText: 'expect deliveries cpu3:8195' }),
  ).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('step').and(page.locator('[data-state="failed"]'))).toHaveCount(0);
  await expect(page.getByTestId('status')).toHaveText(/^Passed/);

  // Show the interesting rows in the screenshot.
  await log.locator(`tr[data-seq="${int}"]`).scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('c27-event-log.png') });
});

test('a scenario that does not exist is reported, and the picker still opens another one', async ({
  page,
}) => {
  // The index comes from a fixture, so the test does not depend on which scenarios ship.
  await page.route('**/scenarios/index.json', (route) =>
    route.fulfill({ path: repoFile('e2e/fixtures/scenario-index.json') }),
  );
  await page.goto('/?scenario=missing/does-not-exist.json');

  const errors = page.getByTestId('errors');
  await expect(errors).toContainText('missing/does-not-exist.json');
  await expect(errors).toContainText('not found');
  await expect(page.getByTestId('play')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('missing-scenario.png') });

  const picker = page.getByLabel('Scenario');
  await expect(picker).toBeEnabled();
  await picker.selectOption(C27);
  await expect(errors).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`\\?scenario=${C27}$`));
  await run(page);
  await expect(page.getByTestId('event-log').locator('tr[data-kind="icc.ack"]')).toHaveCount(1);
  await page.screenshot({ path: test.info().outputPath('after-missing-scenario.png') });
});

test('a malformed scenario shows the engine diagnostics: file, line, column, field', async ({ page }) => {
  const c27 = JSON.parse(readFileSync(repoFile(`public/scenarios/${C27}`), 'utf8')) as {
    steps: { actions: string[] }[];
  };
  c27.steps[0]!.actions[1] = 'frobnicate 1 2';
  const files: Record<string, string> = {
    'bad-json.json': '{\n  "format": "giclab-scenario/1",\n  "title": \n}\n',
    'bad-command.json': JSON.stringify(c27, null, 2),
  };
  await page.route('**/scenarios/broken/*.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: files[new URL(route.request().url()).pathname.split('/').pop()!] ?? '',
    }),
  );

  await page.goto('/?scenario=broken/bad-json.json');
  await expect(page.getByTestId('errors')).toContainText(/broken\/bad-json\.json:\d+:\d+: invalid JSON/);
  await expect(page.getByTestId('play')).toHaveCount(0);

  await page.goto('/?scenario=broken/bad-command.json');
  await expect(page.getByTestId('errors')).toContainText(
    /broken\/bad-command\.json:\d+:\d+: steps\[0\]\.actions\[1\]: unknown command 'frobnicate'/,
  );
  await expect(page.getByTestId('play')).toHaveCount(0);
  await expect(page.getByLabel('Scenario')).toBeEnabled();
});

test('a dropped file the engine refuses is reported, and the open scenario stays where it was', async ({
  page,
}) => {
  await page.goto(`/?scenario=${C27}&at=120`);
  await expect(page.getByTestId('position')).toHaveAttribute('data-position', '120');
  await page.getByTestId('open-file').setInputFiles({
    name: 'dropped.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{\n  "format": "giclab-scenario/1",\n  "id": "x",\n  "steps": 3\n}\n'),
  });
  const errors = page.getByTestId('errors');
  await expect(errors).toContainText(/dropped\.json:\d+:\d+: /);
  await expect(errors).toContainText('what you had open is still here');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/C27/);
  await expect(page.getByTestId('position')).toHaveAttribute('data-position', '120');
  await page.screenshot({ path: test.info().outputPath('refused-drop.png') });

  // A file that loads replaces the session, and the URL stops naming the scenario it replaced
  // (a link to it would open something else).
  await expect(page).toHaveURL(new RegExp(`scenario=${C27}&at=120`));
  await page.getByTestId('open-file').setInputFiles({
    name: 'mine.json',
    mimeType: 'application/json',
    buffer: readFileSync(repoFile('public/scenarios/track2/2.2-map-and-fire.json')),
  });
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  await expect(page).not.toHaveURL(/scenario=/);
  await page.getByTestId('step-forward').click();
  await expect(page.getByTestId('position')).toHaveAttribute('data-position', '1');
  await expect(page).not.toHaveURL(/at=/);
});
