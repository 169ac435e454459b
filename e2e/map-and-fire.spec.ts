/**
 * The trainer's walk through "Map and fire", checked on the stage: the queue consumes MAPD, MAPC,
 * MAPTI and SYNC; an MSI travels from nic0 through the ITS's tables to redistributor 1 and CPU 1;
 * stepping back returns the identical view; a shared link reopens the same step; and the page
 * survives its engine worker crashing or hanging.
 */

import { type Page } from '@playwright/test';
import { expect, position, SCREENS, test, THEMES } from './page-checks';

const FILE = 'track2/2.2-map-and-fire.json';

/** What the stage shows, as data: the tokens (where, in which state) and the lit boxes. */
async function stageView(page: Page): Promise<string> {
  const stage = page.getByTestId('stage');
  await expect(stage.locator('[data-token-leaving]')).toHaveCount(0);
  const tokens = await stage
    .locator('[data-token-id]')
    .evaluateAll((els) =>
      els
        .map(
          (e) =>
            `${e.getAttribute('data-token-id')}@${e.getAttribute('data-token-at')}:${e.getAttribute('data-token-state')}`,
        )
        .sort(),
    );
  const focus = await stage
    .locator('[data-focus="true"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-node')).sort());
  return JSON.stringify({ tokens, focus });
}

async function step(page: Page): Promise<void> {
  const before = await position(page);
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBeGreaterThan(before);
}

test('Map and fire: commands consumed, then an MSI walks DT, ITT, CT to CPU 1, and back again', async ({
  page,
}) => {
  await page.goto(`/?scenario=${FILE}`);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  const log = page.getByTestId('event-log');
  const current = log.locator('tr[data-current]');

  // The queue consumes MAPD, MAPC, MAPTI and SYNC, in that order.
  await page.getByTestId('granularity').selectOption('command');
  for (const name of ['MAPD', 'MAPC', 'MAPTI', 'SYNC']) {
    await step(page);
    await expect(current).toHaveAttribute('data-kind', 'its.cmd');
    await expect(current).toContainText(`reads command`);
    await expect(current).toContainText(name);
    await expect(page.getByTestId('stage').locator('[data-node="its0/queue"]')).toHaveAttribute(
      'data-focus',
      'true',
    );
  }

  // Then one event at a time: the device's write, then the ITS's walk.
  await page.getByTestId('granularity').selectOption('event');
  const stage = page.getByTestId('stage');
  const walk: [string, string][] = [];
  for (let i = 0; i < 40; i++) {
    await step(page);
    const kind = (await current.getAttribute('data-kind')) ?? '';
    const focused = await stage.locator('[data-focus="true"]').first().getAttribute('data-node');
    walk.push([kind, focused ?? '']);
    if (kind === 'icc.eoi') break;
    if (kind === 'pci.msi') await page.screenshot({ path: test.info().outputPath('map-and-fire-msi.png') });
    if (kind === 'its.ite') await page.screenshot({ path: test.info().outputPath('map-and-fire-itt.png') });
  }
  const kinds = walk.map(([k]) => k);
  const order = [
    'pci.msi',
    'its.translater',
    'its.dte',
    'its.ite',
    'its.cte',
    'gicr.lpi.pending',
    'icc.ack',
    'icc.eoi',
  ];
  let at = -1;
  for (const k of order) {
    const i = kinds.indexOf(k, at + 1);
    expect(
      i,
      `${k} after ${order[order.indexOf(k) - 1] ?? 'the start'} in ${kinds.join(', ')}`,
    ).toBeGreaterThan(at);
    at = i;
  }
  const focusOf = (k: string): string => walk.find(([kind]) => kind === k)![1];
  expect(focusOf('its.dte')).toBe('its0/dt');
  expect(focusOf('its.ite')).toBe('its0/itt');
  expect(focusOf('its.cte')).toBe('its0/ct');
  expect(focusOf('gicr.lpi.pending')).toBe('rd1');
  expect(focusOf('icc.ack')).toBe('cpuif1');
  await expect(current).toContainText('CPU 1 ends LPI 8195');
  await page.screenshot({ path: test.info().outputPath('map-and-fire-eoi.png') });

  // Two steps back, then forward again: the identical view each time.
  const here = await position(page);
  const views: string[] = [];
  for (const p of [here, here - 1, here - 2]) {
    if (p !== here) {
      await page.getByRole('button', { name: 'Step back' }).click();
      await expect.poll(() => position(page)).toBe(p);
    }
    views.push(await stageView(page));
  }
  await step(page);
  await step(page);
  expect(await stageView(page)).toBe(views[0]);
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => position(page)).toBe(here - 1);
  expect(await stageView(page)).toBe(views[1]);

  // The link reopens this very step.
  await expect(page).toHaveURL(new RegExp(`at=${here - 1}`));
  const shared = page.url();
  const other = await page.context().newPage();
  await other.goto(shared);
  await expect.poll(() => position(other)).toBe(here - 1);
  expect(await stageView(other)).toBe(views[1]);
  await other.close();
});

test('an MSI on the stage: the token is at the ITS part whose table is being read', async ({ page }) => {
  await page.goto(`/?scenario=${FILE}`);
  await page.getByTestId('granularity').selectOption('event');
  const current = page.getByTestId('event-log').locator('tr[data-current]');
  const stage = page.getByTestId('stage');
  for (let i = 0; i < 400; i++) {
    await step(page);
    if ((await current.getAttribute('data-kind')) === 'its.translater') break;
  }
  // The MSI is now in the ITS, on its way to the next lookup.
  const msi = stage.locator('[data-token-kind="msi"]');
  await expect(msi).toHaveCount(1);
  await expect(msi).toHaveAttribute('data-token-at', /^its0\//);
});

test('the page survives its engine crashing, and hanging, and keeps the step it was on', async ({ page }) => {
  await page.goto(`/?scenario=${FILE}&at=40&debug=1&watchdog=2000`);
  await expect.poll(() => position(page)).toBe(40);
  const before = await stageView(page);

  await page.evaluate(() =>
    (window as unknown as { giclabDebug: { crash(m: string): Promise<void> } }).giclabDebug.crash('throw'),
  );
  await expect(page.getByTestId('notice')).toContainText(/crashed.*restarted/);
  expect(await position(page)).toBe(40);
  expect(await stageView(page)).toBe(before);
  await step(page);
  expect(await position(page)).toBe(41);
  await page.getByTestId('notice').getByRole('button', { name: 'Dismiss' }).click();

  await page.evaluate(() =>
    (window as unknown as { giclabDebug: { crash(m: string): Promise<void> } }).giclabDebug
      .crash('hang')
      .catch(() => undefined),
  );
  await expect(page.getByTestId('notice')).toContainText(/did not answer.*restarted/, { timeout: 10_000 });
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => position(page)).toBe(40);
  expect(await stageView(page)).toBe(before);
  await page.screenshot({ path: test.info().outputPath('after-worker-restart.png') });
});

test('light and dark, on a laptop and on a projector', async ({ page }) => {
  for (const [w, h] of SCREENS) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`/?scenario=${FILE}&at=45`);
    await expect.poll(() => position(page)).toBe(45);
    for (const theme of THEMES) {
      await page.getByTestId('theme').selectOption(theme);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(page.getByTestId('stage').locator('[data-token-id]')).not.toHaveCount(0);
      await page.screenshot({ path: test.info().outputPath(`map-and-fire-${w}x${h}-${theme}.png`) });
    }
  }
  // The help overlay lists the shortcuts; Escape closes it.
  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toBeVisible();
  await expect(page.getByTestId('help')).toContainText('Step back');
  await expect(page.getByTestId('help')).toContainText('Show or hide the breakpoints');
  await expect(page.getByTestId('help')).toContainText('Open the ITS inspector');
  await page.screenshot({ path: test.info().outputPath('help-overlay.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toBeHidden();
  // The keyboard steps.
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => position(page)).toBe(46);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => position(page)).toBe(44);
  await page.keyboard.press('End');
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'done');
});

test('breakpoints: on a command, a DeviceID/EventID and a register write stop playback there', async ({
  page,
}) => {
  await page.goto(`/?scenario=${FILE}`);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  const current = page.getByTestId('event-log').locator('tr[data-current]');

  await page.keyboard.press('b');
  const panel = page.getByTestId('breakpoint-panel');
  await expect(panel).toBeVisible();
  // A malformed breakpoint is refused with the reason, and nothing is added.
  await page.getByTestId('bp-intid').fill('lpi');
  await page.getByTestId('bp-add').click();
  await expect(page.getByTestId('bp-error')).toContainText("'lpi' is not a number");
  await expect(page.getByTestId('breakpoint-list')).toHaveCount(0);

  await page.getByTestId('bp-kind').selectOption('command');
  await page.getByTestId('bp-command').selectOption('MAPTI');
  await page.getByTestId('bp-add').click();
  await page.getByTestId('bp-kind').selectOption('device');
  await page.getByTestId('bp-devid').fill('16');
  await page.getByTestId('bp-eventid').fill('3');
  await page.getByTestId('bp-add').click();
  await page.getByTestId('bp-kind').selectOption('register');
  await page.getByTestId('bp-register').fill('icc_eoir1');
  await page.getByTestId('bp-add').click();
  await expect(page.getByTestId('breakpoint-list').locator('li')).toHaveText([
    /stop at an ITS MAPTI command/,
    /stop at DeviceID 16, EventID 3/,
    /stop at a write to ICC_EOIR1_EL1/,
  ]);
  await page.screenshot({ path: test.info().outputPath('breakpoints.png') });
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();

  // Play: it stops right after the MAPTI command is read, then at the MSI's first event that
  // names DeviceID 16 and EventID 3, then at the EOI.
  await page.getByTestId('speed').selectOption('100');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('Stopped at breakpoint 1');
  await expect(current).toHaveAttribute('data-kind', 'its.cmd');
  await expect(current).toContainText('MAPTI');

  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('Stopped at breakpoint 2');
  await expect(current).toContainText(/DeviceID 16/);
  await expect(current).toContainText(/EventID 3/);
  await expect(current).toHaveAttribute('data-kind', 'pci.msi');

  // Every event of the MSI's walk names DeviceID 16 and EventID 3: playing on stops at the next.
  await page.getByTestId('play').click();
  await expect(current).toHaveAttribute('data-kind', 'its.translater');
  await expect(page.getByTestId('status')).toHaveText('Stopped at breakpoint 2');

  // Without it, playing runs on to the EOI.
  await page.keyboard.press('b');
  await page.getByRole('button', { name: 'Remove breakpoint 2' }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('Stopped at breakpoint 2');
  await expect(current).toHaveAttribute('data-kind', 'icc.eoi');
  await page.keyboard.press('b');
  await expect(panel.locator('li[data-hit="true"]')).toHaveText(/2\. stop at a write to ICC_EOIR1_EL1/);
});
