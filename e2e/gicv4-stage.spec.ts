/**
 * GICv4 direct injection in the page (e2e/fixtures/v4-stage.json: a GICv4.0 host with three PEs, a
 * 2-vCPU VM pinned to pCPUs 1 and 2, nic0 forwarded to the guest's LPI 8192 on vCPU 1; its MSIs
 * ring vCPU 1's doorbell). What the page shows is checked against the engine, run here in Node from
 * the same file:
 *
 *  - the residency lanes: a span for every 'gicr.vpe' schedule..deschedule on its redistributor's
 *    lane, a VMOVP arrow from the old to the new lane, a doorbell on pCPU 2's lane, a mark for each
 *    direct delivery where the vCPU ran; a mark goes to its event (click, or Enter);
 *  - the stage: one token from the MSI through the ITS's vPE table to the redistributor (the VPT)
 *    and into the guest; the direct / software switch dims the other path; the paths bar gives
 *    each path's events, exits, measured latency (pci.msi to icv.ack) and the cost model's figure;
 *  - the vPE inspector: vPE 1 resident or not at every event, as GICR_VPENDBASER says; its VPT
 *    holding vLPI 8192 from the event that records it; the forwarding table.
 *
 * Screenshots: laptop and projector, light and dark; the laptop's stage keeps a usable height.
 */

import { type Page } from '@playwright/test';
import { expect, position, SCREENS, test, THEMES } from './page-checks';
import { engineRun as run, fixture, openScenario } from './scenario-file';
import { inspectV4, modelledPaths, type Machine, type SimEvent } from '../engine';

const FILE = fixture('e2e/fixtures/v4-stage.json');

const engineRun = (): Machine => run(FILE);

function events(m: Machine, pred: (e: SimEvent) => boolean): SimEvent[] {
  const out: SimEvent[] = [];
  for (let s = 0; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (pred(e)) out.push(e);
  }
  return out;
}

const first = (m: Machine, kind: string, from = 0): number => {
  for (let s = from; s < m.log.length; s++) if (m.log.kindAt(s) === kind) return s;
  throw new Error(`no ${kind} after event ${from}`);
};

/** The MSI whose vLPI found its vPE not resident: the pci.msi the first doorbell descends from. */
function doorbellMsi(m: Machine): number {
  let s = first(m, 'gicr.doorbell');
  while (s >= 0 && m.log.kindAt(s) !== 'pci.msi') s = m.log.causeAt(s);
  if (s < 0) throw new Error('the first doorbell descends from no MSI');
  return s;
}

const open = (page: Page, at = 0): Promise<void> => openScenario(page, FILE, at);

/** vPE 1's residency per the engine: the redistributors GICR_VPENDBASER names it on. */
function vpe1ResidentOn(m: Machine, p: number): string {
  m.seek(p);
  const v = inspectV4(m, 0);
  if (!v.ok) throw new Error(v.error);
  return v.vpes.find((x) => x.vpeid === 1)?.residentOn.join(',') ?? '';
}

test('the residency lanes: spans per redistributor, VMOVP arrows, a doorbell on pCPU 2, direct deliveries', async ({
  page,
}) => {
  const m = engineRun();
  await open(page);
  const res = page.getByTestId('residency');
  await expect(res).toHaveAttribute('data-lanes', '3');
  // Spans: 'gicr.vpe' schedule (Valid 0 -> 1) to deschedule, on the lane of its redistributor.
  const want: string[] = [];
  const open_ = new Map<number, number>();
  for (const e of events(m, (x) => x.kind === 'gicr.vpe')) {
    const d = e.data as { op: string };
    if (d.op === 'schedule') open_.set(e.cpu!, e.seq + 1);
    if (d.op === 'deschedule' && open_.has(e.cpu!)) {
      want.push(`${e.cpu}:${open_.get(e.cpu!)}-${e.seq + 1}`);
      open_.delete(e.cpu!);
    }
  }
  for (const [cpu, from] of open_) want.push(`${cpu}:${from}-${m.log.length}`);
  const spans = await res
    .locator('g.res-span')
    .evaluateAll((els) =>
      els.map(
        (e) =>
          `${e.closest('[data-pcpu]')?.getAttribute('data-pcpu')}:${e.getAttribute('data-from')}-${e.getAttribute('data-to')}`,
      ),
    );
  expect(spans.sort()).toEqual(want.sort());
  // vCPU 1's vPE is resident on pCPU 2's redistributor, vCPU 0's on pCPU 1's: labelled so.
  await expect(
    res.locator('g.res-lane[data-pcpu="2"] g.res-span[data-vcpu="1"][data-vpeid="1"]').first(),
  ).toBeVisible();
  await expect(res.locator('g.res-lane[data-pcpu="1"] g.res-span[data-vcpu="0"]').first()).toBeVisible();
  await expect(res.locator('g.res-lane[data-pcpu="2"] g.res-span text').first()).toHaveText(
    /vm0 vCPU 1 \/ vPE 1|vPE 1/,
  );
  // The doorbells ring on pCPU 2's lane; the direct deliveries are marked where vCPU 1 ran.
  const doorbells = events(m, (e) => e.kind === 'gicr.doorbell');
  expect(doorbells.length).toBeGreaterThan(0);
  expect(doorbells.every((e) => e.cpu === 2)).toBe(true);
  const dbMarks = res.locator('g.res-lane[data-pcpu="2"] g.res-mark.doorbell');
  await expect(dbMarks).toHaveCount(doorbells.length);
  expect(await dbMarks.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))))).toEqual(
    doorbells.map((e) => e.seq),
  );
  const direct = events(m, (e) => e.kind === 'icv.ack' && (e.data as { direct?: boolean }).direct === true);
  expect(direct.length).toBeGreaterThan(0);
  const vlpiMarks = await res
    .locator('g.res-mark.vlpi')
    .evaluateAll((els) =>
      els.map((e) => `${e.closest('[data-pcpu]')?.getAttribute('data-pcpu')}@${e.getAttribute('data-seq')}`),
    );
  expect(vlpiMarks).toEqual(direct.map((e) => `${e.cpu}@${e.seq}`));
  // VMOVP: vPE 1 follows vCPU 1 from the redistributor VMAPP named (pCPU 0) to pCPU 2.
  const vmovps = events(
    m,
    (e) => e.kind === 'its.cmd' && e.unit === 'its0' && (e.data as { command?: string }).command === 'VMOVP',
  );
  const moves = res.locator('g.res-move');
  await expect(moves).toHaveCount(vmovps.length);
  await expect(res.locator('g.res-move[data-to-pcpu="2"][data-from-pcpu="0"]')).toHaveCount(1);
  // Clicking a doorbell goes to its event; Enter on a delivery mark goes to that one.
  await dbMarks.first().click();
  await expect.poll(() => position(page)).toBe(doorbells[0]!.seq + 1);
  await res.locator('g.res-mark.vlpi').last().focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => position(page)).toBe(direct[direct.length - 1]!.seq + 1);
  await expect(res.locator('line.strip-now')).toHaveAttribute(
    'data-position',
    String(direct[direct.length - 1]!.seq + 1),
  );
  // The lanes can show the vCPUs only, or the vPEs only.
  await page.getByTestId('lanes-vcpus').check();
  await expect(page.getByTestId('residency')).toHaveCount(0);
  await expect(page.getByTestId('lanes')).toBeVisible();
  await page.getByTestId('lanes-vpes').check();
  await expect(page.getByTestId('lanes')).toHaveCount(0);
  await expect(page.getByTestId('residency')).toBeVisible();
});

test('the stage: one token from the MSI through the vPE table and the VPT into the guest', async ({
  page,
}) => {
  const m = engineRun();
  const msi = doorbellMsi(m);
  const vte = first(m, 'its.vte', msi);
  const vlpi = first(m, 'gicr.vlpi', msi);
  const ack = first(m, 'icv.ack', vlpi);
  const id = `t${msi}`;
  await open(page, vte + 1);
  const stage = page.getByTestId('stage');
  const tok = stage.locator(`[data-token-id="${id}"]`);
  await expect(tok).toHaveAttribute('data-token-at', 'its0/vt');
  await expect(tok).toHaveAttribute('data-token-direct', 'true');
  await expect(stage.locator('[data-node="its0/vt"]')).toHaveAttribute('data-focus', 'true');
  await page.getByTestId('granularity').selectOption('event');
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let p = vte + 2; p <= vlpi + 1; p++) await page.keyboard.press('ArrowRight');
  await expect.poll(() => position(page)).toBe(vlpi + 1);
  // Recorded in vPE 1's VPT: at redistributor 2, where the doorbell rings (not resident).
  await expect(tok).toHaveAttribute('data-token-at', 'rd2');
  await expect(tok).toHaveAttribute('data-token-state', 'pending');
  await expect(stage.locator('[data-node="rd2"]')).toHaveAttribute('data-vpe', '');
  await page.keyboard.press('ArrowRight');
  await expect(stage.locator(`[data-token-id="db${msi}"]`)).toHaveCount(1);
  // The guest takes it directly: the same token, active in vCPU 1's guest, the vPE resident on rd2.
  await open(page, ack + 1);
  await expect(tok).toHaveAttribute('data-token-at', 'vm0.vcpu1/guest');
  await expect(tok).toHaveAttribute('data-token-state', 'active');
  await expect(stage.locator('[data-node="rd2"]')).toHaveAttribute('data-vpe', '1');
  await expect(stage.locator('[data-link="vm0.vcpu1>cpu2"]')).toHaveAttribute('data-direct', 'true');
});

test('the direct / software switch, and each path with its events, exits and modelled cost', async ({
  page,
}) => {
  const m = engineRun();
  const msi = first(m, 'pci.msi');
  const ack = first(m, 'icv.ack', msi);
  await open(page, ack + 1);
  const svg = page.getByTestId('stage').locator('svg.stage');
  const paths = page.getByTestId('paths');
  await expect(paths).toHaveAttribute('data-path', 'both');
  const direct = page.getByTestId('path-direct-summary');
  const software = page.getByTestId('path-software-summary');
  // The MSI the position is about took the direct path: its figures, read from its events.
  await expect(direct).toHaveAttribute('data-msi', String(msi));
  await expect(direct).toHaveAttribute('data-latency', String(m.log.get(ack)!.time - m.log.get(msi)!.time));
  await expect(direct).toHaveAttribute('data-exits', '0');
  const chain = (s: number): number => {
    for (let x = s; x >= 0; x = m.log.causeAt(x)) if (m.log.kindAt(x) === 'pci.msi') return x;
    return -1;
  };
  let n = 0;
  for (let s = msi; s <= ack; s++) if (chain(s) === msi) n++;
  await expect(direct).toHaveAttribute('data-events', String(n));
  // The cost model's figure is the direct path's, or its doorbell variant's when this MSI rang one
  // (the vPE was not resident: GICV4_DOORBELL_PATH).
  let rang = false;
  for (let s = msi; s <= ack; s++) if (chain(s) === msi && m.log.kindAt(s) === 'gicr.doorbell') rang = true;
  const paths4 = modelledPaths(m);
  await expect(direct).toHaveAttribute(
    'data-modelled',
    String(rang ? paths4.doorbell.totalNs : paths4.direct.totalNs),
  );
  await expect(software).toHaveAttribute('data-modelled', '5222');
  await expect(software).toContainText('not taken');
  // Direct: KVM's software objects dim, the direct path stays.
  await page.getByTestId('path-direct').check();
  await expect(svg).toHaveAttribute('data-path', 'direct');
  await expect(paths).toHaveAttribute('data-path', 'direct');
  await expect(software).toHaveCount(0);
  const opacity = (sel: string) =>
    page
      .getByTestId('stage')
      .locator(sel)
      .first()
      .evaluate((e) => Number(getComputedStyle(e).opacity));
  await expect.poll(() => opacity('[data-node="vm0/irqfd"]')).toBeLessThan(0.5);
  await expect.poll(() => opacity('[data-token-direct="true"]')).toBe(1);
  // Software: the direct path's token dims, KVM's objects come back.
  await page.getByTestId('path-software').check();
  await expect(svg).toHaveAttribute('data-path', 'software');
  await expect(direct).toHaveCount(0);
  await expect.poll(() => opacity('[data-token-direct="true"]')).toBeLessThan(0.5);
  await expect.poll(() => opacity('[data-node="vm0/irqfd"]')).toBe(1);
  // The keyboard: d goes round the three.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('d');
  await expect(paths).toHaveAttribute('data-path', 'both');
  await expect(svg).not.toHaveAttribute('data-path', /.+/);
  await page.keyboard.press('d');
  await expect(paths).toHaveAttribute('data-path', 'direct');
  await page.keyboard.press('d');
  await page.keyboard.press('d');
  // Hop by hop: the cost model's hops beside the MSI's events; an event goes there.
  await page.getByTestId('paths-details').click();
  const cmp = page.getByTestId('paths-compare');
  await expect(cmp).toBeVisible();
  // The hops of the path this MSI took (the doorbell variant when it rang one).
  await expect(cmp.locator('.path-compare-col.direct tr')).toHaveCount(
    (rang ? paths4.doorbell : paths4.direct).hops.length,
  );
  await expect(cmp.locator('.path-compare-col.software tr')).toHaveCount(18);
  await expect(cmp.locator('.path-compare-col.direct .path-steps li')).toHaveCount(n);
  await cmp.locator('.path-compare-col.direct .path-steps li').nth(2).getByRole('button').click();
  await expect.poll(() => position(page)).toBe(msi + 3);
  await page.screenshot({ path: test.info().outputPath('gicv4-paths-compare.png') });
  await page.keyboard.press('Escape');
  await expect(cmp).toHaveCount(0);
});

test('the vPE inspector: vPE 1 resident or not at every event, its VPT, its registers, the forwarding table', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const m = engineRun();
  const init = first(m, 'kvm.v4.init');
  const vlpi = first(m, 'gicr.vlpi');
  const vmapti = events(
    m,
    (e) => e.kind === 'its.cmd' && e.unit === 'its0' && (e.data as { command?: string }).command === 'VMAPTI',
  )[0]!.seq;
  await open(page, init);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  // p opens the vPE inspector (and the help lists it).
  await page.keyboard.press('p');
  const insp = page.getByTestId('v4-inspector');
  await expect(insp).toBeVisible();
  await page.getByTestId('v4-vpe-select').selectOption('1');
  await page.getByTestId('granularity').selectOption('event');
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const row = insp.locator('[data-testid="v4-vpes"] tr[data-vpeid="1"]');
  const seen = new Set<string>();
  for (let p = init + 1; p <= m.log.length; p++) {
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => position(page)).toBe(p);
    const want = vpe1ResidentOn(m, p);
    seen.add(want);
    await expect(row, `position ${p}`).toHaveAttribute('data-resident-on', want);
  }
  // It was resident on pCPU 2's redistributor at times, and at times on none.
  expect(seen).toEqual(new Set(['', '2']));

  // The VPT: empty before the vLPI is recorded, 8192 from that event until the guest takes it.
  await open(page, vlpi);
  await page.getByTestId('tab-vpes').click();
  await page.getByTestId('v4-vpe-select').selectOption('1');
  const vpt = insp.getByTestId('vpt-pending');
  await expect(vpt.locator('[data-vintid]')).toHaveCount(0);
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBe(vlpi + 1);
  await expect(vpt.locator('[data-vintid="8192"]')).toHaveCount(1);
  await expect(row).toHaveAttribute('data-pending', '8192');
  await expect(row).toHaveAttribute('data-resident-on', '');
  // Its redistributor's registers, as the engine holds them (not resident: Valid 0).
  m.seek(vlpi + 1);
  const regs = insp.getByTestId('v4-registers');
  await expect(regs.locator('[data-reg="GICR_VPENDBASER"]')).toHaveAttribute(
    'data-value',
    `0x${m.s.gic.rd[2]!.vpendbaser.toString(16)}`,
  );
  await regs.locator('[data-reg="GICR_VPENDBASER"] summary').click();
  await expect(regs.locator('[data-reg="GICR_VPENDBASER"] tr[data-field="Valid"]')).toHaveAttribute(
    'data-value',
    '0',
  );
  await expect(regs.locator('[data-reg="GICR_VPENDBASER"] tr[data-field="IDAI"]')).toHaveCount(1);

  // Forwarding: software until KVM pairs VFIO with the irqfd (kvm_vgic_v4_set_forwarding), direct
  // from then on; the host ITS's ITE maps the vLPI once the driver's VMAPTI has been processed.
  const lpiAt = (p: number) => {
    m.seek(p);
    const v = inspectV4(m, 0);
    if (!v.ok) throw new Error(v.error);
    return v.lpis.find((l) => l.vintid === 8192);
  };
  let decided = 0;
  for (let p = 0; p <= m.log.length && !decided; p++) if (lpiAt(p)?.forwarded) decided = p;
  expect(decided).toBeGreaterThan(0);
  expect(decided).toBeLessThanOrEqual(vmapti);
  expect(lpiAt(decided)!.host!.ite).toBe('lpi');
  expect(lpiAt(vmapti + 1)!.host!.ite).toBe('vlpi');
  const fwd = insp.getByTestId('v4-forwarding');
  const lpi = fwd.locator('tr[data-vintid="8192"]');
  await open(page, decided - 1);
  await page.getByTestId('tab-vpes').click();
  await expect(lpi).toHaveAttribute('data-forwarded', 'false');
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBe(decided);
  await expect(lpi).toHaveAttribute('data-forwarded', 'true');
  await expect(lpi).toHaveAttribute('data-host-ite', 'lpi');
  await open(page, vmapti + 1);
  await page.getByTestId('tab-vpes').click();
  await expect(lpi).toHaveAttribute('data-forwarded', 'true');
  await expect(lpi).toHaveAttribute('data-host-ite', 'vlpi');
  await expect(lpi).toHaveAttribute('data-host-devid', '256');
  await expect(lpi).toHaveAttribute('data-host-eventid', '0');
  await expect(lpi).toHaveAttribute('data-host-intid', '8200');
  await expect(lpi).toHaveAttribute('data-vpeid', '1');
  await expect(insp.getByTestId('v4-vectors').locator('li[data-device="nic0"]')).toHaveAttribute(
    'data-vintid',
    '8192',
  );
  // The host ITS's vPE table: both vPEs, vPE 1 mapped to pCPU 2.
  await expect(insp.locator('[data-testid="v4-vpe-table"] tr[data-vpeid="1"]')).toHaveAttribute(
    'data-target',
    '2',
  );
  // From a vCPU (clicked on the stage) to its vPE.
  await page.getByTestId('stage').locator('[data-node="vm0.vcpu0"]').click();
  await expect(page.getByTestId('vcpu-inspector')).toHaveAttribute('data-vcpu', '0');
  await page.getByTestId('vcpu-to-vpe').click();
  await expect(insp).toHaveAttribute('data-vpeid', '0');
  await expect(insp.locator('[data-testid="v4-vpes"] tr[data-vpeid="0"]')).toHaveClass(/current/);
  // The help lists the shortcuts.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toContainText('Open the vPE inspector');
  await expect(page.getByTestId('help')).toContainText('GICv4: bring forward the direct path');
  await page.keyboard.press('Escape');
});

test('a machine whose VMs do not use GICv4 shows no residency lanes, no paths and no vPE tab', async ({
  page,
}) => {
  await openScenario(page, fixture('e2e/fixtures/kvm-stage.json'));
  await expect(page.getByTestId('lanes')).toBeVisible();
  await expect(page.getByTestId('residency')).toHaveCount(0);
  await expect(page.getByTestId('paths')).toHaveCount(0);
  await expect(page.getByTestId('tab-vpes')).toHaveCount(0);
  await expect(page.getByTestId('stage').locator('[data-node="its0/vt"]')).toHaveCount(0);
});

test('GICv4 on a laptop and on a projector, light and dark', async ({ page }) => {
  test.setTimeout(120_000);
  const m = engineRun();
  const msi = doorbellMsi(m);
  const vlpi = first(m, 'gicr.vlpi', msi);
  const ack = first(m, 'icv.ack', vlpi);
  for (const [w, h] of SCREENS) {
    for (const theme of THEMES) {
      await page.setViewportSize({ width: w, height: h });
      // The vLPI recorded in the VPT, its doorbell about to ring; then taken by the guest.
      await open(page, vlpi + 1);
      await page.getByTestId('theme').selectOption(theme);
      await page.getByTestId('tab-vpes').click();
      await page.getByTestId('v4-vpe-select').selectOption('1');
      await expect(page.getByTestId('vpt-pending').locator('[data-vintid="8192"]')).toHaveCount(1);
      await expect(page.getByTestId('stage').locator(`[data-token-id="t${msi}"]`)).toHaveAttribute(
        'data-token-at',
        'rd2',
      );
      // The paths bar keeps to one line, and a laptop's stage keeps a usable height (it was about
      // 130 px under the paths bar and both sets of lanes): there the lanes start with the vPEs only.
      expect((await page.getByTestId('paths').boundingBox())!.height).toBeLessThanOrEqual(30);
      expect((await page.getByTestId('stage').boundingBox())!.height).toBeGreaterThanOrEqual(
        w === 1280 ? 220 : 320,
      );
      await expect(page.getByTestId('lanes-vpes')).toBeChecked({ checked: w === 1280 });
      await page.screenshot({ path: test.info().outputPath(`gicv4-${w}x${h}-${theme}-recorded.png`) });
      await open(page, ack + 1);
      await page.getByTestId('theme').selectOption(theme);
      await expect(page.getByTestId('stage').locator(`[data-token-id="t${msi}"]`)).toHaveAttribute(
        'data-token-at',
        'vm0.vcpu1/guest',
      );
      await page.getByTestId('path-direct').check();
      await page.screenshot({ path: test.info().outputPath(`gicv4-${w}x${h}-${theme}-direct.png`) });
      await page.getByTestId('path-both').check();
    }
  }
});
