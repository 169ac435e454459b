import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GIC_TIMING } from '../gic/gic-machine';
import { DEFAULT_ITS_TIMING } from '../its/its-machine';
import { DEFAULT_SOFTWARE_TIMING } from '../platform/software';
import {
  COST_DEFAULTS,
  COST_REFERENCES,
  costEntry,
  costModelFrom,
  cyclesToNs,
  GICV4_DIRECT_PATH,
  GICV4_DOORBELL_PATH,
  pathCost,
  SOURCE_CLOCK_GHZ,
  VFIO_SOFTWARE_PATH_DEFAULT_NS,
  vfioSoftwarePath,
} from './cost-model';

const defaults = costModelFrom().model;

describe('COST_DEFAULTS', () => {
  it('has unique keys, finite non-negative ns, a meaning and a source for every entry', () => {
    const keys = COST_DEFAULTS.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of COST_DEFAULTS) {
      expect(e.key).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(Number.isFinite(e.ns) && e.ns >= 0, e.key).toBe(true);
      expect(e.meaning.length, e.key).toBeGreaterThan(10);
      expect(e.source.length, e.key).toBeGreaterThan(10);
      expect(['cited', 'derived', 'assumption']).toContain(e.kind);
    }
  });

  it('cites a publication for every cited or derived entry, and converts cycles at the documented clock', () => {
    for (const e of COST_DEFAULTS) {
      if (e.kind === 'assumption') {
        expect(e.cycles, e.key).toBeUndefined();
        continue;
      }
      expect(e.source, e.key).toMatch(/ISCA 2016|Upton/);
      if (e.cycles !== undefined) expect(e.ns, e.key).toBe(Math.round(e.cycles / SOURCE_CLOCK_GHZ));
    }
    expect(SOURCE_CLOCK_GHZ).toBe(2.4);
    expect(cyclesToNs(2400)).toBe(1000);
  });

  it('splits the ISCA 2016 figures without losing cycles', () => {
    const c = (k: string) => costEntry(k)?.cycles ?? NaN;
    expect(c('guestExit') + c('guestEntry')).toBe(6500);
    expect(c('icvIar') + c('icvEoir')).toBe(71);
    expect(c('trapEmulate')).toBe(7370 - 6500);
    expect(costEntry('vitsInject')?.ns).toBe(Math.round(1e9 / 1362602));
  });

  it('mirrors the physical model for the host hops, so both paths use one ruler', () => {
    expect(defaults.deviceMsiWrite).toBe(DEFAULT_ITS_TIMING.msi);
    expect(defaults.hostItsTranslate).toBe(DEFAULT_ITS_TIMING.cacheLookup + 3 * DEFAULT_ITS_TIMING.tableRead);
    expect(defaults.hostLpiDeliver).toBe(DEFAULT_GIC_TIMING.lpi);
    expect(defaults.hostIrqEntry).toBe(DEFAULT_SOFTWARE_TIMING.entry);
    expect(defaults.vfioHandler).toBe(DEFAULT_SOFTWARE_TIMING.handler);
  });

  it('is sane: guest ack and EOI (no trap) are far cheaper than a world switch; a trap costs more than a hypercall', () => {
    const d = defaults as Record<string, number>;
    expect(d.icvIar! + d.icvEoir!).toBeLessThan(d.guestExit! / 10);
    expect(d.guestExit! + d.guestEntry! + d.trapEmulate!).toBeGreaterThan(COST_REFERENCES.hypercall.ns);
    expect(d.lrFlush!).toBeLessThan(d.vgicFlushBase! + d.guestEntry!);
    expect(d.vgicQueue!).toBeLessThan(d.vitsInject!);
  });

  it('keeps the irqfd-to-guest part of the software path within 30% of the ISCA 2016 I/O Latency In', () => {
    const path = vfioSoftwarePath();
    const from = path.indexOf('eventfdSignal');
    const part = pathCost(defaults, path.slice(from)).totalNs;
    const ref = COST_REFERENCES.ioLatencyIn.ns;
    expect(ref).toBe(5780);
    expect(part / ref).toBeGreaterThan(0.7);
    expect(part / ref).toBeLessThan(1.3);
  });
});

describe('costModelFrom', () => {
  it('applies kvm.* overrides (zero included) and ignores other prefixes', () => {
    const r = costModelFrom({ 'kvm.guestExit': 400, 'kvm.kickIpi': 0, 'its.msi': 999, 'sw.entry': -5 });
    expect(r.problems).toEqual([]);
    expect(r.model.guestExit).toBe(400);
    expect(r.model.kickIpi).toBe(0);
    expect(r.model.guestEntry).toBe(defaults.guestEntry);
    expect(r.model.deviceMsiWrite).toBe(defaults.deviceMsiWrite);
  });

  it('reports unknown, negative, non-finite and non-number overrides by name and keeps the default', () => {
    const r = costModelFrom({
      'kvm.warpDrive': 1,
      'kvm.guestExit': -1,
      'kvm.guestEntry': Infinity,
      'kvm.kickIpi': NaN,
      'kvm.lrFlush': '30' as unknown as number,
    });
    expect(r.problems).toEqual([
      'kvm.warpDrive: unknown cost key',
      'kvm.guestExit: negative (-1)',
      'kvm.guestEntry: not finite (Infinity)',
      'kvm.kickIpi: not finite (NaN)',
      'kvm.lrFlush: not a number (string)',
    ]);
    expect(r.model).toEqual(defaults);
    expect(r.model.warpDrive).toBeUndefined();
  });

  it('does not take inherited names as keys', () => {
    expect(costModelFrom({ 'kvm.toString': 5, 'kvm.__proto__': 5 }).problems).toHaveLength(2);
  });

  it('never throws and keeps every value finite and non-negative (property)', () => {
    const keys = [...COST_DEFAULTS.map((e) => `kvm.${e.key}`), 'kvm.nope', 'gic.lpi'];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.double(), fc.integer(), fc.string())),
        (o) => {
          const r = costModelFrom(o);
          for (const e of COST_DEFAULTS) {
            const v = r.model[e.key]!;
            expect(Number.isFinite(v) && v >= 0).toBe(true);
          }
          const ours = Object.keys(o).filter((k) => k.startsWith('kvm.'));
          const applied = ours.filter((k) => r.model[k.slice(4)] === o[k] && typeof o[k] === 'number');
          expect(r.problems.length + applied.length).toBeGreaterThanOrEqual(ours.length);
        },
      ),
    );
  });
});

describe('pathCost', () => {
  it('sums hops with a per-hop breakdown and start times', () => {
    const r = pathCost(defaults, ['guestExit', { key: 'lrFold', times: 3 }, 'guestEntry']);
    expect(r.problems).toEqual([]);
    expect(r.hops.map((h) => [h.key, h.times, h.ns, h.at])).toEqual([
      ['guestExit', 1, 1354, 0],
      ['lrFold', 3, 90, 1354],
      ['guestEntry', 1, 1354, 1444],
    ]);
    expect(r.totalNs).toBe(2798);
    expect(r.hops[0]!.meaning).toContain('world switch out');
  });

  it('names and skips unknown keys and bad counts', () => {
    const r = pathCost(defaults, [
      'nope',
      { key: 'lrFlush', times: -1 },
      { key: 'lrFlush', times: 1.5 },
      'icvIar',
    ]);
    expect(r.problems).toEqual([
      'hop 0 (nope): unknown cost key',
      'hop 1 (lrFlush): bad count -1',
      'hop 2 (lrFlush): bad count 1.5',
    ]);
    expect(r.totalNs).toBe(defaults.icvIar);
  });

  it('is empty for an empty path, and additive over concatenation (property)', () => {
    expect(pathCost(defaults, [])).toEqual({ totalNs: 0, hops: [], problems: [] });
    const keys = COST_DEFAULTS.map((e) => e.key);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...keys)), fc.array(fc.constantFrom(...keys)), (a, b) => {
        expect(pathCost(defaults, [...a, ...b]).totalNs).toBe(
          pathCost(defaults, a).totalNs + pathCost(defaults, b).totalNs,
        );
      }),
    );
  });

  it('follows overrides', () => {
    const { model } = costModelFrom({ 'kvm.guestExit': 100, 'kvm.guestEntry': 100 });
    expect(pathCost(model, ['guestExit', 'guestEntry']).totalNs).toBe(200);
  });
});

describe('the software VFIO path', () => {
  it('totals as documented: device → host ITS → handler → eventfd → irqfd → vITS → kick → exit → entry → IAR', () => {
    const r = pathCost(defaults, vfioSoftwarePath());
    expect(r.problems).toEqual([]);
    expect(r.totalNs).toBe(VFIO_SOFTWARE_PATH_DEFAULT_NS);
    expect(r.totalNs).toBe(5222);
    expect(r.hops.map((h) => h.key)).toEqual([
      'deviceMsiWrite',
      'hostItsTranslate',
      'hostLpiDeliver',
      'hostIrqEntry',
      'vfioHandler',
      'eventfdSignal',
      'irqfdWakeup',
      'vitsInject',
      'kickIpi',
      'guestExit',
      'exitHandleIrq',
      'vgicSyncBase',
      'lrFold',
      'vgicFlushBase',
      'lrFlush',
      'guestEntry',
      'guestIrqTake',
      'icvIar',
    ]);
    const last = r.hops[r.hops.length - 1]!;
    expect(last.at + last.ns).toBe(r.totalNs);
  });

  it('grows by the per-LR costs with the LRs in use', () => {
    const base = pathCost(defaults, vfioSoftwarePath()).totalNs;
    expect(pathCost(defaults, vfioSoftwarePath(2, 4)).totalNs).toBe(
      base + 2 * defaults.lrFold! + 3 * defaults.lrFlush!,
    );
  });

  it('is dominated by the world switches, and the GICv4 direct path is far shorter', () => {
    const sw = pathCost(defaults, vfioSoftwarePath()).totalNs;
    expect(defaults.guestExit! + defaults.guestEntry!).toBeGreaterThan(sw / 2);
    const v4 = pathCost(defaults, GICV4_DIRECT_PATH);
    expect(v4.problems).toEqual([]);
    expect(v4.totalNs).toBe(200);
    expect(v4.totalNs * 10).toBeLessThan(sw);
  });

  it('matches the table and total in docs/kvm-vgic.md', () => {
    const doc = readFileSync(new URL('../../docs/kvm-vgic.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Cost model'));
    expect(section.length).toBeGreaterThan(100);
    for (const e of COST_DEFAULTS) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`kvm.${e.key}\``));
      expect(row, e.key).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[2], e.key).toBe(String(e.ns));
      expect(cells[4], e.key).toBe(e.kind);
    }
    expect(section).toContain(`**${VFIO_SOFTWARE_PATH_DEFAULT_NS} ns**`);
  });
});

describe('the GICv4 doorbell path', () => {
  it('costs the wake-up and the load on top of the direct path, and stays below the software path', () => {
    const defaults = costModelFrom({}).model;
    const direct = pathCost(defaults, GICV4_DIRECT_PATH).totalNs;
    const doorbell = pathCost(defaults, GICV4_DOORBELL_PATH).totalNs;
    expect(doorbell).toBeGreaterThan(direct + defaults.wfiWake! + defaults.gicv4Doorbell!);
    // A blocked vCPU: what the software path would cost with its own wake-up (no IPI, no exit).
    expect(doorbell).toBeLessThan(pathCost(defaults, vfioSoftwarePath()).totalNs + defaults.wfiWake!);
  });
});
