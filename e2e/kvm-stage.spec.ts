/**
 * The hypervisor on the stage (issue 4): a VM's vCPUs over the physical CPUs they run on, KVM's
 * objects, the virtual interrupts from KVM_IRQ_LINE or an irqfd to the ap_list, a list register and
 * the guest, the vCPU inspector, and the physical CPUs' lanes. The page is checked against the
 * engine, run here in Node from the same scenario file (e2e/fixtures/kvm-stage.json):
 *
 *  - at every event, forward and back: each vCPU's mode and pCPU, which vCPU each physical CPU
 *    runs, and where every virtual interrupt is (a list register the entry loaded, the guest that
 *    acknowledged it, or the ap_list), read from the engine's vgic and list registers;
 *  - at every entry into the guest: the vCPU inspector's list registers against the ones the
 *    engine's entry event says it loaded, and its ap_list against the engine's, in order;
 *  - the lanes: a guest interval starting at every entry, on the lane of its pCPU; a click seeks.
 *
 * A machine without VMs shows none of it. Screenshots: laptop and projector, light and dark.
 */

import { type Page } from '@playwright/test';
import { expect, position, SCREENS, test, THEMES } from './page-checks';
import { engineRun as run, fixture, openScenario } from './scenario-file';
import { type Machine } from '../engine';

const FILE = fixture('e2e/fixtures/kvm-stage.json');

const engineRun = (): Machine => run(FILE);

const open = (page: Page, at = 0): Promise<void> => openScenario(page, FILE, at);

interface Facts {
  vcpus: string[];
  cpus: string[];
  tokens: string[];
}

/** What the stage must show at every position, read from the engine's state. */
function expectedFacts(m: Machine): Facts[] {
  const out: Facts[] = [];
  for (let p = 0; p <= m.log.length; p++) {
    m.seek(p);
    const vm = m.s.kvm!.vms[0]!;
    const vcpus = vm.run.vcpus.map((r, v) => `vm0.vcpu${v}:${r.mode}@${r.pcpu}`);
    const cpus = m.s.gic.cpu.map((_, pcpu) => {
      const v = vm.run.pcpus[pcpu]!;
      return v >= 0 ? `cpu${pcpu}:vm0.vcpu${v}:${vm.run.vcpus[v]!.mode}` : `cpu${pcpu}:`;
    });
    const tokens: string[] = [];
    vm.vgic.vcpus.forEach((cpu, v) => {
      const inGuest = vm.run.vcpus[v]!.mode === 'guest';
      for (const intid of cpu.apList) {
        const n = inGuest ? cpu.v3.lrLo.findIndex((lo, i) => i < cpu.v3.usedLrs && lo === intid) : -1;
        if (n >= 0) {
          // The LR holds the truth while the guest runs: pending in the LR, active in the guest.
          const st = cpu.v3.lrHi[n]! >>> 30;
          if (st === 1) tokens.push(`${intid}@vm0.vcpu${v}/lr:pending`);
          else if (st === 2) tokens.push(`${intid}@vm0.vcpu${v}/guest:active`);
          else if (st === 3) tokens.push(`${intid}@vm0.vcpu${v}/guest:active+pending`);
          continue;
        }
        const irq = intid < 32 ? cpu.privateIrqs[intid]! : vm.vgic.dist.spis[intid - 32]!;
        const pending = irq.config === 1 ? irq.pendingLatch || irq.lineLevel : irq.pendingLatch;
        if (!pending && !irq.active) continue;
        const state = irq.active ? (pending ? 'active+pending' : 'active') : 'pending';
        tokens.push(`${intid}@vm0.vcpu${v}/aplist:${state}`);
      }
    });
    out.push({ vcpus, cpus, tokens: tokens.sort() });
  }
  return out;
}

/** The same facts, read off the stage's data attributes. */
async function shownFacts(page: Page): Promise<Facts> {
  const stage = page.getByTestId('stage');
  await expect(stage.locator('[data-token-leaving]')).toHaveCount(0);
  const vcpus = await stage
    .locator('[data-node^="vm0.vcpu"][data-mode]')
    .evaluateAll((els) =>
      els.map(
        (e) => `${e.getAttribute('data-node')}:${e.getAttribute('data-mode')}@${e.getAttribute('data-pcpu')}`,
      ),
    );
  const cpus = await stage
    .locator('[data-node^="cpu"][data-vcpu]')
    .evaluateAll((els) =>
      els.map(
        (e) =>
          `${e.getAttribute('data-node')}:${e.getAttribute('data-vcpu')}${e.getAttribute('data-vcpu') ? `:${e.getAttribute('data-vcpu-mode')}` : ''}`,
      ),
    );
  const tokens = await stage.locator('[data-token-id]').evaluateAll((els) =>
    els
      .filter((e) => (e.getAttribute('data-token-at') ?? '').startsWith('vm0.vcpu'))
      .map(
        (e) =>
          `${e.getAttribute('data-token-intid')}@${e.getAttribute('data-token-at')}:${e.getAttribute('data-token-state')}`,
      )
      .sort(),
  );
  return { vcpus, cpus: cpus.filter((c) => /^cpu\d+:/.test(c)), tokens };
}

test('the stage agrees with the engine at every event: vCPUs, their pCPUs, virtual interrupts', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const m = engineRun();
  const expected = expectedFacts(m);
  await open(page);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(
    'A guest takes three vSPIs through two list registers',
  );
  await expect(page.getByTestId('position')).toHaveAttribute('data-length', String(m.log.length));
  await page.getByTestId('granularity').selectOption('event');
  // The story is there: a list register held a vSPI, the guest had one active, one waited.
  const all = expected.flatMap((f) => f.tokens).join(' ');
  expect(all).toContain('/lr:pending');
  expect(all).toContain('/guest:active');
  expect(all).toContain('/aplist:pending');

  const check = async (p: number): Promise<void> => {
    await expect.poll(() => position(page)).toBe(p);
    expect(await shownFacts(page), `position ${p}`).toEqual(expected[p]);
  };
  await check(0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let p = 1; p < expected.length; p++) {
    await page.keyboard.press('ArrowRight');
    await check(p);
  }
  for (let p = expected.length - 2; p >= 0; p--) {
    await page.keyboard.press('ArrowLeft');
    await check(p);
  }
});

test('the vCPU inspector shows the list registers every entry loaded, and the ap_list in order', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const m = engineRun();
  const entries: { seq: number; vcpu: number; lrs: Record<string, number | boolean>[] }[] = [];
  for (let s = 0; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind !== 'vcpu.entry') continue;
    const d = e.data as { vcpu: number; lrs: Record<string, number | boolean>[] };
    if (d.lrs.length) entries.push({ seq: s, vcpu: d.vcpu, lrs: d.lrs });
  }
  expect(entries.length).toBeGreaterThanOrEqual(3);
  const STATES = ['invalid', 'pending', 'active', 'pending+active'];
  await open(page);
  for (const { seq, vcpu, lrs } of entries) {
    await page.getByTestId('tab-events').click();
    await page.getByTestId('event-log').locator(`tr[data-seq="${seq}"]`).click();
    await expect.poll(() => position(page)).toBe(seq + 1);
    // Clicking the vCPU's box opens its inspector.
    await page.getByTestId('stage').locator(`[data-node="vm0.vcpu${vcpu}"]`).click();
    const insp = page.getByTestId('vcpu-inspector');
    await expect(insp).toHaveAttribute('data-vcpu', String(vcpu));
    await expect(insp).toHaveAttribute('data-mode', 'guest');
    const rows = insp.getByTestId('vcpu-lrs').locator('tr[data-lr]');
    const shown = async () =>
      rows.evaluateAll((els) =>
        els
          .filter((e) => e.getAttribute('data-used') === 'true')
          .map((e) =>
            ['lr', 'state', 'vintid', 'pintid', 'priority', 'group', 'hw', 'eoi']
              .map((k) => e.getAttribute(`data-${k}`))
              .join(' '),
          ),
      );
    const want = lrs.map((l) =>
      [l.lr, STATES[l.state as number], l.vintid, l.pintid, l.priority, l.group, l.hw, l.eoi].join(' '),
    );
    await expect.poll(shown, { message: `entry at event ${seq}` }).toEqual(want);
    m.seek(seq + 1);
    const apList = m.s.kvm!.vms[0]!.vgic.vcpus[vcpu]!.apList.map(String);
    await expect
      .poll(() =>
        insp
          .getByTestId('vcpu-aplist')
          .locator('tr[data-intid]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-intid'))),
      )
      .toEqual(apList);
  }
  await page.screenshot({ path: test.info().outputPath('vcpu-inspector.png') });
});

test('the lanes: a guest interval from every entry on its pCPU, and a click seeks', async ({ page }) => {
  const m = engineRun();
  await open(page);
  const lanes = page.getByTestId('lanes');
  await expect(lanes).toHaveAttribute('data-lanes', '2');
  const segments = await lanes
    .locator('rect.lane-seg[data-mode="guest"]')
    .evaluateAll((els) =>
      els.map((e) => `${e.closest('[data-pcpu]')?.getAttribute('data-pcpu')}:${e.getAttribute('data-from')}`),
    );
  const entries: string[] = [];
  for (let s = 0; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind === 'vcpu.entry') entries.push(`${e.cpu}:${s + 1}`);
  }
  expect(segments.sort()).toEqual(entries.sort());
  await expect(lanes.locator('path.lane-tick.entry')).toHaveCount(entries.length);
  // Both physical CPUs ran vCPU 0 at some point (it was pinned to pCPU 0 in the last step).
  const pcpus = await lanes
    .locator('rect.lane-seg[data-vcpu="0"]')
    .evaluateAll((els) => [...new Set(els.map((e) => e.closest('[data-pcpu]')?.getAttribute('data-pcpu')))]);
  expect(pcpus.sort()).toEqual(['0', '1']);
  // A click three quarters of the way along goes three quarters of the way through the history.
  const box = (await lanes.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.75, box.y + 4);
  await expect.poll(() => position(page)).toBeGreaterThanOrEqual(Math.floor(m.log.length * 0.75) - 1);
  expect(await position(page)).toBeLessThanOrEqual(Math.ceil(m.log.length * 0.75) + 1);
  await expect(lanes.locator('line.strip-now')).toHaveAttribute(
    'data-position',
    String(await position(page)),
  );
});

test('a machine without VMs shows no band, no lanes and no vCPU tab', async ({ page }) => {
  await page.goto('/?scenario=track2/2.2-map-and-fire.json');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  await expect(page.getByTestId('stage').locator('[data-node="cpu0"]')).toBeVisible();
  await expect(page.getByTestId('stage').locator('[data-node^="vm"]')).toHaveCount(0);
  await expect(page.getByTestId('stage').locator('.stage-link')).toHaveCount(0);
  await expect(page.getByTestId('lanes')).toHaveCount(0);
  await expect(page.getByTestId('tab-vcpus')).toHaveCount(0);
  await expect(page.getByTestId('stage').locator('[data-node="cpu0"]')).not.toHaveAttribute(
    'data-vcpu',
    /.*/,
  );
});

test('the hypervisor band on a laptop and on a projector, light and dark', async ({ page }) => {
  test.setTimeout(120_000);
  const m = engineRun();
  // An entry that loaded two LRs and left the third SPI on the ap_list.
  let at = 0;
  for (let s = 0; s < m.log.length && !at; s++) {
    const d = m.log.get(s)!.data as { notLoaded?: number[] };
    if (m.log.get(s)!.kind === 'vcpu.entry' && d.notLoaded?.length) at = s + 1;
  }
  expect(at).toBeGreaterThan(0);
  for (const [w, h] of SCREENS) {
    for (const theme of THEMES) {
      await page.setViewportSize({ width: w, height: h });
      await open(page, at);
      await page.getByTestId('theme').selectOption(theme);
      const stage = page.getByTestId('stage');
      await expect(stage.locator('[data-token-at="vm0.vcpu0/lr"]')).toHaveCount(2);
      await expect(stage.locator('[data-token-at="vm0.vcpu0/aplist"]')).toHaveCount(1);
      await expect(stage.locator('[data-link="vm0.vcpu0>cpu1"]')).toHaveAttribute('data-mode', 'guest');
      await page.getByTestId('stage').locator('[data-node="vm0.vcpu0"]').click();
      await expect(page.getByTestId('vcpu-inspector')).toHaveAttribute('data-vcpu', '0');
      await page.screenshot({ path: test.info().outputPath(`kvm-stage-${w}x${h}-${theme}.png`) });
    }
  }
  // The eventfd written by the VMM, on its way through KVM's irqfd: one step later it is the vSPI
  // its GSI routes to, on the ap_list (the same token).
  let write = 0;
  for (let s = 0; s < m.log.length && !write; s++)
    if (m.log.get(s)!.kind === 'vmm.eventfd-write') write = s + 1;
  await open(page, write);
  const stage = page.getByTestId('stage');
  const fd = stage.locator('[data-token-kind="eventfd"]');
  await expect(fd).toHaveAttribute('data-token-at', 'vm0/irqfd');
  const id = await fd.getAttribute('data-token-id');
  await page.screenshot({ path: test.info().outputPath('kvm-stage-eventfd.png') });
  await page.getByTestId('step-forward').click();
  await expect(stage.locator(`[data-token-id="${id}"]`)).toHaveAttribute('data-token-at', 'vm0.vcpu0/aplist');
  await expect(stage.locator(`[data-token-id="${id}"]`)).toHaveAttribute('data-token-intid', '35');
  await expect(stage.locator('[data-node="vm0/routing"]')).toHaveAttribute('data-focus', 'true');
});
