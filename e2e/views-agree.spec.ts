/**
 * Every view agrees with the engine at every step: "Map and fire" and "Why INV exists" are stepped
 * through one event at a time, forward to the end and back to the start, and at each position what
 * the page shows (the stage's data attributes) is compared with the engine itself, run here in
 * Node from the same scenario file: each CPU interface's running priority and highest pending
 * interrupt, which interrupts each CPU has pending or active and where, and the ITS command
 * queue's read and write pointers. The page gets its state through the worker, the stage model and
 * d3; this test reads the engine directly, so any disagreement on the way shows.
 */

import { readFileSync } from 'node:fs';
import { type Page } from '@playwright/test';
import { expect, position, test } from './page-checks';
import { inspectCpu, loadScenario, readRegister, ScenarioRun, type Machine } from '../engine';

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
