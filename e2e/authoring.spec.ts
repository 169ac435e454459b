/**
 * Authoring, as an author does it (docs/authoring.md): a New sandbox, lines typed in the console,
 * then in the steps column's edit mode the lines grouped into steps, titled and narrated, and the
 * scenario named; saved as a scenario file (a download) and opened again, with the same steps,
 * words and history; exported as a Playwright spec (a download), and that spec run, unchanged, by
 * a child Playwright against the server this test uses: a recording becomes a passing e2e test.
 * And a refused edit (an empty title) says why, keeps the old title, and loses what was typed.
 */

import AxeBuilder from '@axe-core/playwright';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Locator, type Page } from '@playwright/test';
import { expect, position, test, THEMES } from './page-checks';
import { MAP_AND_FIRE_LINES, runLine } from './console';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const LINES = MAP_AND_FIRE_LINES;

const length = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('position').getAttribute('data-length'));

/** A new 2-CPU sandbox with one ITS and dev0, brought up, with the console in front. */
async function newSandbox(page: Page): Promise<void> {
  await page.getByTestId('new-sandbox').click();
  await page.getByTestId('sandbox-profile').selectOption('spec');
  await page.getByTestId('sandbox-cpus').fill('2');
  await page.getByTestId('sandbox-its').fill('1');
  await page.getByTestId('sandbox-devices').fill('1');
  await page.getByTestId('sandbox-vm').selectOption('none');
  await page.getByTestId('sandbox-bringup').setChecked(true);
  await page.getByTestId('sandbox-create').click();
  await expect(page.getByTestId('new-sandbox-dialog')).toBeHidden();
  await expect(page.getByTestId('tab-console')).toHaveAttribute('aria-selected', 'true');
}

/** Types a line into the console and runs it; it must run. */
async function run(page: Page, line: string): Promise<void> {
  await expect(await runLine(page, line)).toHaveAttribute('data-outcome', 'ok');
}

/** Opens an editor card (its header button says whether it is open). */
async function openCard(card: Locator): Promise<void> {
  const header = card.getByRole('heading').getByRole('button');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await expect(header).toHaveAttribute('aria-expanded', 'true');
}

/** Joins editor card `i` to the one before it: one step fewer. */
async function joinCard(page: Page, i: number): Promise<void> {
  const cards = page.getByTestId('edit-step');
  const n = await cards.count();
  await openCard(cards.nth(i));
  await cards.nth(i).getByTestId('edit-join').click();
  await expect(cards).toHaveCount(n - 1);
}

/** WCAG 2.1 AA, as e2e/accessibility.spec.ts audits the rest of the page. */
async function audit(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const report = r.violations.map(
    (v) => `${what}: ${v.id}: ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(report, `accessibility violations (${what})`).toEqual([]);
}

/** Step `i`'s title in the learner's list (its badge left out). */
const stepTitle = (page: Page, i: number): Locator =>
  page.getByTestId('step').nth(i).locator('.step-title > span').last();

const MAP_TITLE = 'Map event 3 of dev0 to LPI 8195 on CPU 1';
const MAP_NARRATION =
  'The LPI is enabled (**lpi-config**), then three ITS commands map it: **MAPD** gives DeviceID 16 an ITT, **MAPC** puts collection 1 on CPU 1, **MAPTI** maps event 3 to LPI 8195 in collection 1. **SYNC** waits for them.';
const FIRE_TITLE = 'dev0 fires: CPU 1 takes LPI 8195';
const FIRE_NARRATION =
  'The MSI is translated by the ITS through the DTE, the ITE and the CTE to **LPI 8195** on CPU 1.';

test('a recording becomes a passing e2e test', async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await newSandbox(page);
  for (const line of LINES) await run(page, line);
  const events = await length(page);
  // One step for the bring-up, one per line but the expectation (it went under the msi's step).
  await expect(page.getByTestId('step')).toHaveCount(7);

  // Edit mode, from the steps column's toggle, by keyboard.
  const toggle = page.getByTestId('edit-steps');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const cards = page.getByTestId('edit-step');
  await expect(cards).toHaveCount(7);
  // The card of the step the page is at (the last line) is open, with its lines.
  await expect(cards.nth(6).getByTestId('edit-lines')).toContainText('expect deliveries cpu1:8195');

  // lpi-config, MAPD, MAPC, MAPTI and SYNC become one step: SYNC into MAPTI, ... into lpi-config.
  for (const i of [5, 4, 3, 2]) await joinCard(page, i);
  await expect(cards).toHaveCount(3);
  expect(await length(page)).toBe(events);
  await expect(cards.nth(1).getByTestId('edit-lines').locator('li')).toHaveCount(5);

  // Title and narrate the map step: Enter in the title field applies the card.
  const map = cards.nth(1);
  await openCard(map);
  await map.getByTestId('edit-narration').fill(MAP_NARRATION);
  await expect(map.getByTestId('edit-preview').locator('strong').first()).toHaveText('lpi-config');
  await map.getByTestId('edit-title').fill(MAP_TITLE);
  await map.getByTestId('edit-title').press('Enter');
  await expect(map.getByRole('heading')).toContainText(MAP_TITLE);
  await expect(map.getByTestId('edit-apply')).toBeDisabled();

  // The fire step, with speaker notes: Ctrl+Enter in a text area applies it.
  const fire = cards.nth(2);
  await openCard(fire);
  await fire.getByTestId('edit-title').fill(FIRE_TITLE);
  await fire.getByTestId('edit-notes').fill('Ask first: which CPU? Collection 1 is on CPU 1.');
  await fire.getByTestId('edit-narration').fill(FIRE_NARRATION);
  await expect(fire.getByText('not applied')).toBeVisible();
  await fire.getByTestId('edit-narration').press('Control+Enter');
  await expect(fire.getByRole('heading')).toContainText(FIRE_TITLE);
  await expect(fire.getByText('not applied')).toBeHidden();

  // The scenario's own title, summary and goals.
  const meta = page.getByTestId('edit-meta');
  await openCard(meta);
  await meta.getByTestId('edit-meta-title').fill('Map dev0 and fire an MSI');
  await meta.getByTestId('edit-meta-summary').fill('dev0 is mapped to LPI 8195 on CPU 1, then it fires.');
  await meta
    .getByTestId('edit-meta-goals')
    .fill('Map an MSI with MAPD, MAPC and MAPTI\nSee which CPU takes it');
  await meta.getByTestId('edit-meta-apply').click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map dev0 and fire an MSI');
  await map.getByRole('heading').getByRole('button').click(); // show the map step's narration
  await openCard(map);
  await map.getByTestId('edit-narration').focus();
  for (const theme of THEMES) {
    await page.getByTestId('theme').selectOption(theme);
    await page.screenshot({ path: test.info().outputPath(`authoring-edit-1280x720-${theme}.png`) });
    await audit(page, `edit mode with the scenario's card open, ${theme}`);
  }
  await page.getByTestId('theme').selectOption('light');

  // On a projector-sized screen, the editor from its top: the scenario's card, then the steps'.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.locator('.steps-panel').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath('authoring-edit-1920x1080-light.png') });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The console's own button exports the recording as it stands, edits and all.
  const fromConsole = page.waitForEvent('download');
  await page.getByTestId('export-spec-console').click();
  const consoleSpec = await fromConsole;
  expect(consoleSpec.suggestedFilename()).toBe('map-dev0-and-fire-an-msi.spec.ts');
  await expect(page.getByTestId('console-save-note')).toHaveText('Saved map-dev0-and-fire-an-msi.spec.ts');
  const consoleText = readFileSync(await consoleSpec.path(), 'utf8');
  expect(consoleText).toContain(
    ' * Exported by: GIC Lab in the browser (Export as e2e test), from sandbox.json, 7 console lines, 7 edits.',
  );
  expect(consoleText).toContain(`// 2. ${MAP_TITLE}`);
  await page.screenshot({ path: test.info().outputPath('authoring-console-1280x720.png') });

  // Back to the learner's view: the steps carry the new words; the history is the same.
  await toggle.click();
  await expect(page.getByTestId('steps')).toBeVisible();
  await expect(page.getByTestId('step')).toHaveCount(3);
  await expect(stepTitle(page, 1)).toHaveText(MAP_TITLE);
  await expect(stepTitle(page, 2)).toHaveText(FIRE_TITLE);
  await stepTitle(page, 1).click();
  await expect(page.getByTestId('narration')).toContainText('MAPC puts collection 1 on CPU 1');
  await page.screenshot({ path: test.info().outputPath('authoring-learner-view-1280x720.png') });
  expect(await length(page)).toBe(events);

  // Saved as a scenario (a download), named after its title, and opened again: the same.
  const saving = page.waitForEvent('download');
  await page.getByTestId('save-scenario').click();
  const saved = await saving;
  expect(saved.suggestedFilename()).toBe('map-dev0-and-fire-an-msi.json');
  const file = test.info().outputPath('map-dev0-and-fire-an-msi.json');
  await saved.saveAs(file);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    id: string;
    title: string;
    goals: string[];
    steps: { title: string; narration?: string; notes?: string; actions?: string[]; expect?: string[] }[];
  };
  expect(doc).toMatchObject({ id: 'map-dev0-and-fire-an-msi', title: 'Map dev0 and fire an MSI' });
  expect(doc.goals).toEqual(['Map an MSI with MAPD, MAPC and MAPTI', 'See which CPU takes it']);
  expect(doc.steps.slice(1)).toEqual([
    { title: MAP_TITLE, narration: MAP_NARRATION, actions: LINES.slice(0, 5) },
    {
      title: FIRE_TITLE,
      narration: FIRE_NARRATION,
      actions: ['msi dev0 3'],
      expect: ['expect deliveries cpu1:8195'],
      notes: 'Ask first: which CPU? Collection 1 is on CPU 1.',
    },
  ]);
  await page.getByTestId('open-file').setInputFiles(file);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map dev0 and fire an MSI');
  await expect(page.getByTestId('step')).toHaveCount(3);
  await expect.poll(() => length(page)).toBe(events);
  await expect(stepTitle(page, 1)).toHaveText(MAP_TITLE);
  await stepTitle(page, 2).click();
  await expect(page.getByTestId('narration')).toContainText('translated by the ITS');
  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveText(/^Passed/);

  // Exported as a Playwright spec, from the Export menu by keyboard (Up opens it on the last item).
  await page.getByTestId('export').focus();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('export-spec')).toBeFocused();
  const exporting = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const exported = await exporting;
  expect(exported.suggestedFilename()).toBe('map-dev0-and-fire-an-msi.spec.ts');
  await expect(page.getByTestId('export-status')).toHaveText('Saved map-dev0-and-fire-an-msi.spec.ts');

  // Run it, unchanged, where '@playwright/test' resolves, against this test's server.
  const dir = join(ROOT, 'test-results', 'recorded');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, 'map-dev0-and-fire-an-msi.spec.ts');
  await exported.saveAs(spec);
  const text = readFileSync(spec, 'utf8');
  expect(text).toContain('GIC Lab scenario "Map dev0 and fire an MSI" (map-dev0-and-fire-an-msi)');
  expect(text).toContain(`Recorded: 3 steps, ${events} events, 2 expectations, 0 predictions.`);
  // The file it was exported from: the saved scenario, opened again (no console lines, no edits).
  expect(text).toContain(
    'Exported by: GIC Lab in the browser (Export as e2e test), from map-dev0-and-fire-an-msi.json.',
  );
  const report = join(dir, 'report.json');
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  writeFileSync(
    join(dir, 'playwright.config.ts'),
    `// Written by e2e/authoring.spec.ts: the exported spec, against the server that test uses.
import { defineConfig, devices } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  outputDir: './output',
  workers: 1,
  reporter: [['json', { outputFile: ${JSON.stringify(report)} }]],
  use: { baseURL: ${JSON.stringify(baseURL)} },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          ${existsSync(chromium) ? `executablePath: ${JSON.stringify(chromium)},` : ''}
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
        },
      },
    },
  ],
});
`,
  );
  // The child must not think it is one of this run's workers.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEST_|PW_|PWTEST)/.test(k)),
  );
  const child = await promisify(execFile)(
    'npx',
    [
      'playwright',
      'test',
      relative(ROOT, spec),
      '--config',
      relative(ROOT, join(dir, 'playwright.config.ts')),
    ],
    { cwd: ROOT, env, timeout: 180_000 },
  ).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? 1,
      out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
    }),
  );
  const result = JSON.parse(readFileSync(report, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    errors: unknown[];
    suites: { specs: { title: string; ok: boolean }[] }[];
  };
  expect(result.errors, child.out).toEqual([]);
  expect(result.stats, child.out).toMatchObject({ expected: 1, unexpected: 0, flaky: 0, skipped: 0 });
  expect(result.suites.flatMap((s) => s.specs).map((s) => [s.title, s.ok])).toEqual([
    ['map-dev0-and-fire-an-msi replays as recorded', true],
  ]);
  expect(child.code, child.out).toBe(0);
  expect(await position(page)).toBe(events);
});

test('a refused edit says why, keeps the old title, and loses nothing typed', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  // Any scenario, not only a sandbox: a trainer adapting a shipped lesson.
  await page.goto('/?scenario=track2/2.3-why-inv-exists.json');
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
  const old = await stepTitle(page, 1).innerText();
  expect(old).toBe('Unmasking, the way Linux does it: the byte, then INV');
  await page.getByTestId('edit-steps').click();
  const card = page.getByTestId('edit-step').nth(1);
  await openCard(card);
  await card.getByTestId('edit-title').fill('   ');
  await card.getByTestId('edit-narration').fill('Words I do not want to type twice.');
  await card.getByTestId('edit-apply').click();
  const error = card.getByTestId('edit-error');
  await expect(error).toHaveText("Not changed: step 2's title is empty: it needs a few words");
  await expect(error).toHaveAttribute('role', 'alert');
  await expect(card.getByTestId('edit-narration')).toHaveValue('Words I do not want to type twice.');
  await expect(card.getByText('not applied')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('authoring-refused-1280x720.png') });
  // The editor, with a refusal and a preview showing, in both themes.
  for (const theme of THEMES) {
    await page.getByTestId('theme').selectOption(theme);
    await audit(page, `edit mode, ${theme}`);
  }

  // The lesson kept its title; leaving edit mode and coming back keeps what was typed.
  await page.getByTestId('edit-steps').click();
  await expect(stepTitle(page, 1)).toHaveText(old);
  await page.getByTestId('edit-steps').click();
  await expect(card.getByTestId('edit-narration')).toHaveValue('Words I do not want to type twice.');
  await expect(card.getByTestId('edit-error')).toBeVisible();

  // Put right, it applies; Revert brings back what the session has.
  await card.getByTestId('edit-title').fill('Disable LPI 8195, then INV it');
  await card.getByTestId('edit-apply').click();
  await expect(card.getByTestId('edit-error')).toBeHidden();
  await expect(card.getByRole('heading')).toContainText('Disable LPI 8195, then INV it');
  await card.getByTestId('edit-notes').fill('scratch');
  await card.getByTestId('edit-revert').click();
  await expect(card.getByTestId('edit-notes')).not.toHaveValue('scratch');

  // Steps 6 and 7 each ask a prediction: they cannot be one step, and stay two.
  const cards = page.getByTestId('edit-step');
  await expect(cards).toHaveCount(8);
  await openCard(cards.nth(6));
  await cards.nth(6).getByTestId('edit-join').click();
  await expect(cards.nth(6).getByTestId('edit-error')).toHaveText(
    'Not changed: steps 6 and 7 both ask a prediction, and a step asks one at most',
  );
  await expect(cards).toHaveCount(8);
});

test('edits survive a crash of the engine worker: the restarted one is given them again', async ({
  page,
}) => {
  await page.goto('/?debug=1&watchdog=2000');
  await newSandbox(page);
  await run(page, 'msi dev0 3');
  await run(page, 'wait 1us');
  await page.getByTestId('edit-steps').click();
  await joinCard(page, 2);
  const card = page.getByTestId('edit-step').nth(1);
  await openCard(card);
  await card.getByTestId('edit-narration').fill('Kept across a crash.');
  await card.getByTestId('edit-apply').click();
  await expect(card.getByTestId('edit-apply')).toBeDisabled();

  await page.evaluate(() =>
    (window as unknown as { giclabDebug: { crash(m: string): Promise<void> } }).giclabDebug.crash('throw'),
  );
  await expect(page.getByTestId('notice')).toContainText(/crashed.*restarted/);

  const saving = page.waitForEvent('download');
  await page.getByTestId('save-scenario').click();
  const file = test.info().outputPath('after-crash.json');
  await (await saving).saveAs(file);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { steps: unknown[] };
  expect(doc.steps).toHaveLength(2);
  expect(doc.steps[1]).toEqual({
    title: 'msi dev0 3',
    narration: 'Kept across a crash.',
    actions: ['msi dev0 3', 'wait 1us'],
  });
});
