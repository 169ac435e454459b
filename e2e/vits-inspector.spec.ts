/**
 * The ITS inspector on a VM's virtual ITS (track 3.5, "The guest's own ITS"): the guest maps
 * DeviceID 16 / EventID 3 to LPI 8195 through a command queue in its own RAM, then the VMM sends
 * KVM_SIGNAL_MSIs that fill and hit the vITS's translation cache. The page is checked against the
 * engine, run here in Node from the same scenario file:
 *
 *  - clicking the vITS box in the KVM band opens the ITS inspector on "vm0 vITS 0";
 *  - after the MAPTI: the queue ring's CREADR/CWRITER and every decoded slot are the commands the
 *    engine's its.cmd events say the vITS read (slot, name, fields), the MAPTI slot is the current
 *    one; the device table, the ITT (EventID 3 -> LPI 8195, collection 1, vCPU 1) and the
 *    collection table are the vITS's, and the host's ITS 0 (which the guest never touched) shows
 *    none of it and highlights nothing;
 *  - the translation: its lookups light up the vITS's DTE, ITE, CTE and cache entry, never the
 *    host's ITS 0 entries;
 *  - the memory inspector's vm0 guest physical address space: the vITS's queue annotated with the
 *    commands the engine's events say it read (the MAPTI current, its bytes those of the event),
 *    its tables and the guest's LPI tables listed, and none of it in host memory.
 */

import { type Locator, type Page } from '@playwright/test';
import { expect, position, test } from './page-checks';
import { engineRun as run, openScenario, shipped } from './scenario-file';
import { queueGeometry, type Machine } from '../engine';

const SCENARIO = shipped('track3/3.5-the-guests-own-its.json');

const engineRun = (): Machine => run(SCENARIO);

const open = (page: Page, at: number): Promise<void> => openScenario(page, SCENARIO, at);

const attrs = (rows: Locator, names: string[]): Promise<string[]> =>
  rows.evaluateAll(
    (els, ns) => els.map((e) => ns.map((n) => `${n}=${e.getAttribute(`data-${n}`) ?? ''}`).join(' ')),
    names,
  );

interface Cmd {
  seq: number;
  slot: number;
  command: string;
  fields: Record<string, string>;
}

/** The commands vm0's vITS read, from the engine's events. */
function vitsCommands(m: Machine): Cmd[] {
  const out: Cmd[] = [];
  for (let s = 0; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind !== 'its.cmd' || e.unit !== 'vm0.its0') continue;
    const d = e.data as { slot: number; command: string; fields: Record<string, string> };
    out.push({ seq: s, slot: d.slot, command: d.command, fields: d.fields });
  }
  return out;
}

test("the vITS inspector after the guest's MAPTI: the queue decoded, DeviceID 16 / EventID 3 -> LPI 8195", async ({
  page,
}) => {
  const m = engineRun();
  const cmds = vitsCommands(m);
  const mapti = cmds.find((c) => c.command === 'MAPTI')!;
  expect(mapti).toBeDefined();
  const at = mapti.seq + 1;
  const before = cmds.filter((c) => c.seq <= mapti.seq);
  expect(before.map((c) => c.command)).toEqual(['MAPD', 'MAPC', 'MAPTI']);
  m.seek(at);
  const vits = m.s.kvm!.vms[0]!.its[0]!;

  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, at);
  // The vITS box on the stage (KVM's objects for vm0) opens the ITS inspector on it.
  await page.getByTestId('stage').locator('[data-node="vm0/its"]').click();
  const insp = page.getByTestId('its-inspector');
  await expect(insp).toHaveAttribute('data-its-key', 'vm0.its0');
  await expect(insp).toHaveAttribute('data-vm', '0');
  await expect(insp.getByTestId('its-select')).toHaveValue('vm0.its0');
  await expect(insp.getByTestId('its-summary')).toContainText('vm0 vITS 0');
  await expect(insp.getByTestId('its-summary')).toContainText("KVM's lists");

  // The ring: CREADR = CWRITER = the slot after the MAPTI, as the engine's vITS holds them.
  const ring = insp.getByTestId('its-ring');
  await expect(ring).toHaveAttribute('data-slots', String(queueGeometry(vits).size / 32));
  await expect(ring).toHaveAttribute('data-creadr', String(mapti.slot + 1));
  await expect(ring).toHaveAttribute('data-cwriter', String(mapti.slot + 1));
  await expect(ring).toHaveAttribute('data-waiting', '0');
  // Every slot written so far, decoded as the vITS read it; the MAPTI is the current one.
  const slots = insp.getByTestId('its-queue').locator('li[data-slot]:not([data-empty])');
  await expect
    .poll(() => attrs(slots, ['slot', 'command', 'state']))
    .toEqual(before.map((c) => `slot=${c.slot} command=${c.command} state=consumed`));
  const maptiRow = insp.getByTestId('its-queue').locator(`li[data-slot="${mapti.slot}"]`);
  await expect(maptiRow).toHaveAttribute('data-current', 'true');
  await expect(maptiRow.locator('.slot-fields')).toHaveText(
    Object.entries(mapti.fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  );
  await expect(maptiRow.locator('.slot-fields')).toHaveText(
    'DeviceID=0x10 EventID=0x3 pINTID=0x2003 ICID=0x1',
  );
  await maptiRow.getByTestId('slot-raw').click();
  await expect(maptiRow.getByTestId('slot-dws')).toContainText('DW1 0x0000200300000003');

  // The tables: the device, its ITT (EventID 3 -> LPI 8195 in collection 1, on vCPU 1), the collection.
  await expect
    .poll(() => attrs(insp.getByTestId('its-devices').locator('tr[data-devid]'), ['devid', 'itt']))
    .toEqual(['devid=16 itt=0x40300000']);
  const ite = insp.getByTestId('its-itt').locator('tr[data-eventid]');
  await expect.poll(() => attrs(ite, ['eventid', 'intid', 'icid'])).toEqual(['eventid=3 intid=8195 icid=1']);
  await expect(ite).toContainText('vCPU 1');
  await expect
    .poll(() => attrs(insp.getByTestId('its-collections').locator('tr[data-icid]'), ['icid', 'target']))
    .toEqual(['icid=1 target=1']);
  await expect(insp.getByTestId('its-cache').locator('tr[data-devid]')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('vits-after-mapti.png') });
  await insp.screenshot({ path: test.info().outputPath('vits-after-mapti-inspector.png') });

  // The host's ITS 0, same index: the guest never touched it, and the vITS's event is not its.
  await insp.getByTestId('its-select').selectOption('its0');
  await expect(insp).toHaveAttribute('data-its-key', 'its0');
  await expect(insp).not.toHaveAttribute('data-vm', /.*/);
  await expect(insp.getByTestId('queue-none')).toBeVisible();
  await expect(insp.getByTestId('its-devices')).toContainText('No device is mapped');
  await expect(insp.locator('[data-current="true"]')).toHaveCount(0);
  // Following the current event goes back to the vITS: the MAPTI was vm0's.
  await insp.getByTestId('its-select').selectOption('auto');
  await expect(insp).toHaveAttribute('data-its-key', 'vm0.its0');
});

test("the vITS's translation lights up its own entries and fills its cache, not the host ITS's", async ({
  page,
}) => {
  const m = engineRun();
  let signal = -1;
  for (let s = 0; s < m.log.length && signal < 0; s++)
    if (m.log.get(s)!.kind === 'kvm.signal-msi') signal = s;
  expect(signal).toBeGreaterThan(0);
  // The first MSI's lookups in the vITS, from the engine's events.
  const lookups: { seq: number; kind: string }[] = [];
  for (let s = signal; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.unit === 'vm0.its0' && ['its.dte', 'its.ite', 'its.cte'].includes(e.kind))
      lookups.push({ seq: s, kind: e.kind });
    if (e.kind === 'its.cte') break;
  }
  expect(lookups.map((l) => l.kind)).toEqual(['its.dte', 'its.ite', 'its.cte']);

  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, lookups[0]!.seq + 1);
  await page.getByTestId('tab-its').click();
  const insp = page.getByTestId('its-inspector');
  // Following the event: the DTE lookup is vm0's vITS's.
  await expect(insp).toHaveAttribute('data-its-key', 'vm0.its0');
  await expect(insp.getByTestId('its-devices').locator('tr[data-current="true"]')).toHaveAttribute(
    'data-devid',
    '16',
  );
  await page.getByTestId('granularity').selectOption('event');
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => position(page)).toBe(lookups[1]!.seq + 1);
  const ite = insp.getByTestId('its-itt').locator('tr[data-current="true"]');
  await expect(ite).toHaveAttribute('data-eventid', '3');
  await expect(ite).toHaveAttribute('data-intid', '8195');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => position(page)).toBe(lookups[2]!.seq + 1);
  await expect(insp.getByTestId('its-collections').locator('tr[data-current="true"]')).toHaveAttribute(
    'data-icid',
    '1',
  );
  // The translation is in the vITS's cache now, and it is the current entry.
  const hit = insp.getByTestId('its-cache').locator('tr[data-current="true"]');
  await expect(hit).toHaveAttribute('data-devid', '16');
  await expect(hit).toHaveAttribute('data-eventid', '3');
  await expect(hit).toHaveAttribute('data-intid', '8195');
  await page.screenshot({ path: test.info().outputPath('vits-translation-ct.png') });
  await insp.screenshot({ path: test.info().outputPath('vits-translation-ct-inspector.png') });
  // Pinned to the host's ITS 0, the same event highlights nothing there.
  await insp.getByTestId('its-select').selectOption('its0');
  await expect(insp).toHaveAttribute('data-its-key', 'its0');
  await expect(insp.getByTestId('its-cache')).toBeVisible();
  await expect(insp.locator('[data-current="true"]')).toHaveCount(0);
});

test("the memory inspector's guest space: the vITS's command queue in vm0's RAM, annotated", async ({
  page,
}) => {
  const m = engineRun();
  const cmds = vitsCommands(m);
  const mapti = cmds.find((c) => c.command === 'MAPTI')!;
  const at = mapti.seq + 1;
  const ev = m.log.get(mapti.seq)!.data as { addr: number; dws: string[] };
  expect(ev.addr).toBe(0x4012_0040);

  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, at);
  await page.getByTestId('tab-memory').click();
  const mem = page.getByTestId('memory-inspector');
  // Host physical memory first: the guest set up nothing there, and the message says where to look.
  await expect(mem).toHaveAttribute('data-space', 'host');
  const structures = mem.getByTestId('mem-structures');
  await expect(structures).toContainText('In host physical memory');
  await expect(structures).toContainText('choose it above');
  await expect(structures.locator('[data-kind]')).toHaveCount(0);
  await mem.screenshot({ path: test.info().outputPath('vits-memory-host-inspector.png') });

  await mem.getByTestId('mem-space').selectOption({ label: 'vm0 guest physical' });
  await expect(mem).toHaveAttribute('data-space', 'vm0');
  await expect(structures).toContainText("In vm0's guest physical memory");
  await expect(structures).toContainText('vm0 guest RAM: vm0.ram0 0x40000000–0x7fffffff');
  await expect
    .poll(() => attrs(structures.locator('[data-kind]'), ['kind', 'base']))
    .toEqual([
      'kind=its-device-table base=0x40100000',
      'kind=its-collection-table base=0x40110000',
      'kind=its-command-queue base=0x40120000',
      'kind=lpi-property-table base=0x40130000',
      'kind=lpi-pending-table base=0x40200000',
      'kind=lpi-pending-table base=0x40210000',
      'kind=its-itt base=0x40300000',
    ]);
  await expect(structures.locator('[data-kind="lpi-property-table"]')).toContainText(
    'LPI property table of vm0.vcpu0, vm0.vcpu1',
  );
  // The dump opens on the vITS's command queue: each slot named as the vITS read it.
  const hex = mem.getByTestId('mem-hex');
  await expect(hex).toHaveAttribute('data-addr', '0x40120000');
  await expect(hex.locator('tr[data-addr="0x40120000"]')).toHaveAttribute(
    'data-structure',
    'vm0.its0 command queue',
  );
  const caps = hex.locator('tr[data-entry-kind="command"]');
  await expect(caps).toHaveCount(3);
  for (const [i, c] of cmds.filter((c) => c.seq <= mapti.seq).entries()) {
    await expect(caps.nth(i)).toHaveAttribute(
      'data-entry-addr',
      `0x${(0x4012_0000 + c.slot * 32).toString(16)}`,
    );
    await expect(caps.nth(i)).toContainText(`vm0.its0 queue slot ${c.slot} (consumed): ${c.command}`);
  }
  await expect(caps.nth(2)).toContainText('MAPTI DeviceID=0x10 EventID=0x3 pINTID=0x2003 ICID=0x1');
  // The MAPTI is the command the current event read, in the guest's space.
  await expect(hex.locator('tr[data-current="true"]')).toHaveAttribute('data-entry-addr', '0x40120040');
  // Its bytes: the doublewords the event recorded, little-endian.
  const le = (dw: string): string[] =>
    Array.from({ length: 8 }, (_, k) =>
      ((BigInt(dw) >> BigInt(8 * k)) & 0xffn).toString(16).padStart(2, '0'),
    );
  await expect(hex.locator('tr[data-addr="0x40120040"] td.b')).toHaveText([
    ...le(ev.dws[0]!),
    ...le(ev.dws[1]!),
  ]);
  await expect(hex.locator('tr[data-addr="0x40120050"] td.b')).toHaveText([
    ...le(ev.dws[2]!),
    ...le(ev.dws[3]!),
  ]);
  await page.screenshot({ path: test.info().outputPath('vits-memory-guest.png') });
  await mem.screenshot({ path: test.info().outputPath('vits-memory-guest-inspector.png') });

  // The ITT, typed in: EventID 3's ITE, from KVM's lists.
  await mem.getByTestId('mem-addr').fill('0x40300000');
  await mem.getByTestId('mem-addr').press('Enter');
  await expect(hex).toHaveAttribute('data-addr', '0x40300000');
  await expect(hex.locator('tr[data-entry-kind="ite"]')).toContainText(
    'vm0.its0 ITE of DeviceID 16 EventID 3: LPI 8195, collection 1',
  );

  // Back to the host: the same address holds nothing there, and nothing is current.
  await mem.getByTestId('mem-space').selectOption('host');
  await expect(mem).toHaveAttribute('data-space', 'host');
  await mem.getByTestId('mem-addr').fill('0x40120000');
  await mem.getByTestId('mem-addr').press('Enter');
  await expect(hex).toHaveAttribute('data-addr', '0x40120000');
  await expect(hex.locator('tr[data-entry-kind]')).toHaveCount(0);
  await expect(hex.locator('tr[data-current="true"]')).toHaveCount(0);
});
