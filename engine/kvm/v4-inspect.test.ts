import { describe, expect, it } from 'vitest';
import './kvm-extension';
import { memReadU8 } from '../mem/memory';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import { fire, v4Machine } from './v4-fixture';
import { inspectV4, modelledPaths, rdbaseCpu, residentVpeOn, vpeSummaries, type V4View } from './v4-inspect';
import { VFIO_SOFTWARE_PATH_DEFAULT_NS } from './cost-model';

const view = (m: Machine, vm = 0): V4View => {
  const v = inspectV4(m, vm);
  if (!v.ok) throw new Error(v.error);
  return v;
};

const field = (v: V4View['vpes'][number]['vpendbaser'], name: string): number | undefined =>
  v.fields.find((f) => f.name === name)?.value;

/** The vINTIDs set in a VPT, read byte by byte from memory (the truth the view must match). */
function vptBits(m: Machine, vpt: number): number[] {
  const out: number[] = [];
  for (let byte = 8192 / 8; byte < 65536 / 8; byte++) {
    const b = memReadU8(m.s.mem, vpt + byte);
    for (let bit = 0; bit < 8; bit++) if ((b >> bit) & 1) out.push(byte * 8 + bit);
  }
  return out;
}

/** Runs `m` one event at a time until an event of `kind` has run; returns it. */
function runTo(m: Machine, kind: string, budget = 5000) {
  for (let i = 0; i < budget; i++) {
    const e = m.step();
    if (!e) break;
    if (e.kind === kind) return e;
  }
  throw new Error(`no ${kind} within ${budget} events`);
}

describe('GICv4 inspection (v4-inspect.ts)', () => {
  it("shows each vCPU's vPE where it is resident, with VPENDBASER decoded in the GICv4.0 layout", () => {
    const m = v4Machine();
    const v = view(m);
    expect(v.gic).toBe('4.0');
    expect(v.enabled).toBe(true);
    expect(v.initialised).toBe(true);
    expect(v.problem).toBeUndefined();
    expect(v.vpes.map((p) => p.vpeid)).toEqual([0, 1]);
    // Both vCPUs spin in the guest, pinned 1:1: each vPE is resident on its own pCPU's redistributor.
    for (const p of v.vpes) {
      expect(p.residentOn).toEqual([p.vcpu]);
      expect(p.resident).toBe(true);
      expect(p.vcpuMode).toBe('guest');
      expect(p.vpendbaser.rd).toBe(p.vcpu);
      expect(field(p.vpendbaser, 'Valid')).toBe(1);
      expect(field(p.vpendbaser, 'Dirty')).toBe(0);
      // GICv4.0 names the vPE by its VPT (64 KiB units).
      expect(field(p.vpendbaser, 'Physical_Address')! * 0x10000).toBe(p.vpt);
      expect(p.vpendbaser.fields.some((f) => f.name === 'vPEID')).toBe(false);
      expect(BigInt(p.vpendbaser.value)).toBe(m.s.gic.rd[p.vcpu]!.vpendbaser);
      expect(field(p.vpropbaser, 'Physical_Address')! * 0x1000).toBe(v.vprop);
      expect(field(p.vpropbaser, 'IDbits')).toBe(15);
    }
    // The GIC's view and the stage's summary agree.
    expect(residentVpeOn(m, 1)).toMatchObject({ vm: 0, vcpu: 1, vpeid: 1, dirty: false });
    expect(vpeSummaries(m).map((s) => `${s.vcpu}@${s.residentOn.join()}`)).toEqual(['0@0', '1@1']);
  });

  it('lists the forwarded LPI with its host event, and the VFIO vector that feeds it', () => {
    const m = v4Machine();
    const v = view(m);
    const lpi = v.lpis.find((l) => l.vintid === 8192)!;
    expect(lpi).toMatchObject({
      vcpu: 1,
      vpeid: 1,
      forwarded: true,
      host: { its: 0, devid: 16, eventid: 0, intid: 8200, ite: 'vlpi' },
      guest: { its: 0, devid: 16, eventid: 0 },
      fd: 3,
      pending: false,
    });
    expect(v.vectors).toEqual([{ device: 'nic0', vector: 0, hostIntid: 8200, fd: 3, vintid: 8192 }]);
    // The host ITS's vPE table holds both vPEs, each mapped to its vCPU's pCPU.
    expect(v.vpeTables).toHaveLength(1);
    expect(v.vpeTables[0]!.rows.map((r) => [r.vpeid, r.target, r.vpt])).toEqual(
      v.vpes.map((p) => [p.vpeid, p.pcpu, p.vpt]),
    );
  });

  it("holds the vLPI in the blocked vCPU's VPT from the moment it is recorded until the guest takes it", () => {
    const m = v4Machine({ idle: 'wfi' });
    m.run({ until: m.time + 100_000 });
    expect(view(m).vpes[1]!.residentOn).toEqual([]);
    expect(view(m).vpes[1]!.vcpuMode).toBe('blocked');
    m.input({ kind: 'msi', device: 'nic0', rid: 0x10, devid: 0x10, its: 0, eventid: 0 });
    const rec = runTo(m, 'gicr.vlpi');
    expect((rec.data as { done: string }).done).toBe('recorded');
    const vpe = view(m).vpes[1]!;
    expect(vpe.pending).toEqual([8192]);
    expect(vpe.pending).toEqual(vptBits(m, vpe.vpt));
    expect(view(m).lpis.find((l) => l.vintid === 8192)!.pending).toBe(true);
    // Not resident: the registers shown are those of the redistributor that hosts it (Valid 0).
    expect(vpe.vpendbaser.rd).toBe(1);
    expect(field(vpe.vpendbaser, 'Valid')).toBe(0);
    // The doorbell rings, the vCPU wakes: resident again, and once acknowledged the bit is gone.
    runTo(m, 'gicr.vpe');
    expect(view(m).vpes[1]!.residentOn).toEqual([1]);
    runTo(m, 'icv.ack');
    expect(view(m).vpes[1]!.pending).toEqual([]);
    expect(vptBits(m, vpe.vpt)).toEqual([]);
  });

  it('reads without side effects: the log and the state stay as they were', () => {
    const m = v4Machine();
    fire(m);
    const before = m.snapshot();
    const seq = m.log.length;
    view(m);
    vpeSummaries(m);
    residentVpeOn(m, 0);
    modelledPaths(m);
    expect(m.log.length).toBe(seq);
    expect(m.snapshot()).toBe(before);
  });

  it('decodes VPENDBASER in the GICv4.1 layout (vPEID) on a GICv4.1 host', () => {
    const m = v4Machine({ gic: 4.1 });
    const v = view(m);
    expect(v.gic).toBe('4.1');
    const p = v.vpes[1]!;
    expect(p.residentOn).toEqual([1]);
    expect(field(p.vpendbaser, 'vPEID')).toBe(p.vpeid);
    expect(field(p.vpendbaser, 'Valid')).toBe(1);
    expect(p.vpendbaser.fields.some((f) => f.name === 'IDAI')).toBe(false);
  });

  it('the modelled paths: the cost model with the defaults (direct far below software)', () => {
    const m = v4Machine();
    const p = modelledPaths(m);
    expect(p.software.totalNs).toBe(VFIO_SOFTWARE_PATH_DEFAULT_NS);
    expect(p.direct.hops.map((h) => h.key)).toEqual([
      'deviceMsiWrite',
      'hostItsTranslate',
      'gicv4VlpiDeliver',
      'guestIrqTake',
      'icvIar',
    ]);
    expect(p.direct.totalNs).toBe(p.direct.hops.reduce((a, h) => a + h.ns, 0));
    expect(p.direct.totalNs).toBeLessThan(p.software.totalNs / 10);
  });

  it('maps an RDbase field to its pCPU, and says -1 for one that names none', () => {
    const m = v4Machine();
    expect([0, 1].map((c) => rdbaseCpu(m, 0, c))).toEqual([0, 1]);
    expect(rdbaseCpu(m, 0, 7)).toBe(-1);
    expect(rdbaseCpu(m, 3, 0)).toBe(-1);
  });

  it('says why there are no vPEs: a GICv3 host, a VM that turned GICv4 off, a machine without VMs', () => {
    const v3 = resolveMachine({ profile: 'spec', gic: 3, cpus: 2, vms: [{ vcpus: 1 }] });
    if (!v3.ok) throw new Error(v3.problems.join());
    const a = view(Machine.create(v3.machine));
    expect(a.gic).toBeNull();
    expect(a.vpes).toEqual([]);
    expect(a.problem).toMatch(/GICv3/);
    const off = view(v4Machine({ gicv4: false }));
    expect(off.enabled).toBe(false);
    expect(off.problem).toMatch(/gicv4: false/);
    expect(off.lpis.find((l) => l.vintid === 8192)?.forwarded).toBe(false);
    expect(off.vectors[0]!.vintid).toBeNull();
    const flat = resolveMachine({ profile: 'spec', cpus: 1 });
    if (!flat.ok) throw new Error(flat.problems.join());
    expect(inspectV4(Machine.create(flat.machine), 0)).toEqual({
      ok: false,
      error: 'this machine runs no VMs',
    });
    const two = inspectV4(v4Machine(), 2);
    expect(two.ok).toBe(false);
    expect(!two.ok && two.error).toMatch(/no VM 2/);
  });
});
