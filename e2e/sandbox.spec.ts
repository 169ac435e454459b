/**
 * The sandbox, as a user drives it: a new empty machine of a chosen shape (with a KVM virtual
 * machine or without), commands typed into the console (completion, history, errors shown inline
 * with the column), the stage and the log following each line, the session saved as a scenario
 * and opened again, and the console's work surviving a crash of the engine worker.
 */

import { readFileSync } from 'node:fs';
import { type Page } from '@playwright/test';
import { expect, position, SCREENS, test, THEMES } from './page-checks';
import { runLine } from './console';

const MAP_AND_FIRE = [
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=1 RDbase=1 V=1',
  'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
  'its SYNC RDbase=1',
];

const length = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('position').getAttribute('data-length'));

interface Shape {
  cpus: number;
  its: number;
  devices: number;
  bringUp: boolean;
  profile?: string;
  /** One VM (vm0), or none. */
  vm?: { vcpus: number; lrs: number; vits: boolean; assignDev0: boolean };
}

/** Opens the New sandbox dialog, fills it in and creates the machine. */
async function newSandbox(page: Page, shape: Shape, screenshot?: string): Promise<void> {
  await page.getByTestId('new-sandbox').click();
  const dialog = page.getByTestId('new-sandbox-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('sandbox-profile').selectOption(shape.profile ?? 'spec');
  await page.getByTestId('sandbox-cpus').fill(String(shape.cpus));
  await page.getByTestId('sandbox-its').fill(String(shape.its));
  await page.getByTestId('sandbox-devices').fill(String(shape.devices));
  await page.getByTestId('sandbox-vm').selectOption(shape.vm ? 'one' : 'none');
  if (shape.vm) {
    await page.getByTestId('sandbox-vcpus').fill(String(shape.vm.vcpus));
    await page.getByTestId('sandbox-lrs').fill(String(shape.vm.lrs));
    await page.getByTestId('sandbox-vits').setChecked(shape.vm.vits);
    if (shape.devices > 0) await page.getByTestId('sandbox-assign').setChecked(shape.vm.assignDev0);
  } else await expect(page.getByTestId('sandbox-vm-fields')).toBeHidden();
  await page.getByTestId('sandbox-bringup').setChecked(shape.bringUp);
  await expect(page.getByTestId('sandbox-summary')).toContainText(`${shape.cpus} CPU`);
  // The summary says what will be built, the VM too.
  if (shape.vm)
    await expect(page.getByTestId('sandbox-summary')).toContainText(
      `vm0 under KVM: ${shape.vm.vcpus} vCPU${shape.vm.vcpus === 1 ? '' : 's'} with ${shape.vm.lrs} list register`,
    );
  if (screenshot) await page.screenshot({ path: test.info().outputPath(screenshot) });
  await page.getByTestId('sandbox-create').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { level: 2 })).toContainText(`Sandbox: ${shape.cpus} CPU`);
  await expect(page.getByTestId('tab-console')).toHaveAttribute('aria-selected', 'true');
}

test('an empty 2-CPU machine, brought up, mapped and fired from the console', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await newSandbox(page, { cpus: 2, its: 1, devices: 1, bringUp: true });
  await expect(page.getByTestId('console-input')).toBeFocused();
  const start = await length(page);
  expect(start).toBeGreaterThan(10);

  let last = start;
  for (const line of MAP_AND_FIRE) {
    const entry = await runLine(page, line);
    await expect(entry).toHaveAttribute('data-outcome', 'ok');
    // Each line adds events at the end, and the view jumps there.
    await expect.poll(() => length(page)).toBeGreaterThan(last);
    last = await length(page);
    await expect.poll(() => position(page)).toBe(last);
  }
  // Every line is a step of the session.
  await expect(page.getByTestId('step')).toHaveCount(1 + MAP_AND_FIRE.length);

  const fired = await runLine(page, 'msi dev0 3');
  await expect(fired).toHaveAttribute('data-outcome', 'ok');
  await expect(fired).toContainText('CPU 1 took LPI 8195');
  await expect.poll(() => length(page)).toBeGreaterThan(last);
  const end = await length(page);

  // The expectation is checked against the line before it.
  await expect(await runLine(page, 'expect deliveries cpu1:8195')).toHaveAttribute('data-outcome', 'ok');
  const wrong = await runLine(page, 'expect deliveries cpu0:8195');
  await expect(wrong).toHaveAttribute('data-outcome', 'failed');
  await expect(wrong).toContainText('cpu0 INTID 8195: missing');
  expect(await length(page)).toBe(end);

  // The stage: back to the delivery, CPU 1's interface is what the event touched.
  await page.getByTestId('granularity').selectOption('delivery');
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => position(page)).toBeLessThan(end);
  const stage = page.getByTestId('stage');
  await expect(stage.locator('[data-node="cpuif1"]')).toHaveAttribute('data-focus', 'true');
  await page.screenshot({ path: test.info().outputPath('sandbox-fired-1280x720.png') });

  // A line typed while the page shows an earlier position runs at the end, and says so.
  const moved = await runLine(page, 'msi dev0 3');
  await expect(moved.getByTestId('moved-to-end')).toBeVisible();
  await expect.poll(() => position(page)).toBeGreaterThan(end);
  expect(await position(page)).toBe(await length(page));

  // The event log grew: it shows the acknowledges of both MSIs.
  await page.getByTestId('tab-events').click();
  const log = page.getByTestId('event-log');
  await expect(
    log.locator('tr[data-kind="icc.ack"]').filter({ hasText: /CPU 1 acknowledges LPI 8195/ }),
  ).toHaveCount(2);
  await expect(log.locator('tr[data-kind="its.cmd"]').filter({ hasText: 'MAPTI' })).toHaveCount(1);
});

test('a sandbox with a VM: the guest comes up with the host, enables SPI 32, and takes it from KVM_IRQ_LINE', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await page.getByTestId('theme').selectOption('dark');
  const vm = { vcpus: 2, lrs: 4, vits: true, assignDev0: true };
  await newSandbox(
    page,
    { cpus: 2, its: 1, devices: 1, bringUp: true, vm },
    'new-sandbox-vm-1280x720-dark.png',
  );
  await page.getByTestId('theme').selectOption('light');
  // The summary said what was built; the title says it too, and the bring-up passed.
  await expect(page.getByRole('heading', { level: 2 })).toContainText('a VM with 2 vCPUs');
  await expect(page.getByTestId('step')).toHaveCount(1);
  await expect(page.getByTestId('status')).toContainText(/^Passed/);
  // The narration tells the host's lines from the guest's, and says what to try next.
  const narration = page.getByTestId('narration');
  await expect(narration).toContainText('The host');
  await expect(narration).toContainText('The guest.');
  await expect(narration).toContainText('vm0 irq-line spi 32 high');
  await page.screenshot({ path: test.info().outputPath('sandbox-vm-narration-1280x720.png') });
  const start = await length(page);

  // The guest enables SPI 32 at its distributor (a trapped MMIO write), then the VMM raises it.
  const enable = await runLine(page, 'vm0 vcpu0 write GICD_ISENABLER1 1');
  await expect(enable).toHaveAttribute('data-outcome', 'ok');
  await expect.poll(() => length(page)).toBeGreaterThan(start);
  const raise = await runLine(page, 'vm0 irq-line spi 32 high');
  await expect(raise).toHaveAttribute('data-outcome', 'ok');
  await expect(await runLine(page, 'expect vm0 vcpu0 delivered 32')).toHaveAttribute('data-outcome', 'ok');
  await page.screenshot({ path: test.info().outputPath('sandbox-vm-console-1280x720.png') });

  // The event log shows the ioctl and the guest's acknowledge of virtual SPI 32, without an exit.
  await page.getByTestId('tab-events').click();
  const log = page.getByTestId('event-log');
  await expect(log.locator('tr[data-kind="kvm.irq-line"]')).toHaveCount(1);
  const ack = log
    .locator('tr[data-kind="icv.ack"]')
    .filter({ hasText: /vm0's vCPU 0 .*acknowledges virtual SPI 32/ });
  await expect(ack).toHaveCount(1);
  await ack.evaluate((row) => row.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: test.info().outputPath('sandbox-vm-ack-1280x720.png') });
});

test('a mistyped line is refused inline, with the column, and nothing changes', async ({ page }) => {
  await page.goto('/');
  await newSandbox(page, { cpus: 2, its: 1, devices: 1, bringUp: true });
  const before = await length(page);
  const steps = await page.getByTestId('step').count();
  const input = page.getByTestId('console-input');

  const typo = 'its MAPD DeviceID=16 Szie=4 ITT_addr=0x40300000 V=1';
  const entry = await runLine(page, typo);
  await expect(entry).toHaveAttribute('data-outcome', 'refused');
  const error = page.getByTestId('console-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('data-column', '22');
  await expect(error).toContainText("column 22: MAPD has no field 'Szie'");
  // The caret sits under the column.
  const caretLine = (await error.locator('pre').innerText()).split('\n')[1]!;
  expect(caretLine.indexOf('^')).toBe(21);
  // The line stays in the input for correcting; the machine did not change.
  await expect(input).toHaveValue(typo);
  expect(await length(page)).toBe(before);
  await expect(page.getByTestId('step')).toHaveCount(steps);

  // A line naming something the machine lacks is refused the same way, before it runs.
  const rd = await runLine(page, 'write rd5 GICR_CTLR 1');
  await expect(rd).toHaveAttribute('data-outcome', 'refused');
  await expect(error).toHaveAttribute('data-column', '7');
  await expect(error).toContainText('there is no redistributor 5');
  await page.setViewportSize({ width: 1280, height: 720 });
  for (const theme of THEMES) {
    await page.getByTestId('theme').selectOption(theme);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await page.screenshot({ path: test.info().outputPath(`sandbox-error-1280x720-${theme}.png`) });
  }
  expect(await length(page)).toBe(before);

  // Correcting the line hides the error; the corrected line runs.
  await input.fill('write rd1 GICR_CTLR 1');
  await expect(error).toBeHidden();
  await input.press('Enter');
  await expect(page.getByTestId('console-entry').last()).toHaveAttribute('data-outcome', 'ok');
  await expect.poll(() => length(page)).toBeGreaterThan(before);
});

test('Tab completes, Up and Down recall, and keys typed in the console are not shortcuts', async ({
  page,
}) => {
  await page.goto('/');
  await newSandbox(page, { cpus: 2, its: 1, devices: 1, bringUp: true });
  const input = page.getByTestId('console-input');
  const at = await position(page);

  // One candidate: completed in place.
  await input.fill('write64 rd1 GICR_PROP');
  await input.press('Tab');
  await expect(input).toHaveValue('write64 rd1 GICR_PROPBASER ');
  await expect(input).toBeFocused();

  // Several: a list, picked with the arrows and Enter.
  await input.fill('its MA');
  await input.press('Tab');
  const list = page.getByTestId('completions');
  await expect(list).toBeVisible();
  await expect(list.getByTestId('completion')).toHaveText([/^MAPD/, /^MAPC/, /^MAPTI/, /^MAPI/]);
  await input.press('ArrowDown');
  await expect(list.getByTestId('completion').nth(1)).toHaveAttribute('aria-selected', 'true');
  await input.press('Enter');
  await expect(list).toBeHidden();
  await expect(input).toHaveValue('its MAPC ');
  // Then the command's fields.
  await input.press('Tab');
  await expect(list.getByTestId('completion')).toHaveText([/^ICID=/, /^RDbase=/, /^V=/]);
  await input.pressSequentially('R');
  await expect(list.getByTestId('completion')).toHaveText([/^RDbase=/]);
  await input.press('Tab');
  await expect(input).toHaveValue('its MAPC RDbase=');

  // The units of this machine only.
  await input.fill('read rd');
  await input.press('Tab');
  await expect(list.getByTestId('completion')).toHaveText([/^rd0/, /^rd1/]);
  await page.screenshot({ path: test.info().outputPath('sandbox-completion-1280x720.png') });
  await input.press('Escape');
  await expect(list).toBeHidden();

  // Shortcut keys typed here are text: no step, no granularity change, no help.
  await input.fill('');
  await input.pressSequentially('l h k 1 2 3 ? [ ] e i');
  await expect(input).toHaveValue('l h k 1 2 3 ? [ ] e i');
  await input.press('Home');
  await input.press('End');
  await expect(page.getByTestId('help')).toBeHidden();
  expect(await position(page)).toBe(at);
  await expect(page.getByTestId('granularity')).toHaveValue('event');
  await expect(page.getByTestId('tab-console')).toHaveAttribute('aria-selected', 'true');

  // History: Up recalls the lines run, newest first; Down goes back to what was being typed.
  await runLine(page, 'read GITS_CTLR');
  await runLine(page, 'read GICD_CTLR');
  await input.fill('draft');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('read GICD_CTLR');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('read GITS_CTLR');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('read GICD_CTLR');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('draft');
  // A read answers with the value.
  await expect(page.getByTestId('console-entry').last()).toContainText(/reads GICD_CTLR: 0x/);
});

test('the session saved as a scenario opens again and replays to the same events', async ({ page }) => {
  await page.goto('/');
  await newSandbox(page, { cpus: 2, its: 1, devices: 1, bringUp: true });
  for (const line of [...MAP_AND_FIRE, 'msi dev0 3', 'expect deliveries cpu1:8195', 'wait 1us', 'run'])
    await expect(await runLine(page, line)).toHaveAttribute('data-outcome', 'ok');
  const events = await length(page);
  const steps = await page.getByTestId('step').count();

  const download = page.waitForEvent('download');
  await page.getByTestId('save-scenario').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('sandbox-session.json');
  const saved = test.info().outputPath('sandbox-session.json');
  await file.saveAs(saved);
  const doc = JSON.parse(readFileSync(saved, 'utf8')) as {
    format: string;
    machine: { cpus: number };
    steps: { title: string; actions?: string[]; expect?: string[] }[];
  };
  expect(doc.format).toBe('giclab-scenario/1');
  expect(doc.machine.cpus).toBe(2);
  expect(doc.steps).toHaveLength(steps);
  expect(doc.steps.find((s) => s.title === 'msi dev0 3')?.expect).toEqual(['expect deliveries cpu1:8195']);

  // Opened through the file chooser, it replays to the same number of events, and passes.
  await page.getByTestId('open-file').setInputFiles(saved);
  await expect(page.getByTestId('step')).toHaveCount(steps);
  await expect.poll(() => length(page)).toBe(events);
  await page.getByTestId('jump-end').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('status')).toContainText(/^Passed/);
});

test('a crash of the engine worker loses no console work', async ({ page }) => {
  await page.goto('/?debug=1&watchdog=2000');
  await newSandbox(page, { cpus: 2, its: 1, devices: 1, bringUp: true });
  for (const line of MAP_AND_FIRE) await runLine(page, line);
  const events = await length(page);

  await page.evaluate(() =>
    (window as unknown as { giclabDebug: { crash(m: string): Promise<void> } }).giclabDebug.crash('throw'),
  );
  await expect(page.getByTestId('notice')).toContainText(/crashed.*restarted/);
  expect(await length(page)).toBe(events);

  // The restarted worker has the mappings made in the console, and the history goes on from there.
  await expect(await runLine(page, 'expect ite 16 3 intid=8195 icid=1')).toHaveAttribute(
    'data-outcome',
    'ok',
  );
  const fired = await runLine(page, 'msi dev0 3');
  await expect(fired).toContainText('CPU 1 took LPI 8195');
  await expect.poll(() => length(page)).toBeGreaterThan(events);
  // The new line's events follow the console's, not the bring-up's.
  await page.getByTestId('tab-events').click();
  await expect(
    page.getByTestId('event-log').locator('tr[data-kind="its.cmd"]').filter({ hasText: 'MAPTI' }),
  ).toHaveCount(1);
});

test('the console and the New sandbox dialog, light and dark, on a laptop and on a projector', async ({
  page,
}) => {
  for (const [w, h] of SCREENS) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto('/');
    for (const theme of THEMES) {
      await page.getByTestId('theme').selectOption(theme);
      await page.getByTestId('new-sandbox').click();
      await page.getByTestId('sandbox-cpus').fill('4');
      await page.getByTestId('sandbox-devices').fill('2');
      await expect(page.getByTestId('sandbox-summary')).toContainText('4 CPUs');
      await page.screenshot({ path: test.info().outputPath(`new-sandbox-${w}x${h}-${theme}.png`) });
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('new-sandbox-dialog')).toBeHidden();
    }
    await newSandbox(page, { cpus: 4, its: 1, devices: 2, bringUp: true });
    for (const line of [...MAP_AND_FIRE, 'msi dev0 3', 'expect deliveries cpu0:8195', 'read GITS_TYPER'])
      await runLine(page, line);
    await runLine(page, 'msi dev7 3');
    const input = page.getByTestId('console-input');
    for (const theme of THEMES) {
      await page.getByTestId('theme').selectOption(theme);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await input.fill('expect ');
      await input.press('Tab');
      await expect(page.getByTestId('completions')).toBeVisible();
      await page.screenshot({ path: test.info().outputPath(`sandbox-console-${w}x${h}-${theme}.png`) });
      await input.press('Escape');
    }
  }
});
