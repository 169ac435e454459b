/**
 * Every view agrees with the engine at every step: "Map and fire" and "Why INV exists" are stepped
 * through one event at a time, forward to the end and back to the start, and at each position what
 * the page shows (the stage's data attributes) is compared with the engine itself, run here in
 * Node from the same scenario file: each CPU interface's running priority and highest pending
 * interrupt, which interrupts each CPU has pending or active and where, and the ITS command
 * queue's read and write pointers. The page gets its state through the worker, the stage model and
 * d3; this test reads the engine directly, so any disagreement on the way shows. At the end of
 * every scenario step the inspectors are compared the same way: each CPU interface's priorities
 * and highest pending interrupt, and each redistributor's LPIs that are pending or whose cached
 * configuration differs from memory (the reason INV exists).
 */

import { readFileSync } from 'node:fs';
import { type Page } from '@playwright/test';
import { expect, position, test } from './page-checks';
import {
  inspectCpu,
  inspectRedistributor,
  loadScenario,
  readRegister,
  ScenarioRun,
  type Machine,
} from '../engine';

interface Expected {
  cpus: { rpr: string; hppi: string; irqs: string[] }[];
  queue?: { creadr: string; cwriter: string };
}

/** What the stage must show at every position, computed by the engine. */
function expectedViews(file: string): Expected[] {
  const r = loadScenario(readFileSync(`public/scenarios/${file}`, 'utf8'), file);
  if (!r.ok) throw new Error(`${file} does not load`);
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  const m: Machine = run.machine;
  const out: Expected[] = [];
  for (let p = 0; p <= m.log.length; p++) {
    m.seek(p);
    const cpus = r.scenario.machine.gic.affinity.map((_, cpu) => {
      const v = inspectCpu(m, cpu);
      if (!v.ok) throw new Error(v.error);
      return {
        rpr: String(v.runningPriority),
        hppi: String(v.hppi?.intid ?? 1023),
        irqs: v.interrupts
          .map((i) => `${i.intid}:${i.state === 'active and pending' ? 'active+pending' : i.state}`)
          .sort(),
      };
    });
    const slot = (name: string): string => {
      const reg = readRegister(m, 'its0', name);
      if (!reg.ok) throw new Error(reg.error);
      // Bits [19:5] hold the offset in 32-byte commands.
      return String(Number((BigInt(reg.value) >> 5n) & 0x7fffn));
    };
    out.push({
      cpus,
      ...(r.scenario.machine.its.length
        ? { queue: { creadr: slot('GITS_CREADR'), cwriter: slot('GITS_CWRITER') } }
        : {}),
    });
  }
  return out;
}

/** The same facts, read off the page. */
async function shown(page: Page, cpus: number, hasIts: boolean): Promise<Expected> {
  const stage = page.getByTestId('stage');
  await expect(stage.locator('[data-token-leaving]')).toHaveCount(0);
  const out: Expected = { cpus: [] };
  for (let cpu = 0; cpu < cpus; cpu++) {
    const cpuif = stage.locator(`[data-node="cpuif${cpu}"]`);
    const irqs = await stage.locator(`[data-token-id]:not([data-token-state="travelling"])`).evaluateAll(
      (els, n) =>
        els
          .filter(
            (e) => /^(rd|cpuif|cpu)(\d+)$/.exec(e.getAttribute('data-token-at') ?? '')?.[2] === String(n),
          )
          .map((e) => `${e.getAttribute('data-token-intid')}:${e.getAttribute('data-token-state')}`)
          .sort(),
      cpu,
    );
    out.cpus.push({
      rpr: String(Number(await cpuif.getAttribute('data-rpr'))),
      hppi: String(Number(await cpuif.getAttribute('data-hppi'))),
      irqs,
    });
  }
  if (hasIts) {
    const q = stage.locator('[data-node="its0/queue"]');
    out.queue = {
      creadr: (await q.getAttribute('data-creadr')) ?? '',
      cwriter: (await q.getAttribute('data-cwriter')) ?? '',
    };
  }
  return out;
}

for (const [title, file] of [
  ['Map and fire', 'track2/2.2-map-and-fire.json'],
  ['Why INV exists', 'track2/2.3-why-inv-exists.json'],
] as const) {
  test(`${title}: the stage agrees with the engine at every event, forward and back`, async ({ page }) => {
    test.setTimeout(180_000);
    const expected = expectedViews(file);
    const cpus = expected[0]!.cpus.length;
    const hasIts = expected[0]!.queue !== undefined;
    await page.goto(`/?scenario=${file}`);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(title);
    await expect(page.getByTestId('position')).toHaveAttribute('data-length', String(expected.length - 1));
    await page.getByTestId('granularity').selectOption('event');

    const check = async (p: number): Promise<void> => {
      await expect.poll(() => position(page)).toBe(p);
      expect(await shown(page, cpus, hasIts), `position ${p}`).toEqual(expected[p]);
    };
    await check(0);
    for (let p = 1; p < expected.length; p++) {
      await page.keyboard.press('ArrowRight');
      await check(p);
    }
    for (let p = expected.length - 2; p >= 0; p--) {
      await page.keyboard.press('ArrowLeft');
      await check(p);
    }
  });
}

interface InspectorFacts {
  cpus: { pmr: string; rpr: string; hppi: string }[];
  /** Per redistributor: the LPIs that are pending or differ, as `intid:differs:pending`. */
  rds: string[][];
}

const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

/** The inspectors' facts at every step boundary, from the engine. */
function expectedInspectors(file: string): Map<number, InspectorFacts> {
  const r = loadScenario(readFileSync(`public/scenarios/${file}`, 'utf8'), file);
  if (!r.ok) throw new Error(`${file} does not load`);
  const run = new ScenarioRun(r.scenario);
  const report = run.runAll();
  const m: Machine = run.machine;
  const out = new Map<number, InspectorFacts>();
  for (const p of new Set(report.steps.map((st) => st.to))) {
    m.seek(p);
    const n = r.scenario.machine.gic.affinity.length;
    const cpus = Array.from({ length: n }, (_, cpu) => {
      const v = inspectCpu(m, cpu);
      if (!v.ok) throw new Error(v.error);
      return {
        pmr: hex2(v.pmr),
        rpr: hex2(v.runningPriority),
        hppi: v.hppi ? `${v.hppi.intid} @ ${hex2(v.hppi.priority)}` : 'none',
      };
    });
    const rds = Array.from({ length: n }, (_, cpu) => {
      const v = inspectRedistributor(m, cpu);
      if (!v.ok) throw new Error(v.error);
      return v.lpis.filter((l) => l.pending || l.differs).map((l) => `${l.intid}:${l.differs}:${l.pending}`);
    });
    out.set(p, { cpus, rds });
  }
  return out;
}

/** The same facts, read off the CPU interfaces and Redistributors tabs. */
async function shownInspectors(page: Page, n: number): Promise<InspectorFacts> {
  await page.getByTestId('tab-cpus').click();
  const cpus: InspectorFacts['cpus'] = [];
  for (let cpu = 0; cpu < n; cpu++) {
    const card = page.locator(`[data-testid="cpu-card"][data-cpu="${cpu}"]`);
    const field = (f: string) => card.locator(`[data-field="${f}"]`).getAttribute('data-value');
    cpus.push({
      pmr: (await field('pmr')) ?? '',
      rpr: (await field('rpr')) ?? '',
      hppi: (await field('hppi')) ?? '',
    });
  }
  await page.getByTestId('tab-redistributors').click();
  const rds: string[][] = [];
  for (let cpu = 0; cpu < n; cpu++) {
    await page.getByTestId('rd-select').selectOption(String(cpu));
    await expect(page.getByTestId('rd-inspector')).toHaveAttribute('data-cpu', String(cpu));
    rds.push(
      await page
        .getByTestId('rd-lpis')
        .locator('tr[data-intid]')
        .evaluateAll((rows) =>
          rows
            .filter(
              (r) => r.getAttribute('data-pending') === 'true' || r.getAttribute('data-differs') === 'true',
            )
            .map(
              (r) =>
                `${r.getAttribute('data-intid')}:${r.getAttribute('data-differs')}:${r.getAttribute('data-pending')}`,
            ),
        ),
    );
  }
  return { cpus, rds };
}

for (const [title, file] of [
  ['Map and fire', 'track2/2.2-map-and-fire.json'],
  ['Why INV exists', 'track2/2.3-why-inv-exists.json'],
] as const) {
  test(`${title}: the CPU and redistributor inspectors agree with the engine at every step`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const expected = expectedInspectors(file);
    const n = expected.values().next().value!.cpus.length;
    await page.goto(`/?scenario=${file}`);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(title);
    const length = Number(await page.getByTestId('position').getAttribute('data-length'));
    for (let p = 0; p < length;) {
      // A form field that kept the focus would take the key (shortcuts ignore typing).
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press(']');
      await expect.poll(() => position(page)).toBeGreaterThan(p);
      p = await position(page);
      const want = expected.get(p);
      expect(want, `position ${p} is a step boundary`).toBeDefined();
      await expect.poll(() => shownInspectors(page, n), { message: `position ${p}` }).toEqual(want);
    }
  });
}
