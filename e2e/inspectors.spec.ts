/**
 * The inspectors, checked on what the page shows: in "Map and fire" the ITS tab shows the four
 * commands behind GITS_CREADR and the three mappings in the Device Table, the ITT of DeviceID 16
 * and the Collection Table, and highlights the entries an MSI's translation reads as it reads
 * them; the register tab shows GITS_CWRITER's history and goes to an access when it is clicked;
 * the memory tab shows the command queue with its commands named, and refuses bad addresses
 * without losing the view. In "Why INV exists" the redistributor tab flags LPI 8195 while its
 * byte in memory differs from the configuration the redistributor uses, and not once INV has
 * made it re-read the byte. Screenshots of every inspector, light and dark, laptop and projector.
 */

import { type Locator, type Page } from '@playwright/test';
import { expect, position, SCREENS, test, THEMES } from './page-checks';
import { openScenario, shipped } from './scenario-file';

const MAP_AND_FIRE = 'track2/2.2-map-and-fire.json';
const WHY_INV = 'track2/2.3-why-inv-exists.json';

const open = (page: Page, file: string, at = 0): Promise<void> => openScenario(page, shipped(file), at);

/** Gives the keyboard back to the page's shortcuts (they ignore keys typed into a form field). */
const blur = (page: Page): Promise<void> =>
  page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

async function stepOnce(page: Page): Promise<void> {
  const before = await position(page);
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBeGreaterThan(before);
}

/** The data attributes of the rows a locator matches, as "a=b c=d" strings. */
async function attrs(rows: Locator, names: string[]): Promise<string[]> {
  return rows.evaluateAll(
    (els, ns) => els.map((e) => ns.map((n) => `${n}=${e.getAttribute(`data-${n}`) ?? ''}`).join(' ')),
    names,
  );
}

test('ITS tab after the mappings: MAPD, MAPC, MAPTI, SYNC consumed behind CREADR; the three tables', async ({
  page,
}) => {
  // Position 39: the driver has written GITS_CWRITER = 0x80, the SYNC is in the ring, not consumed.
  await open(page, MAP_AND_FIRE, 39);
  await page.getByTestId('tab-its').click();
  const its = page.getByTestId('its-inspector');
  const ring = its.getByTestId('its-ring');
  await expect(ring).toHaveAttribute('data-creadr', '3');
  await expect(ring).toHaveAttribute('data-cwriter', '4');
  await expect(ring).toHaveAttribute('data-waiting', '1');
  const slot = (n: number): Locator => its.getByTestId('its-queue').locator(`li[data-slot="${n}"]`);
  await expect(slot(3)).toHaveAttribute('data-state', 'waiting');
  await expect(slot(3)).toHaveAttribute('data-command', 'SYNC');
  await expect(slot(3)).toHaveAttribute('data-creadr', 'true');
  await expect(slot(4)).toHaveAttribute('data-cwriter', 'true');
  await expect(slot(2)).toHaveAttribute('data-state', 'consumed');

  // One more event: the ITS reads the SYNC; CREADR catches up with CWRITER.
  await stepOnce(page);
  await expect(ring).toHaveAttribute('data-creadr', '4');
  await expect(ring).toHaveAttribute('data-cwriter', '4');
  await expect(ring).toHaveAttribute('data-waiting', '0');
  const queue = its.getByTestId('its-queue').locator('li[data-slot]');
  const shown = await attrs(queue, ['slot', 'command', 'state']);
  expect(shown).toEqual(
    expect.arrayContaining([
      'slot=0 command=MAPD state=consumed',
      'slot=1 command=MAPC state=consumed',
      'slot=2 command=MAPTI state=consumed',
      'slot=3 command=SYNC state=consumed',
    ]),
  );
  // The four are behind CREADR, in ring order, and CREADR's slot is the next (empty) one.
  const order = await queue.evaluateAll((els) => els.map((e) => e.getAttribute('data-slot')));
  expect(order.indexOf('3')).toBe(order.indexOf('4') - 1);
  expect(order.indexOf('0')).toBeLessThan(order.indexOf('3'));
  await expect(slot(4)).toHaveAttribute('data-creadr', 'true');
  await expect(slot(4)).toHaveAttribute('data-cwriter', 'true');
  await expect(slot(4)).toHaveAttribute('data-empty', 'true');
  // The command just read is the current entry; its raw doublewords are one click away.
  await expect(its.locator('li[data-current="true"]')).toHaveAttribute('data-slot', '3');
  await expect(slot(0).getByTestId('slot-dws')).toHaveCount(0);
  await slot(0).getByTestId('slot-raw').click();
  await expect(slot(0).getByTestId('slot-dws')).toContainText('0x0000001000000008');
  await expect(slot(0).getByTestId('slot-dws')).toContainText('0x8000000040300000');

  // The Device Table has DeviceID 16, its ITT maps EventID 3 to LPI 8195 in collection 1, and
  // collection 1 is redistributor 1.
  const devices = its.getByTestId('its-devices').locator('tr[data-devid]');
  expect(await attrs(devices, ['devid', 'itt'])).toEqual(['devid=16 itt=0x40300000']);
  const itt = its.getByTestId('its-itt');
  await expect(itt.locator('[data-devid]').first()).toHaveAttribute('data-devid', '16');
  expect(await attrs(itt.locator('tr[data-eventid]'), ['eventid', 'intid', 'icid'])).toEqual([
    'eventid=3 intid=8195 icid=1',
  ]);
  expect(
    await attrs(its.getByTestId('its-collections').locator('tr[data-icid]'), ['icid', 'target']),
  ).toEqual(['icid=1 target=1']);
  // Nothing has been translated yet.
  await expect(its.getByTestId('its-cache').locator('tr[data-devid]')).toHaveCount(0);
  await expect(its.getByTestId('its-registers').locator('[data-reg="GITS_CWRITER"]')).toHaveAttribute(
    'data-value',
    '0x80',
  );
  await expect(its.getByTestId('its-registers').locator('[data-reg="GITS_CREADR"]')).toHaveAttribute(
    'data-value',
    '0x80',
  );
});

test('ITS tab while the MSI is translated: the highlighted entries are the lookup being made', async ({
  page,
}) => {
  await open(page, MAP_AND_FIRE, 40);
  await page.getByTestId('granularity').selectOption('event');
  await blur(page);
  await page.keyboard.press('i');
  const its = page.getByTestId('its-inspector');
  await expect(its).toBeVisible();
  const stage = page.getByTestId('stage');
  const current = its.locator('[data-current="true"]');
  // The SYNC just read is about no device: no table entry is highlighted, only its queue slot.
  expect(await attrs(current, ['slot', 'devid'])).toEqual(['slot=3 devid=']);
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => position(page)).toBe(41 + i);
    const focus = (await stage.locator('[data-focus="true"]').first().getAttribute('data-node')) ?? '';
    // Whatever the ITS inspector highlights belongs to DeviceID 16 / EventID 3 / collection 1.
    const highlighted = await attrs(current, ['devid', 'eventid', 'icid']);
    for (const h of highlighted) {
      expect(h).toMatch(/^devid=(16)? eventid=(3)? icid=(1)?$/);
    }
    if (focus === 'its0/dt') {
      await expect(its.getByTestId('its-devices').locator('tr[data-current="true"]')).toHaveAttribute(
        'data-devid',
        '16',
      );
      seen.add('dt');
    }
    if (focus === 'its0/itt') {
      const ite = its.getByTestId('its-itt').locator('tr[data-current="true"]');
      await expect(ite).toHaveAttribute('data-eventid', '3');
      await expect(ite).toHaveAttribute('data-intid', '8195');
      seen.add('itt');
    }
    if (focus === 'its0/ct') {
      await expect(its.getByTestId('its-collections').locator('tr[data-current="true"]')).toHaveAttribute(
        'data-icid',
        '1',
      );
      // The translation is cached now, and the cache entry is the current one.
      const hit = its.getByTestId('its-cache').locator('tr[data-current="true"]');
      await expect(hit).toHaveAttribute('data-devid', '16');
      await expect(hit).toHaveAttribute('data-eventid', '3');
      seen.add('ct');
      await page.screenshot({ path: test.info().outputPath('its-translation-ct.png') });
    }
    if (focus === 'rd1') break;
  }
  expect([...seen].sort()).toEqual(['ct', 'dt', 'itt']);
});

test('register tab: GITS_CWRITER and its history; clicking an access goes there', async ({ page }) => {
  // Position 39: the last event is the driver's write of 0x80 to GITS_CWRITER.
  await open(page, MAP_AND_FIRE, 39);
  await page.getByTestId('tab-registers').click();
  const reg = page.getByTestId('register-inspector');
  const detail = reg.getByTestId('reg-detail');
  await expect(detail).toHaveAttribute('data-reg', 'GITS_CWRITER');
  await expect(detail).toHaveAttribute('data-unit', 'its0');
  await expect(detail).toHaveAttribute('data-value', '0x80');
  await expect(detail.locator('[data-field="Offset"]')).toHaveAttribute('data-value', '4');
  const history = reg.getByTestId('reg-history').locator('tr[data-seq]');
  expect(await attrs(history, ['access', 'value'])).toEqual([
    'access=write value=0x0',
    'access=write value=0x20',
    'access=write value=0x40',
    'access=write value=0x60',
    'access=write value=0x80',
  ]);
  await expect(history.last()).toHaveAttribute('data-current', 'true');

  // The write of 0x40: the page goes to the position right after it.
  const seq = Number(await history.nth(2).getAttribute('data-seq'));
  await history.nth(2).click();
  await expect.poll(() => position(page)).toBe(seq + 1);
  await expect(detail).toHaveAttribute('data-value', '0x40');
  await expect(history).toHaveCount(3);
  await expect(history.last()).toHaveAttribute('data-current', 'true');

  // Another frame and register, picked by hand.
  await reg.getByTestId('reg-unit').selectOption('rd1');
  await reg.getByTestId('reg-filter').fill('ctlr');
  await reg.getByTestId('reg-list').locator('[data-reg="GICR_CTLR"]').click();
  await expect(detail).toHaveAttribute('data-reg', 'GICR_CTLR');
  await expect(detail).toHaveAttribute('data-unit', 'rd1');
  await expect(detail.locator('[data-field="EnableLPIs"]')).toHaveAttribute('data-value', '1');
});

test('memory tab: the command queue annotated; bad addresses are refused and the view stays', async ({
  page,
}) => {
  await open(page, MAP_AND_FIRE, 40);
  await page.getByTestId('tab-memory').click();
  const mem = page.getByTestId('memory-inspector');
  await mem.getByTestId('mem-structures').locator('[data-kind="its-command-queue"]').click();
  const hex = mem.getByTestId('mem-hex');
  await expect(hex).toHaveAttribute('data-addr', '0x40120000');
  const first = hex.locator('tr[data-addr="0x40120000"]');
  await expect(first).toHaveAttribute('data-structure', 'its0 command queue');
  await expect(first).toHaveAttribute('data-kind', 'its-command-queue');
  // MAPD's first doubleword, little-endian: 08 00 00 00 10 00 00 00.
  await expect(first.locator('td.b')).toHaveText([
    '08',
    '00',
    '00',
    '00',
    '10',
    '00',
    '00',
    '00',
    '04',
    '00',
    '00',
    '00',
    '00',
    '00',
    '00',
    '00',
  ]);
  const caps = hex.locator('tr[data-entry-kind="command"]');
  await expect(caps).toHaveCount(4);
  await expect(caps.nth(0)).toContainText('MAPD DeviceID=0x10');
  await expect(caps.nth(1)).toContainText('MAPC ICID=0x1');
  await expect(caps.nth(2)).toContainText('MAPTI DeviceID=0x10 EventID=0x3 pINTID=0x2003');
  await expect(caps.nth(3)).toContainText('SYNC');
  await expect(caps.nth(3)).toHaveAttribute('data-entry-addr', '0x40120060');
  // The SYNC is the command the current event read.
  await expect(hex.locator('tr[data-current="true"]')).toHaveAttribute('data-entry-addr', '0x40120060');

  // Not hex, then not RAM: refused inline, the dump stays where it was.
  const addr = mem.getByTestId('mem-addr');
  await addr.fill('0x40zz');
  await addr.press('Enter');
  await expect(mem.getByTestId('mem-error')).toContainText("'0x40zz' is not a hex address");
  await expect(hex).toHaveAttribute('data-addr', '0x40120000');
  await addr.fill('0x10');
  await mem.getByTestId('mem-go').click();
  await expect(mem.getByTestId('mem-error')).toContainText('0x10 is not RAM');
  await expect(hex).toHaveAttribute('data-addr', '0x40120000');
  await expect(first).toHaveAttribute('data-structure', 'its0 command queue');

  // The ITT of DeviceID 16, typed in: EventID 3's entry named and inside the ITT.
  await addr.fill('40300000');
  await addr.press('Enter');
  await expect(mem.getByTestId('mem-error')).toHaveCount(0);
  await expect(hex).toHaveAttribute('data-addr', '0x40300000');
  await expect(hex.locator('tr[data-addr="0x40300010"]')).toHaveAttribute(
    'data-structure',
    'its0 ITT of DeviceID 16',
  );
  await expect(hex.locator('tr[data-entry-kind="ite"]')).toContainText('EventID 3: LPI 8195, collection 1');
});

test('Why INV exists: the redistributor flags LPI 8195 while memory differs, and not after INV', async ({
  page,
}) => {
  await open(page, WHY_INV);
  await page.keyboard.press('r');
  const rd = page.getByTestId('rd-inspector');
  await expect(rd).toBeVisible();
  await expect(rd.getByTestId('position-zero')).toBeVisible();
  await rd.getByTestId('rd-select').selectOption('1');
  await blur(page);
  const lpi = rd.locator('tr[data-intid="8195"]');
  const differing = rd.getByTestId('rd-differing');
  const stepTitle = page.locator('[data-testid="step"].current');

  // End of step 2 (unmasked the Linux way: byte, then INV): memory and redistributor agree.
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await expect.poll(() => position(page)).toBe(69);
  await expect(lpi).toHaveAttribute('data-differs', 'false');
  await expect(lpi).toHaveAttribute('data-effective', '0xa3');
  await expect(differing).toHaveAttribute('data-count', '0');

  // Step 3: 0xa2 written to the byte, no INV. The redistributor still uses 0xa3: flagged.
  await page.keyboard.press(']');
  await expect.poll(() => position(page)).toBe(80);
  await expect(stepTitle).toContainText('Disable it in memory, without INV');
  await expect(lpi).toHaveAttribute('data-differs', 'true');
  await expect(lpi).toHaveAttribute('data-memory', '0xa2');
  await expect(lpi).toHaveAttribute('data-effective', '0xa3');
  await expect(lpi).toHaveAttribute('data-enabled', 'true');
  await expect(lpi).toHaveClass(/differs/);
  await expect(differing).toHaveAttribute('data-count', '1');
  await page.screenshot({ path: test.info().outputPath('rd-differs-before-inv.png') });

  // Step 4: INV. The redistributor re-read the byte: no difference, and the LPI is disabled.
  await page.keyboard.press(']');
  await expect.poll(() => position(page)).toBe(91);
  await expect(stepTitle).toContainText('Now with INV');
  await expect(lpi).toHaveAttribute('data-differs', 'false');
  await expect(lpi).toHaveAttribute('data-effective', '0xa2');
  await expect(lpi).toHaveAttribute('data-enabled', 'false');
  await expect(lpi).toHaveAttribute('data-pending', 'true');
  await expect(differing).toHaveAttribute('data-count', '0');

  // Step 6: re-enabled in memory only: flagged again, until INVALL (step 7).
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await expect.poll(() => position(page)).toBe(96);
  await expect(lpi).toHaveAttribute('data-differs', 'true');
  await expect(lpi).toHaveAttribute('data-memory', '0xa3');
  await page.keyboard.press(']');
  await expect.poll(() => position(page)).toBe(109);
  await expect(lpi).toHaveAttribute('data-differs', 'false');
  await expect(lpi).toHaveAttribute('data-pending', 'false');
});

test('CPU tab: CPU 1 takes LPI 8195; the current CPU and INTID are highlighted', async ({ page }) => {
  await open(page, MAP_AND_FIRE, 40);
  await page.getByTestId('granularity').selectOption('event');
  await page.getByTestId('tab-cpus').click();
  const cpus = page.getByTestId('cpu-inspector');
  await expect(cpus.getByTestId('cpu-card')).toHaveCount(2);
  const cpu1 = cpus.locator('[data-testid="cpu-card"][data-cpu="1"]');
  await expect(cpu1.locator('[data-field="pmr"]')).toHaveAttribute('data-value', '0xf0');
  // Step until CPU 1's interface signals the LPI.
  for (let i = 0; i < 12; i++) {
    await stepOnce(page);
    if ((await cpu1.getByTestId('irq').getAttribute('data-value')) === '1') break;
  }
  await expect(cpu1).toHaveAttribute('data-current', 'true');
  await expect(cpu1.locator('[data-field="hppi"]')).toHaveAttribute('data-value', '8195 @ 0xa0');
  const row = cpu1.locator('tr[data-intid="8195"]');
  await expect(row).toHaveAttribute('data-state', 'pending');
  await expect(row).toHaveAttribute('data-current', 'true');
  await expect(cpus.locator('[data-cpu="0"]')).not.toHaveAttribute('data-current', 'true');
  // Acknowledged: running priority 0xa0, one active priority.
  for (let i = 0; i < 4; i++) {
    await stepOnce(page);
    if ((await cpu1.locator('[data-field="rpr"]').getAttribute('data-value')) === '0xa0') break;
  }
  await expect(cpu1.locator('[data-field="rpr"]')).toHaveAttribute('data-value', '0xa0');
  await expect(cpu1.locator('[data-field="active-priorities"]')).toHaveAttribute('data-value', '160');
});

test('every inspector at position 0 says nothing is set up, without errors', async ({ page }) => {
  await open(page, MAP_AND_FIRE, 0);
  for (const tab of ['its', 'redistributors', 'cpus', 'registers', 'memory']) {
    await page.getByTestId(`tab-${tab}`).click();
    await expect(page.getByTestId('position-zero')).toBeVisible();
    await expect(page.getByTestId('view-error')).toHaveCount(0);
  }
  await page.getByTestId('tab-its').click();
  await expect(page.getByTestId('queue-none')).toBeVisible();
  await expect(page.getByTestId('its-devices')).toContainText('No device is mapped');
});

test('screenshots: every inspector, light and dark, laptop and projector', async ({ page }) => {
  test.setTimeout(120_000);
  const views: [string, string, number][] = [
    ['its', MAP_AND_FIRE, 45],
    ['redistributors', WHY_INV, 80],
    ['cpus', MAP_AND_FIRE, 48],
    ['registers', MAP_AND_FIRE, 39],
    ['memory', MAP_AND_FIRE, 40],
  ];
  for (const [w, h] of SCREENS) {
    await page.setViewportSize({ width: w, height: h });
    for (const [tab, file, at] of views) {
      await open(page, file, at);
      await page.getByTestId(`tab-${tab}`).click();
      if (tab === 'redistributors') await page.getByTestId('rd-select').selectOption('1');
      for (const theme of THEMES) {
        await page.getByTestId('theme').selectOption(theme);
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        await expect(page.getByText(/^Reading the /)).toHaveCount(0);
        await page.screenshot({ path: test.info().outputPath(`${tab}-${w}x${h}-${theme}.png`) });
      }
    }
  }
});
