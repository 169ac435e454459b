import { describe, expect, it } from 'vitest';
import { resolveMachine } from './machine-config';

describe('machine description: where the register frames go', () => {
  it('puts ITS 0 where QEMU virt has it and further ITSs after the last redistributor', () => {
    for (const [cpus, gic, second] of [
      [2, 3, 0x080e_0000],
      [64, 3, 0x088a_0000],
      [8, 4, 0x082a_0000],
    ] as const) {
      const r = resolveMachine({ cpus, gic, its: [{}, {}, {}] });
      expect(r.ok, `${cpus} PEs, GICv${gic}`).toBe(true);
      if (!r.ok) continue;
      expect(r.machine.its.map((c) => c.base)).toEqual([0x0808_0000, second, second + 0x20000]);
    }
  });

  it('refuses frames that overlap, naming both', () => {
    const r = resolveMachine({ cpus: 4, its: [{}, { base: 0x080c_0000 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(['its[1] at 0x80c0000 overlaps the redistributors (0x80a0000..0x811ffff)']);
    const d = resolveMachine({ cpus: 1, its: [{ base: 0x0800_0000 }] });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.problems[0]).toMatch(/^its\[0\] at 0x8000000 overlaps the distributor/);
  });
});
