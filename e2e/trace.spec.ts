/**
 * Real QEMU traces in the browser: a trace opened from disk with its dumps, streamed into the
 * worker with a progress bar, replayed, and explored with its agreement report (a step clicked, a
 * report line sought); a big trace cancelled; a trace that disagrees shows each disagreement with
 * its line and text, and a click shows the event; a file that is not a trace is refused by name and
 * line with the open session intact; lesson 5.1 opened from the picker and played to its end.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { expect, position, test } from './page-checks';

const repoFile = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const C27 = 'conformance/kut-c27-its-int-dev2.json';
const V3 = ['v3smp2.trace.log.gz', 'v3smp2.cmdq.bin.gz', 'v3smp2.proptable.bin.gz'].map((f) =>
  repoFile(`public/traces/${f}`),
);

/**
 * Records every value the progress bar shows, from before the files are chosen: opening the small
 * trace takes about a second, too short to poll for.
 */
async function watchProgress(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { seenProgress: number[] };
    w.seenProgress = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const v = Number(bar?.getAttribute('aria-valuenow'));
      if (bar && w.seenProgress.at(-1) !== v) w.seenProgress.push(v);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { seenProgress: number[] }).seenProgress);
}

/** Shows the first event of the step titled `title` (a click on its title); returns where it begins. */
async function showStep(page: Page, title: string): Promise<number> {
  const step = page.getByTestId('step').filter({ hasText: title });
  const before = await position(page);
  // A step's title opens its first event: the step is the one shown.
  await step.getByRole('button').first().click();
  await expect.poll(() => position(page)).not.toBe(before);
  await expect(step).toHaveAttribute('data-current', 'true');
  return (await position(page)) - 1;
}

async function openC27(page: Page): Promise<void> {
  await page.goto(`/?scenario=${C27}&at=40`);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/C27/);
  await expect.poll(() => position(page)).toBe(40);
}

test('a trace opened from disk with progress and its agreement report', async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await openC27(page);
  const seen = await watchProgress(page);
  await page.getByTestId('open-file').setInputFiles(V3);

  const verdict = page.getByTestId('trace-verdict');
  await expect(verdict).toHaveAttribute('data-agree', 'true', { timeout: 60_000 });
  await expect(verdict).toHaveText(/^AGREE the model reached what QEMU reached/);
  const values = await seen();
  expect(values.length).toBeGreaterThan(1);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  await expect(page.getByRole('progressbar')).toHaveCount(0);

  // The session is the replay: its title, the Trace tab opened, the tallies of the CLI.
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('QEMU trace v3smp2.trace.log.gz');
  await expect(page.getByTestId('tab-trace')).toHaveAttribute('aria-selected', 'true');
  await expect(page).not.toHaveURL(/scenario=/);
  const tally = (id: string) => page.locator(`[data-testid="trace-tally"][data-id="${id}"]`);
  await expect(tally('msis')).toHaveAttribute('data-agreed', '59');
  await expect(tally('msis')).toHaveAttribute('data-total', '59');
  await expect(tally('commands')).toContainText('61/61');
  await expect(tally('tableWrites')).toContainText('22/22');
  await expect(tally('acknowledges')).toContainText('2,170/2,170');
  await expect(tally('registerReads')).toContainText('195/195');
  await expect(page.getByTestId('trace-panel')).toContainText('Command queue: v3smp2.cmdq.bin.gz');
  await expect(page.getByTestId('trace-inferred')).toContainText('two-level device table');
  await expect(page.getByTestId('position')).toHaveAttribute('data-position', '0');
  await page.screenshot({ path: test.info().outputPath('trace-report.png') });

  // A step: the MAPD batch of DeviceID 0x8, its narration naming its trace lines.
  const title = 'Commands: MAPD, MAPTI ×3, INV ×3 (DeviceID 0x8)';
  const stepStart = await showStep(page, title);
  const step = page.getByTestId('step').filter({ hasText: title });
  await expect(step.getByTestId('narration')).toContainText('Trace lines 18,466–18,938.');
  await expect(step.getByTestId('narration')).toContainText(
    'slot 8: MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x4819ba V 1 (line 18466)',
  );
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '18469');

  // A line named in the report: the first event that line made is shown, and its text.
  await page
    .getByTestId('trace-inferred')
    .locator('[data-testid="trace-line-link"][data-line="18468"]')
    .click();
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '18469');
  await expect(page.getByTestId('trace-current')).toContainText(
    'v3smp2.trace.log.gz:18469: 23837@1795244075.225739:gicv3_its_write GICv3 ITS write: offset 0x88 data 0x120 size 4',
  );
  expect(await position(page)).toBe(stepStart + 1);
  await page.screenshot({ path: test.info().outputPath('trace-step-and-line.png') });

  // Any line by number; the event log and the stage follow the position like a scenario's.
  await page.getByTestId('trace-goto').fill('19166');
  await page.getByTestId('trace-goto').press('Enter');
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '19166');
  await page.getByTestId('tab-events').click();
  await expect(page.getByTestId('event-log').locator('tr[data-current]')).toHaveAttribute(
    'data-kind',
    'pci.msi',
  );
  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveText(
    /^Passed: the model agrees with QEMU on 40,243 trace lines/,
  );
  await page.screenshot({ path: test.info().outputPath('trace-end.png') });
  await page.getByTestId('theme').selectOption('dark');
  await page.getByTestId('tab-trace').click();
  await page.screenshot({ path: test.info().outputPath('trace-report-dark.png') });
});

test('a trace session survives its worker crashing: the new worker replays the same files', async ({
  page,
}) => {
  await page.goto('/?debug=1');
  await page.getByTestId('open-file').setInputFiles(V3);
  await expect(page.getByTestId('trace-verdict')).toHaveAttribute('data-agree', 'true', { timeout: 60_000 });
  await page.getByTestId('trace-goto').fill('18469');
  await page.getByTestId('trace-goto').press('Enter');
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '18469');
  const at = await position(page);

  await page.evaluate(() =>
    (window as unknown as { giclabDebug: { crash(m: string): Promise<void> } }).giclabDebug.crash('throw'),
  );
  await expect(page.getByTestId('notice')).toContainText(/crashed.*restarted and your session restored/);
  // The restarted worker replayed the File again: the line index and the history answer as before.
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBe(at + 1);
  await page.getByTestId('trace-goto').fill('19166');
  await page.getByTestId('trace-goto').press('Enter');
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '19166');
  await expect(page.getByTestId('trace-current')).toContainText('gicv3_its_translation_write');
});

test('a big trace shows its progress and can be cancelled; the session stays', async ({ page }) => {
  await openC27(page);
  await page
    .getByTestId('open-file')
    .setInputFiles(
      ['part00', 'part01'].map((p) => repoFile(`public/traces/v4nested.trace.filtered.${p}.log.gz`)),
    );
  const bar = page.getByRole('progressbar');
  await expect(bar).toBeVisible();
  await expect(page.getByTestId('trace-progress')).toContainText(
    'Opening v4nested.trace.filtered.part00.log.gz',
  );
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 })
    .toBeGreaterThan(2);
  await page.screenshot({ path: test.info().outputPath('trace-progress.png') });
  await page.getByTestId('trace-cancel').click();
  await expect(bar).toHaveCount(0);
  await expect(page.getByTestId('errors')).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/C27/);
  expect(await position(page)).toBe(40);
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBe(41);
});

test('a trace that disagrees lists each disagreement with its line, and a click shows it', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  // QEMU's ITE read for the first MSI says LPI 8198 where the ITS had mapped 8197.
  const lines = gunzipSync(readFileSync(V3[0]!)).toString('utf8').split('\n');
  expect(lines[19167]).toContain('intid 0x2005 ICID 0x0');
  lines[19167] = lines[19167]!.replace('intid 0x2005 ICID 0x0', 'intid 0x2006 ICID 0x0');
  await page.goto('/');
  const dump = (path: string) => ({
    name: path.split('/').pop()!,
    mimeType: 'application/gzip',
    buffer: readFileSync(path),
  });
  await page
    .getByTestId('open-file')
    .setInputFiles([
      { name: 'altered.log', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) },
      dump(V3[1]!),
      dump(V3[2]!),
    ]);
  const verdict = page.getByTestId('trace-verdict');
  await expect(verdict).toHaveAttribute('data-agree', 'false', { timeout: 60_000 });
  await expect(verdict).toHaveText(/^DISAGREE 1 disagreement with QEMU/);
  const d = page.getByTestId('trace-disagreement');
  await expect(d).toHaveCount(1);
  await expect(d).toHaveAttribute('data-line', '19166');
  await expect(d).toContainText(
    'MSI DeviceID 16 EventID 1: ITE: QEMU LPI 8198 ICID 0, model LPI 8197 ICID 0',
  );
  await expect(d).toContainText(
    'gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x1',
  );
  await d.getByTestId('trace-line-link').click();
  await expect(page.getByTestId('trace-current')).toHaveAttribute('data-line', '19166');
  const failed = page.getByTestId('step').and(page.locator('[data-state="failed"], [data-current="true"]'));
  await expect(failed.first()).toContainText('1 MSI from DeviceID 0x10');
  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveText(/^Failed: 1 disagreement\(s\) with QEMU/);
  await page.screenshot({ path: test.info().outputPath('trace-disagreement.png') });
});

test('a file that is not a trace is refused by name and line; the open session stays', async ({ page }) => {
  await openC27(page);
  await page.getByTestId('open-file').setInputFiles({
    name: 'garbage.log',
    mimeType: 'text/plain',
    buffer: Buffer.from('Booting Linux on physical CPU 0x0000000000 [0x411fd070]\nmore\n'),
  });
  const errors = page.getByTestId('errors');
  await expect(errors).toContainText(
    "garbage.log:1: not a QEMU trace log: bad prefix: expected a decimal thread id at column 1, found 'Booting Linux on physica…'",
  );
  await expect(errors).toContainText('what you had open is still here');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/C27/);
  expect(await position(page)).toBe(40);

  // A truncated gzip, and a file of a kind the page does not open, are named too.
  const gz = readFileSync(V3[0]!);
  await page.getByTestId('open-file').setInputFiles({
    name: 'cut.log.gz',
    mimeType: 'application/gzip',
    buffer: gz.subarray(0, 50_000),
  });
  await expect(errors).toContainText(
    /cut\.log\.gz: the gzip data is corrupt or ends too early \(after line \d+\)/,
  );
  await page
    .getByTestId('open-file')
    .setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('x') });
  await expect(errors).toContainText('photo.png: not a file GIC Lab opens');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/C27/);
  await page.screenshot({ path: test.info().outputPath('trace-refused.png') });
});

test('lesson 5.1 opens from the picker, its steps anchored at trace lines, and passes', async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/');
  const picker = page.getByTestId('scenario-picker');
  await expect(picker.locator('optgroup[label="Track 5.1"] option')).toHaveText('A Linux guest boots');
  await picker.selectOption('track5/5.1-a-linux-guest-boots.json');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('A Linux guest boots', {
    timeout: 60_000,
  });
  await expect(page).toHaveURL(/scenario=track5\/5\.1-a-linux-guest-boots\.json/);
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('step')).toHaveCount(17);
  await expect(page.getByTestId('step').first().getByTestId('narration')).toContainText(
    'This history is not a script',
  );

  await showStep(page, 'The first MSI');
  const msi = page.getByTestId('step').filter({ hasText: 'The first MSI' });
  await expect(msi.getByTestId('prediction')).toBeVisible();
  await msi.getByTestId('choice').first().click();

  await page.getByTestId('tab-events').click();
  await page.screenshot({ path: test.info().outputPath('lesson-5.1-first-msi.png') });
  await page.keyboard.press(']');
  await expect(msi.getByTestId('reveal')).toContainText('What happened: CPU 0.');
  await expect(msi.getByTestId('explain')).toContainText('From the trace, lines 19,166–19,443');

  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveText(
    /^Passed: the model agrees with QEMU on 40,243 trace lines, 36 expectations hold/,
  );
  await expect(page.getByTestId('expectation').and(page.locator('[data-ok="false"]'))).toHaveCount(0);
  await page.getByTestId('tab-trace').click();
  await expect(page.getByTestId('trace-verdict')).toHaveAttribute('data-agree', 'true');
  await page.screenshot({ path: test.info().outputPath('lesson-5.1-end.png') });
});
