import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessWidth } from '../gic/registers';
import { clonePlain, decodePlain, encodePlain } from '../sim/plain-codec';
import { checkApLists, kvmVgicInjectIrq, vgicPruneApList, vgicQueueIrq } from './ap-list';
import { configure, physLines, testVm } from './vgic-fixture';
import { NO_VCPU, VGIC_CONFIG_EDGE, VGIC_CONFIG_LEVEL, type VgicIrq } from './vgic-irq';
import {
  findVgicRegister,
  vgicAccessHaltsGuest,
  vgicDistAccess,
  vgicRedistAccess,
  VGICD_REGISTERS,
  VGICR_REGISTERS,
  type VgicMmioContext,
  type VgicMmioResult,
} from './vgic-mmio';
import {
  createVgicState,
  defaultVgicConfig,
  vgicAddLpi,
  vgicGetIrq,
  VGIC_INITIAL_LPI_BASER,
  type VgicConfig,
  type VgicState,
} from './vgic-state';

// ---- helpers ------------------------------------------------------------------------------------

const ctxOf = (vgic: VgicState, phys?: VgicMmioContext['phys']): VgicMmioContext => ({ vgic, phys });

function where(name: string): { frame: 'gicd' | 'gicr'; offset: number; size: 4 | 8 } {
  const r = findVgicRegister(name);
  if (!r) throw new Error(`no register ${name}`);
  return r;
}

/** A guest access by register name: GICD registers by vCPU `vcpu`, GICR ones to `vcpu`'s frame. */
function acc(
  ctx: VgicMmioContext,
  name: string,
  write: boolean,
  value = 0n,
  vcpu = 0,
  width?: AccessWidth,
  accessor?: number,
): VgicMmioResult {
  const r = where(name);
  const w = width ?? ((r.size * 8) as AccessWidth);
  return r.frame === 'gicd'
    ? vgicDistAccess(ctx, vcpu, r.offset, w, write, value)
    : vgicRedistAccess(ctx, vcpu, r.offset, w, write, value, accessor);
}
const rd = (ctx: VgicMmioContext, name: string, vcpu = 0, width?: AccessWidth): bigint => {
  const r = acc(ctx, name, false, 0n, vcpu, width);
  expect(r.ok, r.reason).toBe(true);
  return r.value;
};
const wr = (
  ctx: VgicMmioContext,
  name: string,
  value: bigint,
  vcpu = 0,
  width?: AccessWidth,
): VgicMmioResult => {
  const r = acc(ctx, name, true, value, vcpu, width);
  expect(r.ok, r.reason).toBe(true);
  return r;
};
const spi = (vgic: VgicState, intid: number): VgicIrq => vgicGetIrq(vgic, NO_VCPU, intid)!;
const priv = (vgic: VgicState, vcpu: number, intid: number): VgicIrq => vgic.vcpus[vcpu]!.privateIrqs[intid]!;
const bit = (intid: number): bigint => 1n << BigInt(intid % 32);

// ---- the state this module adds -------------------------------------------------------------------

describe('LPI state in vgic_dist and vgic_cpu', () => {
  it('resets PENDBASER to INITIAL_PENDBASER_VALUE, PROPBASER to it only with an ITS, LPIs disabled', () => {
    expect(VGIC_INITIAL_LPI_BASER).toBe(0x580n);
    const vgic = createVgicState(defaultVgicConfig(2));
    expect(vgic.dist).toMatchObject({ lpisSupported: true, propbaser: 0x580n });
    expect(vgic.vcpus[1]).toMatchObject({ pendbaser: 0x580n, lpisEnabled: false });
    const noIts = createVgicState(defaultVgicConfig(2, { lpis: false }));
    expect(noIts.dist).toMatchObject({ lpisSupported: false, propbaser: 0n });
    expect(createVgicState(defaultVgicConfig(2, { model: 2 })).dist.lpisSupported).toBe(false);
    expect(() => createVgicState({ ...defaultVgicConfig(1), lpis: 'yes' } as unknown as VgicConfig)).toThrow(
      /lpis/,
    );
  });

  it('survives the snapshot copy and the JSON codec with LPIs enabled and tables programmed', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    wr(ctx, 'GICR_PROPBASER', 0x4000_0000_0f00_078fn & ~(0x1fn << 59n));
    wr(ctx, 'GICR_PENDBASER', 0x4000_0000_0008_0000n, 1);
    wr(ctx, 'GICR_CTLR', 1n, 1);
    expect(clonePlain(vgic)).toEqual(vgic);
    expect(decodePlain(JSON.parse(JSON.stringify(encodePlain(vgic))))).toEqual(vgic);
  });
});

// ---- distributor: control and identification ------------------------------------------------------

describe('GICD_CTLR', () => {
  it('reads ARE and DS always, EnableGrp1 from dist->enabled; EnableGrp0 and RWP read 0', () => {
    const vgic = createVgicState(defaultVgicConfig(2));
    const ctx = ctxOf(vgic);
    expect(rd(ctx, 'GICD_CTLR')).toBe(0x50n);
    wr(ctx, 'GICD_CTLR', 0x8000_0003n);
    expect(vgic.dist.enabled).toBe(true);
    expect(rd(ctx, 'GICD_CTLR')).toBe(0x52n);
    wr(ctx, 'GICD_CTLR', 0x1n); // EnableGrp0 alone: the one enable goes off
    expect(vgic.dist.enabled).toBe(false);
    expect(wr(ctx, 'GICD_CTLR', 0x102n).reason).toMatch(/nASSGIreq ignored/);
    expect(rd(ctx, 'GICD_CTLR')).toBe(0x52n);
  });

  it('enabling kicks the vCPUs with something listed (vgic_kick_vcpus) and queues nothing', () => {
    const vgic = testVm(3);
    const ctx = ctxOf(vgic);
    const listed = configure(vgic, NO_VCPU, 40, { target: 1 });
    listed.pendingLatch = true;
    vgicQueueIrq(vgic, listed);
    vgic.dist.enabled = false;
    // Made pending while the distributor is off: the oracle sends it nowhere.
    const late = configure(vgic, NO_VCPU, 41, { target: 2 });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 41, true).queued).toBe(false);
    const r = wr(ctx, 'GICD_CTLR', 2n);
    expect(r.kickAll).toBe(true);
    expect(r.queued).toEqual([1]);
    expect(late.vcpu).toBe(NO_VCPU);
    expect(vgic.vcpus[2]!.apList).toEqual([]);
    // A write that leaves it enabled kicks nobody; disabling leaves the lists to the prune.
    expect(wr(ctx, 'GICD_CTLR', 2n).kickAll).toBeUndefined();
    const off = wr(ctx, 'GICD_CTLR', 0n);
    expect(off.kickAll).toBeUndefined();
    expect(vgic.vcpus[1]!.apList).toEqual([40]);
    expect(vgicPruneApList(vgic, 1).removed).toEqual([40]);
  });
});

describe('GICD identification and constant registers', () => {
  it('GICD_TYPER: ITLinesNumber from nr_spis, LPIS and IDbits 15 with an ITS, IDbits 9 without', () => {
    expect(rd(ctxOf(testVm(1)), 'GICD_TYPER')).toBe(0x007a0007n); // §2.1's example
    expect(rd(ctxOf(testVm(1, { nrSpis: 64, lpis: false })), 'GICD_TYPER')).toBe(0x00480002n);
  });

  it('IIDR, TYPER2, STATUSR and the ID registers hold the kvm profile values; writes are ignored', () => {
    const ctx = ctxOf(testVm(1));
    expect(rd(ctx, 'GICD_IIDR')).toBe(0x4b00343bn);
    expect(rd(ctx, 'GICD_TYPER2')).toBe(0n);
    expect(rd(ctx, 'GICD_STATUSR')).toBe(0xffffffffn);
    expect(rd(ctx, 'GICD_PIDR2')).toBe(0x3bn);
    expect(where('GICD_PIDR2').offset).toBe(0xffe8);
    for (const id of ['GICD_PIDR0', 'GICD_PIDR1', 'GICD_PIDR4', 'GICD_CIDR0', 'GICD_CIDR1'])
      expect(rd(ctx, id)).toBe(0n);
    const w = wr(ctx, 'GICD_TYPER', 0xffn);
    expect(w.reason).toMatch(/write ignored: GICD_TYPER is read-only/);
    expect(rd(ctx, 'GICD_TYPER')).toBe(0x007a0007n);
    expect(wr(ctx, 'GICD_STATUSR', 1n).reason).toMatch(/write ignored/);
  });
});

// ---- distributor: per-interrupt registers ---------------------------------------------------------

describe('GICD per-interrupt registers', () => {
  it('the rows of INTIDs 0..31 are RAZ/WI under ARE', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    for (const name of [
      'GICD_IGROUPR0',
      'GICD_ISENABLER0',
      'GICD_ISPENDR0',
      'GICD_ISACTIVER0',
      'GICD_ICFGR1',
    ])
      expect(rd(ctx, name)).toBe(0n);
    expect(rd(ctx, 'GICD_IPRIORITYR7')).toBe(0n);
    expect(rd(ctx, 'GICD_IROUTER31')).toBe(0n);
    const w = wr(ctx, 'GICD_ISENABLER0', 0xffffffffn, 1);
    expect(w.reason).toMatch(/write ignored: INTIDs 0-31 are banked/);
    expect(priv(vgic, 1, 20).enabled).toBe(false);
    wr(ctx, 'GICD_ISPENDR0', 0xffffffffn, 1);
    expect(vgic.vcpus.every((c) => c.privateIrqs.every((i) => !i.pendingLatch))).toBe(true);
    wr(ctx, 'GICD_IPRIORITYR4', 0xffffffffn);
    expect(priv(vgic, 0, 16).priority).toBe(0);
  });

  it('IGROUPR reads and writes every bit, and queues each interrupt of the register', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    expect(rd(ctx, 'GICD_IGROUPR1')).toBe(0xffffffffn); // Group 1 at init
    // Pending and enabled, but made so while the distributor was off: on no list.
    const irq = configure(vgic, NO_VCPU, 45, { target: 1 });
    irq.pendingLatch = true;
    const r = wr(ctx, 'GICD_IGROUPR1', 0xffff0000n);
    expect(rd(ctx, 'GICD_IGROUPR1')).toBe(0xffff0000n);
    expect(spi(vgic, 45).group).toBe(0);
    expect(spi(vgic, 48).group).toBe(1);
    expect(r.queued).toEqual([1]);
    expect(vgic.vcpus[1]!.apList).toEqual([45]);
  });

  it('ISENABLER of a pending SPI queues it on its target vCPU and reports the kick', () => {
    const vgic = testVm(4);
    const ctx = ctxOf(vgic);
    const irq = configure(vgic, NO_VCPU, 40, { enabled: false });
    wr(ctx, 'GICD_IROUTER40', BigInt(vgic.vcpus[2]!.mpidr));
    wr(ctx, 'GICD_ISPENDR1', bit(40));
    expect(irq.pendingLatch).toBe(true);
    expect(irq.vcpu).toBe(NO_VCPU); // pending but disabled: nowhere to go
    const r = wr(ctx, 'GICD_ISENABLER1', bit(40));
    expect(r.queued).toEqual([2]);
    expect(vgic.vcpus[2]!.apList).toEqual([40]);
    expect(rd(ctx, 'GICD_ISENABLER1') & bit(40)).toBe(bit(40));
    expect(rd(ctx, 'GICD_ICENABLER1')).toBe(rd(ctx, 'GICD_ISENABLER1'));
    // ICENABLER disables it and leaves it listed until the prune.
    const c = wr(ctx, 'GICD_ICENABLER1', bit(40));
    expect(c.queued).toEqual([]);
    expect(irq.enabled).toBe(false);
    expect(vgic.vcpus[2]!.apList).toEqual([40]);
    expect(vgicPruneApList(vgic, 2).removed).toEqual([40]);
    expect(checkApLists(vgic)).toEqual([]);
  });

  it('pending reads latch or line for a level SPI; ICPENDR clears only the latch', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    const level = configure(vgic, NO_VCPU, 50, { level: true, target: 0 });
    kvmVgicInjectIrq(vgic, NO_VCPU, 50, true); // the line goes high
    expect(rd(ctx, 'GICD_ISPENDR1') & bit(50)).toBe(bit(50));
    wr(ctx, 'GICD_ISPENDR1', bit(50));
    expect(level.pendingLatch).toBe(true);
    wr(ctx, 'GICD_ICPENDR1', bit(50));
    expect(level.pendingLatch).toBe(false);
    expect(rd(ctx, 'GICD_ICPENDR1') & bit(50)).toBe(bit(50)); // the line still holds it pending
    kvmVgicInjectIrq(vgic, NO_VCPU, 50, false);
    expect(rd(ctx, 'GICD_ISPENDR1') & bit(50)).toBe(0n);
    // A software-pended level interrupt with its line low is pending through the latch alone.
    wr(ctx, 'GICD_ISPENDR1', bit(50));
    expect(rd(ctx, 'GICD_ISPENDR1') & bit(50)).toBe(bit(50));
    wr(ctx, 'GICD_ICPENDR1', bit(50));
    expect(rd(ctx, 'GICD_ISPENDR1') & bit(50)).toBe(0n);
  });

  it('pending of an edge SPI is the latch: ISPENDR queues, ICPENDR clears and leaves it listed', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    const edge = configure(vgic, NO_VCPU, 51, { target: 1 });
    const s = wr(ctx, 'GICD_ISPENDR1', bit(51));
    expect(s.queued).toEqual([1]);
    expect(vgic.vcpus[1]!.apList).toEqual([51]);
    expect(rd(ctx, 'GICD_ISPENDR1')).toBe(bit(51));
    const c = wr(ctx, 'GICD_ICPENDR1', bit(51));
    expect(c.queued).toEqual([]);
    expect(edge.pendingLatch).toBe(false);
    expect(rd(ctx, 'GICD_ISPENDR1')).toBe(0n);
    expect(vgic.vcpus[1]!.apList).toEqual([51]);
  });

  it('ISACTIVER leaves an SPI active and queued; both active registers halt the guest', () => {
    const vgic = testVm(3);
    const ctx = ctxOf(vgic);
    const irq = configure(vgic, NO_VCPU, 60, { target: 2, enabled: false });
    const s = wr(ctx, 'GICD_ISACTIVER1', bit(60));
    expect(s.haltGuest).toBe(true);
    expect(irq.active).toBe(true);
    expect(s.queued).toEqual([2]); // an active IRQ goes to its vCPU even when disabled
    expect(vgic.vcpus[2]!.apList).toEqual([60]);
    const r = acc(ctx, 'GICD_ISACTIVER1', false);
    expect(r.value).toBe(bit(60));
    expect(r.haltGuest).toBe(true);
    // Active and pending: clearing the active state queues nothing and kicks nobody (KVM only
    // unlocks); the IRQ is still listed on vCPU 2 and goes in as pending at its next entry.
    irq.enabled = true;
    irq.pendingLatch = true;
    const c = wr(ctx, 'GICD_ICACTIVER1', bit(60));
    expect(c.haltGuest).toBe(true);
    expect(c.queued).toEqual([]);
    expect(vgic.vcpus[2]!.apList).toEqual([60]);
    expect(irq.active).toBe(false);
    expect(vgicAccessHaltsGuest(ctx, 'gicd', 0, where('GICD_ICACTIVER1').offset)).toBe(true);
    expect(vgicAccessHaltsGuest(ctx, 'gicd', 0, where('GICD_ICACTIVER0').offset)).toBe(false);
    expect(vgicAccessHaltsGuest(ctx, 'gicd', 0, where('GICD_ISPENDR1').offset)).toBe(false);
    expect(acc(ctx, 'GICD_ISPENDR1', false).haltGuest).toBeUndefined();
  });

  it('IPRIORITYR takes byte and word accesses and keeps VGIC_PRI_BITS (mask 0xF8)', () => {
    const vgic = testVm(1, { priorityBits: 8 }); // KVM masks with the constant, not PRIbits
    const ctx = ctxOf(vgic);
    const base = where('GICD_IPRIORITYR10').offset; // INTIDs 40..43
    expect(base).toBe(0x428);
    expect(vgicDistAccess(ctx, 0, base + 1, 8, true, 0xafn).ok).toBe(true);
    expect(spi(vgic, 41).priority).toBe(0xa8);
    expect(spi(vgic, 40).priority).toBe(0); // the neighbours are untouched
    expect(spi(vgic, 42).priority).toBe(0);
    wr(ctx, 'GICD_IPRIORITYR10', 0x1f_2f_3f_4fn);
    expect([40, 41, 42, 43].map((i) => spi(vgic, i).priority)).toEqual([0x48, 0x38, 0x28, 0x18]);
    expect(vgicDistAccess(ctx, 0, base + 2, 8, false, 0n).value).toBe(0x28n);
    expect(rd(ctx, 'GICD_IPRIORITYR10')).toBe(0x18_28_38_48n);
    expect(vgicDistAccess(ctx, 0, base + 3, 8, true, 0x07n).ok).toBe(true);
    expect(spi(vgic, 43).priority).toBe(0);
    expect(vgicDistAccess(ctx, 0, base + 1, 16, false, 0n).ok).toBe(false); // never 16-bit
  });

  it('ICFGR sets an SPI edge or level from bit 2k+1; nothing is queued', () => {
    const vgic = testVm(1);
    const ctx = ctxOf(vgic);
    expect(rd(ctx, 'GICD_ICFGR2')).toBe(0xaaaaaaaan); // SPIs reset edge
    // INTID 33 (field 1) level, the rest edge; the low bit of each field is ignored.
    const r = wr(ctx, 'GICD_ICFGR2', 0xaaaaaaa3n & ~0x8n);
    expect(r.queued).toEqual([]);
    expect(spi(vgic, 33).config).toBe(VGIC_CONFIG_LEVEL);
    expect(spi(vgic, 32).config).toBe(VGIC_CONFIG_EDGE);
    expect(rd(ctx, 'GICD_ICFGR2')).toBe(0xaaaaaaa2n);
  });

  it('IROUTER retargets an SPI from Aff2.Aff1.Aff0; IRM and Aff3 are RAZ/WI; a listed SPI moves at the prune', () => {
    const vgic = testVm(20);
    const ctx = ctxOf(vgic);
    const irq = configure(vgic, NO_VCPU, 70, { target: 0 });
    wr(ctx, 'GICD_ISPENDR2', bit(70));
    expect(vgic.vcpus[0]!.apList).toEqual([70]);
    const r = wr(ctx, 'GICD_IROUTER70', (0x7en << 32n) | 0x8000_0101n); // IRM, Aff3 0x7e, vCPU 17
    expect(r.reason).toMatch(/IRM and Aff3 ignored/);
    expect(r.queued).toEqual([]);
    expect(irq.targetVcpu).toBe(17);
    expect(rd(ctx, 'GICD_IROUTER70')).toBe(0x101n);
    const at = where('GICD_IROUTER70').offset;
    expect(vgicDistAccess(ctx, 0, at, 32, false, 0n).value).toBe(0x101n);
    expect(vgicDistAccess(ctx, 0, at + 4, 32, false, 0n).value).toBe(0n);
    expect(vgicDistAccess(ctx, 0, at + 4, 32, true, 0x12n).reason).toMatch(/upper word/);
    expect(irq.targetVcpu).toBe(17);
    // Still on vCPU 0's list until its next exit prunes it onto vCPU 17's.
    expect(vgic.vcpus[0]!.apList).toEqual([70]);
    expect(vgicPruneApList(vgic, 0).migrated).toEqual([{ intid: 70, to: 17 }]);
    // A 32-bit write of the low word alone, naming no vCPU: unroutable.
    expect(vgicDistAccess(ctx, 0, at, 32, true, 0x0505n).ok).toBe(true);
    expect(irq.targetVcpu).toBe(NO_VCPU);
    expect(irq.mpidr).toBe(0x0505);
  });

  it('IGRPMODR and ITARGETSR are RAZ/WI; NSACR, SGIR and the SGI pending registers are not in the frame', () => {
    const vgic = testVm(1);
    const ctx = ctxOf(vgic);
    expect(wr(ctx, 'GICD_IGRPMODR1', 0xffffffffn).reason).toMatch(/RAZ\/WI/);
    expect(rd(ctx, 'GICD_IGRPMODR1')).toBe(0n);
    expect(vgicDistAccess(ctx, 0, 0x0828, 8, true, 1n).ok).toBe(true);
    expect(vgicDistAccess(ctx, 0, 0x0828, 8, false, 0n).value).toBe(0n);
    for (const off of [0x0e00, 0x0e84, 0x0f00, 0x0f10, 0x0f20, 0x0040, 0x0048]) {
      const r = vgicDistAccess(ctx, 0, off, 32, false, 0n);
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/no register at GICD offset/);
    }
    expect(findVgicRegister('GICD_NSACR0')).toBeUndefined();
  });
});

// ---- the redistributor --------------------------------------------------------------------------

describe('GICR RD_base', () => {
  it('GICR_CTLR: EnableLPIs set and cleared with an ITS, reported for the caller; IR and CES read 1', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    expect(rd(ctx, 'GICR_CTLR', 1)).toBe(0x6n);
    const on = wr(ctx, 'GICR_CTLR', 1n, 1);
    expect(on.lpisEnabledChanged).toEqual({ vcpu: 1, enabled: true });
    expect(vgic.vcpus[1]!.lpisEnabled).toBe(true);
    expect(vgic.vcpus[0]!.lpisEnabled).toBe(false);
    expect(rd(ctx, 'GICR_CTLR', 1)).toBe(0x7n);
    expect(wr(ctx, 'GICR_CTLR', 1n, 1).lpisEnabledChanged).toBeUndefined();
    const off = wr(ctx, 'GICR_CTLR', 0n, 1);
    expect(off.lpisEnabledChanged).toEqual({ vcpu: 1, enabled: false });
    expect(rd(ctx, 'GICR_CTLR', 1)).toBe(0x6n);
  });

  it('GICR_CTLR without an ITS ignores EnableLPIs', () => {
    const vgic = testVm(1, { lpis: false });
    const ctx = ctxOf(vgic);
    const r = wr(ctx, 'GICR_CTLR', 1n);
    expect(r.reason).toMatch(/no ITS/);
    expect(r.lpisEnabledChanged).toBeUndefined();
    expect(rd(ctx, 'GICR_CTLR')).toBe(0x6n);
    expect(rd(ctx, 'GICR_TYPER') & 1n).toBe(0n); // no PLPIS
  });

  it('GICR_TYPER: Aff2..Aff0, Processor_Number, PLPIS, Last on the last vCPU; 32-bit halves', () => {
    const vgic = testVm(18);
    const ctx = ctxOf(vgic);
    expect(rd(ctx, 'GICR_TYPER', 17)).toBe((0x101n << 32n) | (17n << 8n) | 0x10n | 1n);
    expect(rd(ctx, 'GICR_TYPER', 3)).toBe((0x3n << 32n) | (3n << 8n) | 1n);
    expect(vgicRedistAccess(ctx, 17, 0x000c, 32, false, 0n).value).toBe(0x101n);
    expect(vgicRedistAccess(ctx, 17, 0x0008, 32, false, 0n).value).toBe(0x1111n);
    expect(rd(ctx, 'GICR_IIDR')).toBe(0x4b00043bn);
    expect(rd(ctx, 'GICR_PIDR2')).toBe(0x3bn);
  });

  it('GICR_WAKER and GICR_STATUSR are RAZ/WI', () => {
    const ctx = ctxOf(testVm(1));
    expect(wr(ctx, 'GICR_WAKER', 2n).reason).toMatch(/RAZ\/WI/);
    expect(rd(ctx, 'GICR_WAKER')).toBe(0n);
    expect(wr(ctx, 'GICR_STATUSR', 1n).ok).toBe(true);
    expect(rd(ctx, 'GICR_STATUSR')).toBe(0n);
  });

  it('GICR_PROPBASER is one sanitised value for the VM, locked on the frame whose LPIs are enabled', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    // Outer Shareable, inner nC, outer RaWb, IDbits 15, PA 0x8000_0000, and RES0 bits set.
    const raw = (7n << 56n) | (0xfn << 52n) | 0x8000_0000n | (2n << 10n) | (1n << 7n) | (3n << 5n) | 15n;
    wr(ctx, 'GICR_PROPBASER', raw);
    const want = 0x8000_0000n | (1n << 10n) | (3n << 7n) | 15n; // Inner Shareable, RaWb, SameAsInner
    expect(vgic.dist.propbaser).toBe(want);
    expect(rd(ctx, 'GICR_PROPBASER', 1)).toBe(want); // every frame shows the one value
    // 32-bit halves.
    expect(vgicRedistAccess(ctx, 1, 0x0074, 32, true, 0x12n).ok).toBe(true);
    expect(vgic.dist.propbaser).toBe((0x12n << 32n) | want);
    expect(vgicRedistAccess(ctx, 0, 0x0074, 32, false, 0n).value).toBe(0x12n);

    wr(ctx, 'GICR_CTLR', 1n, 0);
    const locked = wr(ctx, 'GICR_PROPBASER', 0x9000_0000n, 0);
    expect(locked.reason).toMatch(/write ignored: LPIs are enabled/);
    expect(vgic.dist.propbaser).toBe((0x12n << 32n) | want);
    // KVM checks only the vCPU whose frame is written: vCPU 1's LPIs are still disabled.
    wr(ctx, 'GICR_PROPBASER', 0x9000_0000n | 15n, 1);
    expect(vgic.dist.propbaser & 0xffff_f000n).toBe(0x9000_0000n);
  });

  it('GICR_PENDBASER is per vCPU, keeps PTZ but reads it as 0, and is locked while LPIs are enabled', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    const ptz = 1n << 62n;
    wr(ctx, 'GICR_PENDBASER', ptz | 0x1_0000n | VGIC_INITIAL_LPI_BASER | 0x7fn | (1n << 63n), 1);
    expect(vgic.vcpus[1]!.pendbaser).toBe(ptz | 0x1_0000n | VGIC_INITIAL_LPI_BASER);
    expect(rd(ctx, 'GICR_PENDBASER', 1)).toBe(0x1_0000n | VGIC_INITIAL_LPI_BASER);
    expect(vgic.vcpus[0]!.pendbaser).toBe(VGIC_INITIAL_LPI_BASER);
    wr(ctx, 'GICR_CTLR', 1n, 1);
    expect(wr(ctx, 'GICR_PENDBASER', 0x2_0000n, 1).reason).toMatch(/LPIs are enabled/);
    expect(rd(ctx, 'GICR_PENDBASER', 1)).toBe(0x1_0000n | VGIC_INITIAL_LPI_BASER);
    wr(ctx, 'GICR_PENDBASER', 0x2_0000n, 0);
    expect(vgic.vcpus[0]!.pendbaser).toBe(0x2_0000n | (3n << 7n)); // inner nC -> RaWb
  });

  it('GICR_INVLPIR / GICR_INVALLR hand the re-read to the caller only while LPIs are enabled', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    vgicAddLpi(vgic, 8200, 1);
    expect(wr(ctx, 'GICR_INVLPIR', 8200n, 1).reason).toMatch(/LPIs are disabled/);
    wr(ctx, 'GICR_CTLR', 1n, 1);
    expect(wr(ctx, 'GICR_INVLPIR', 8200n, 1).invLpi).toEqual({ vcpu: 1, intid: 8200 });
    expect(wr(ctx, 'GICR_INVLPIR', 40n, 1).invLpi).toEqual({ vcpu: 1, intid: 40 }); // vgic_get_irq finds SPIs too
    const none = wr(ctx, 'GICR_INVLPIR', 8300n, 1);
    expect(none.invLpi).toBeUndefined();
    expect(none.reason).toMatch(/names no interrupt/);
    expect(wr(ctx, 'GICR_INVLPIR', 5n, 1).invLpi).toBeUndefined(); // private: vgic_get_irq(NULL)
    const upper = vgicRedistAccess(ctx, 1, 0x00a4, 32, true, 8200n);
    expect(upper.ok).toBe(true);
    expect(upper.invLpi).toBeUndefined();
    expect(upper.reason).toMatch(/vPE/);
    expect(wr(ctx, 'GICR_INVALLR', 0n, 1).invAll).toEqual({ vcpu: 1 });
    expect(wr(ctx, 'GICR_INVALLR', 0n, 0).invAll).toBeUndefined();
    expect(rd(ctx, 'GICR_INVLPIR', 1)).toBe(0n);
    expect(rd(ctx, 'GICR_SYNCR', 1)).toBe(0n);
  });
});

describe('GICR SGI_base', () => {
  it('ISENABLER0 / ISPENDR0 act on the frame vCPU’s private interrupts and queue them there', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    const ppi = configure(vgic, 1, 20, { enabled: false, level: true });
    kvmVgicInjectIrq(vgic, 1, 20, true); // the line is high, the PPI disabled: listed nowhere
    expect(ppi.vcpu).toBe(NO_VCPU);
    const e = wr(ctx, 'GICR_ISENABLER0', bit(20), 1);
    expect(e.queued).toEqual([1]);
    expect(vgic.vcpus[1]!.apList).toEqual([20]);
    expect(priv(vgic, 0, 20).enabled).toBe(false);
    expect(rd(ctx, 'GICR_ISENABLER0', 1)).toBe(0xffffn | bit(20));
    expect(rd(ctx, 'GICR_ISPENDR0', 1)).toBe(bit(20));
    const s = wr(ctx, 'GICR_ISPENDR0', bit(3), 1);
    expect(s.queued).toEqual([1]);
    expect(vgic.vcpus[1]!.apList).toEqual([20, 3]);
    wr(ctx, 'GICR_ICPENDR0', bit(3) | bit(20), 1);
    expect(rd(ctx, 'GICR_ISPENDR0', 1)).toBe(bit(20)); // the PPI's line is still high
    wr(ctx, 'GICR_ICENABLER0', 0xffffn, 1);
    expect(rd(ctx, 'GICR_ICENABLER0', 1)).toBe(bit(20));
    expect(checkApLists(vgic)).toEqual([]);
  });

  it('IGROUPR0, IPRIORITYR bytes, ICFGR0/1 fixed, IGRPMODR0 and NSACR RAZ/WI', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    wr(ctx, 'GICR_IGROUPR0', 0xfffffffen, 1);
    expect(priv(vgic, 1, 0).group).toBe(0);
    expect(priv(vgic, 0, 0).group).toBe(1);
    expect(rd(ctx, 'GICR_IGROUPR0', 1)).toBe(0xfffffffen);
    const p = where('GICR_IPRIORITYR6').offset; // INTIDs 24..27
    expect(p).toBe(0x10418);
    expect(vgicRedistAccess(ctx, 1, p + 3, 8, true, 0xa7n).ok).toBe(true);
    expect(priv(vgic, 1, 27).priority).toBe(0xa0);
    expect(rd(ctx, 'GICR_IPRIORITYR6', 1)).toBe(0xa0n << 24n);
    expect(rd(ctx, 'GICR_ICFGR0', 1)).toBe(0xaaaaaaaan);
    expect(rd(ctx, 'GICR_ICFGR1', 1)).toBe(0n); // PPIs level
    expect(wr(ctx, 'GICR_ICFGR1', 0xaaaaaaaan, 1).reason).toMatch(/trigger modes are fixed/);
    expect(wr(ctx, 'GICR_ICFGR0', 0n, 1).reason).toMatch(/trigger modes are fixed/);
    expect(priv(vgic, 1, 20).config).toBe(VGIC_CONFIG_LEVEL);
    expect(rd(ctx, 'GICR_ICFGR0', 1)).toBe(0xaaaaaaaan);
    for (const name of ['GICR_IGRPMODR0', 'GICR_NSACR']) {
      expect(wr(ctx, name, 0xffffffffn, 1).reason).toMatch(/RAZ\/WI/);
      expect(rd(ctx, name, 1)).toBe(0n);
    }
  });

  it('private active accesses halt the guest only when another vCPU makes them', () => {
    const vgic = testVm(2);
    const ctx = ctxOf(vgic);
    const at = where('GICR_ISACTIVER0').offset;
    const own = vgicRedistAccess(ctx, 1, at, 32, true, bit(5), 1);
    expect(own.haltGuest).toBeUndefined();
    expect(own.queued).toEqual([1]);
    expect(priv(vgic, 1, 5).active).toBe(true);
    const other = vgicRedistAccess(ctx, 1, where('GICR_ICACTIVER0').offset, 32, true, bit(5), 0);
    expect(other.haltGuest).toBe(true);
    expect(priv(vgic, 1, 5).active).toBe(false);
    expect(vgicAccessHaltsGuest(ctx, 'gicr', 1, at, 0)).toBe(true);
    expect(vgicAccessHaltsGuest(ctx, 'gicr', 1, at)).toBe(false);
  });
});

// ---- HW-mapped interrupts -----------------------------------------------------------------------

describe('HW-mapped interrupts', () => {
  it('ISENABLER re-reads a mapped level line and deactivates the host interrupt when it dropped', () => {
    const vgic = testVm(1);
    const timer = configure(vgic, 0, 27, { enabled: false, level: true });
    Object.assign(timer, { hw: true, hwintid: 27, hostIrq: 11, lineLevel: true });
    const r = wr(ctxOf(vgic, physLines({ 27: false })), 'GICR_ISENABLER0', bit(27));
    expect(timer.lineLevel).toBe(false);
    expect(r.host).toEqual([{ intid: 27, hostIrq: 11, hwintid: 27, op: 'clear-active' }]);
    expect(r.queued).toEqual([]); // not pending any more
    // A pending read reports the physical line.
    expect(rd(ctxOf(vgic, physLines({ 27: true })), 'GICR_ISPENDR0') & bit(27)).toBe(bit(27));
  });

  it('ISPENDR/ICPENDR/ISACTIVER of a HW SPI drive the host interrupt', () => {
    const vgic = testVm(1);
    const ctx = ctxOf(vgic);
    const irq = configure(vgic, NO_VCPU, 80, { target: 0 });
    Object.assign(irq, { hw: true, hwintid: 96, hostIrq: 30 });
    const host = (r: VgicMmioResult): string[] => (r.host ?? []).map((h) => `${h.hwintid}:${h.op}`);
    expect(host(wr(ctx, 'GICD_ISPENDR2', bit(80)))).toEqual(['96:set-active']);
    expect(irq.pendingLatch).toBe(true);
    expect(host(wr(ctx, 'GICD_ICPENDR2', bit(80)))).toEqual(['96:clear-pending', '96:clear-active']);
    expect(host(wr(ctx, 'GICD_ISACTIVER2', bit(80)))).toEqual(['96:set-active']);
    expect(host(wr(ctx, 'GICD_ICPENDR2', bit(80)))).toEqual(['96:clear-pending']); // active: stays
    expect(host(wr(ctx, 'GICD_ICACTIVER2', bit(80)))).toEqual(['96:clear-active']);
  });

  it('a GICv4.1 vSGI is pended, enabled and prioritised in the host GIC; its state is not read here', () => {
    const vgic = testVm(1);
    const ctx = ctxOf(vgic);
    const sgi = priv(vgic, 0, 2);
    Object.assign(sgi, { hw: true, hwintid: 2, hostIrq: 50 });
    const p = wr(ctx, 'GICR_ISPENDR0', bit(2));
    expect(p.host?.map((h) => h.op)).toEqual(['set-pending']);
    expect(sgi.pendingLatch).toBe(false);
    expect(p.queued).toEqual([]);
    const r = acc(ctx, 'GICR_ISPENDR0', false);
    expect(r.value & bit(2)).toBe(0n);
    expect(r.reason).toMatch(/vSGI/);
    expect(wr(ctx, 'GICR_ICENABLER0', bit(2)).host?.map((h) => h.op)).toEqual(['disable']);
    expect(wr(ctx, 'GICR_ISENABLER0', bit(2)).host?.map((h) => h.op)).toEqual(['enable']);
    wr(ctx, 'GICR_ISACTIVER0', bit(2));
    expect(sgi.active).toBe(false); // no active state for a vSGI
    expect(vgicRedistAccess(ctx, 0, 0x10402, 8, true, 0x80n).host?.map((h) => h.op)).toEqual(['update-vsgi']);
    expect(sgi.priority).toBe(0x80);
  });
});

// ---- bad accesses -------------------------------------------------------------------------------

describe('accesses that reach no register', () => {
  const vgic = testVm(2);
  const ctx = ctxOf(vgic);

  it('unmapped offsets and offsets outside the frames', () => {
    for (const off of [0x0014, 0x007c, 0x5ffc, 0x8000, 0xffcc]) {
      const r = vgicDistAccess(ctx, 0, off, 32, false, 0n);
      expect(r).toMatchObject({ ok: false, value: 0n, reg: '', queued: [] });
      expect(r.reason).toMatch(/no register/);
    }
    for (const off of [0x0018, 0x0040, 0x0048, 0x00d0, 0x10000, 0x10f80, 0x1fffc])
      expect(vgicRedistAccess(ctx, 0, off, 32, false, 0n).ok).toBe(false);
    for (const off of [0x10000, -4, 1.5, Number.NaN, Infinity])
      expect(vgicDistAccess(ctx, 0, off, 32, false, 0n).reason).toMatch(/outside the GICD frame/);
    expect(vgicRedistAccess(ctx, 0, 0x20000, 32, false, 0n).reason).toMatch(/outside the GICR frame/);
  });

  it('bad widths and alignments name the register', () => {
    const w16 = vgicDistAccess(ctx, 0, 0x0000, 16, true, 1n);
    expect(w16).toMatchObject({ ok: false, reg: 'GICD_CTLR' });
    expect(w16.reason).toMatch(/16-bit access to GICD_CTLR: KVM accepts 32-bit accesses only/);
    expect(vgic.dist.enabled).toBe(true);
    expect(vgicDistAccess(ctx, 0, 0x0104, 8, true, 0xffn).reason).toMatch(/GICD_ISENABLER1/);
    expect(vgicDistAccess(ctx, 0, 0x0000, 64, false, 0n).ok).toBe(false);
    expect(vgicDistAccess(ctx, 0, 0x0402, 32, false, 0n).reason).toMatch(/not aligned/);
    expect(vgicRedistAccess(ctx, 0, 0x0008, 8, false, 0n).reason).toMatch(/32- or 64-bit/);
    expect(vgicRedistAccess(ctx, 0, 0x0074, 64, false, 0n).reason).toMatch(/not aligned/);
    expect(vgicDistAccess(ctx, 0, 0x0000, 12 as AccessWidth, false, 0n).reason).toMatch(/bad access width/);
  });

  it('per-interrupt registers beyond nr_spis + 32 are refused, as check_region does', () => {
    // 224 SPIs: INTIDs up to 255.
    expect(vgicDistAccess(ctx, 0, where('GICD_ISENABLER7').offset, 32, false, 0n).ok).toBe(true);
    const r = vgicDistAccess(ctx, 0, where('GICD_ISENABLER8').offset, 32, true, 1n);
    expect(r).toMatchObject({ ok: false, reg: 'GICD_ISENABLER8' });
    expect(r.reason).toMatch(/INTID 256, beyond the VM's 256 interrupts/);
    expect(vgicDistAccess(ctx, 0, where('GICD_IROUTER256').offset + 4, 32, false, 0n).ok).toBe(false);
    expect(vgicDistAccess(ctx, 0, 0x0400 + 255, 8, true, 0x80n).ok).toBe(true);
    expect(spi(vgic, 255).priority).toBe(0x80);
    expect(vgicDistAccess(ctx, 0, 0x0400 + 256, 8, true, 0x80n).ok).toBe(false);
    expect(vgicDistAccess(ctx, 0, where('GICD_ICFGR16').offset, 32, false, 0n).ok).toBe(false);
  });

  it('bad vCPUs, values, VMs', () => {
    expect(vgicDistAccess(ctx, 2, 0, 32, false, 0n).reason).toMatch(/no vCPU 2/);
    expect(vgicRedistAccess(ctx, -1, 0, 32, false, 0n).ok).toBe(false);
    expect(vgicRedistAccess(ctx, 0, 0x10300, 32, false, 0n, 7).reason).toMatch(/no vCPU 7/);
    expect(vgicDistAccess(ctx, 0, 0, 32, true, 'x' as unknown as bigint).reason).toMatch(/not an integer/);
    expect(vgicDistAccess(ctx, 0, 0, 32, true, 2 as unknown as bigint).ok).toBe(true); // a number is taken
    expect(vgicDistAccess(ctx, 0, 0, 32, true, -1n).ok).toBe(true); // truncated to the width
    expect(vgic.dist.enabled).toBe(true);
    const v2 = createVgicState(defaultVgicConfig(1, { model: 2 }));
    expect(vgicDistAccess(ctxOf(v2), 0, 0, 32, false, 0n).reason).toMatch(/GICv2/);
    const uninit = createVgicState(defaultVgicConfig(1));
    uninit.dist.initialized = false;
    expect(vgicRedistAccess(ctxOf(uninit), 0, 0, 32, false, 0n).reason).toMatch(/not initialised/);
  });
});

// ---- the tables ---------------------------------------------------------------------------------

describe('register tables and names', () => {
  it('findVgicRegister places registers at their architected offsets', () => {
    expect(findVgicRegister('GICD_ISENABLER1')).toEqual({ frame: 'gicd', offset: 0x104, size: 4 });
    expect(findVgicRegister('gicd_irouter40')).toEqual({ frame: 'gicd', offset: 0x6140, size: 8 });
    expect(findVgicRegister('GICR_PROPBASER')).toEqual({ frame: 'gicr', offset: 0x70, size: 8 });
    expect(findVgicRegister('GICR_ISENABLER0')).toEqual({ frame: 'gicr', offset: 0x10100, size: 4 });
    expect(findVgicRegister('GICR_IPRIORITYR7')).toEqual({ frame: 'gicr', offset: 0x1041c, size: 4 });
    expect(findVgicRegister('GICR_ICFGR1')).toEqual({ frame: 'gicr', offset: 0x10c04, size: 4 });
    expect(findVgicRegister('GICR_PIDR2')).toEqual({ frame: 'gicr', offset: 0xffe8, size: 4 });
    expect(findVgicRegister('GICR_IPRIORITYR8')).toBeUndefined();
    expect(findVgicRegister('GICR_VPROPBASER')).toBeUndefined();
    expect(findVgicRegister(42 as unknown as string)).toBeUndefined();
  });

  it('every instance name resolves back to itself through an access', () => {
    const vgic = testVm(1, { nrSpis: 960 });
    const ctx = ctxOf(vgic);
    for (const [frame, table] of [
      ['gicd', VGICD_REGISTERS],
      ['gicr', VGICR_REGISTERS],
    ] as const) {
      for (const def of table.regs) {
        const names =
          def.count === undefined
            ? [def.name]
            : [0, def.count - 1].map((i) => def.name.replace('<n>', String(i)));
        for (const name of names) {
          const at = findVgicRegister(name);
          expect(at?.frame).toBe(frame);
          const r =
            frame === 'gicd'
              ? vgicDistAccess(ctx, 0, at!.offset, 32, false, 0n)
              : vgicRedistAccess(ctx, 0, at!.offset, 32, false, 0n);
          expect(r.reg).toBe(name);
          // The last rows of the per-interrupt registers start beyond 960 SPIs + 32.
          if (!r.ok) expect(r.reason).toMatch(/beyond the VM's 992 interrupts/);
        }
      }
    }
  });
});

// ---- property ------------------------------------------------------------------------------------

describe('random guest accesses', () => {
  const offsets = (['gicd', 'gicr'] as const).map((frame) =>
    (frame === 'gicd' ? VGICD_REGISTERS : VGICR_REGISTERS).regs.flatMap((def) =>
      Array.from(
        { length: Math.min(def.count ?? 1, 12) },
        (_, i) => def.offset + i * (def.stride ?? def.size),
      ),
    ),
  );
  const op = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('mmio' as const),
        frame: fc.constantFrom(0, 1),
        vcpu: fc.integer({ min: -1, max: 3 }),
        accessor: fc.integer({ min: 0, max: 2 }),
        pick: fc.nat(),
        delta: fc.constantFrom(0, 0, 0, 1, 2, 4, 8, 0x1f),
        random: fc.option(fc.integer({ min: -4, max: 0x20004 }), { freq: 5 }),
        width: fc.constantFrom<AccessWidth>(8, 16, 32, 64, 32, 32),
        write: fc.boolean(),
        value: fc.oneof(
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.constantFrom(0n, 1n, 0xffffffffn, -1n),
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('inject' as const),
        vcpu: fc.integer({ min: 0, max: 2 }),
        intid: fc.oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 32, max: 95 })),
        level: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('prune' as const), vcpu: fc.integer({ min: 0, max: 2 }) }),
    },
  );

  it('never throw, keep the ap_lists consistent, and agree with vgicAccessHaltsGuest', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 80 }), (withIts, ops) => {
        const vgic = createVgicState(defaultVgicConfig(3, { nrSpis: 64, lpis: withIts }));
        vgicAddLpi(vgic, 8192, 1);
        const ctx = ctxOf(vgic, physLines({ 27: true }));
        for (const o of ops) {
          if (o.kind === 'inject') kvmVgicInjectIrq(vgic, o.vcpu, o.intid, o.level);
          else if (o.kind === 'prune') vgicPruneApList(vgic, o.vcpu);
          else {
            const list = offsets[o.frame]!;
            const offset = o.random ?? list[o.pick % list.length]! + o.delta;
            const halts =
              o.vcpu >= 0 && o.vcpu < 3
                ? vgicAccessHaltsGuest(
                    ctx,
                    o.frame ? 'gicr' : 'gicd',
                    o.vcpu,
                    offset,
                    o.frame ? o.accessor : o.vcpu,
                  )
                : false;
            const r = o.frame
              ? vgicRedistAccess(ctx, o.vcpu, offset, o.width, o.write, o.value, o.accessor)
              : vgicDistAccess(ctx, o.vcpu, offset, o.width, o.write, o.value);
            if (!r.ok) {
              expect(r.reason).toBeTruthy();
              expect(r.value).toBe(0n);
            } else {
              expect(r.reg).not.toBe('');
              expect(!!r.haltGuest).toBe(halts);
              expect(r.value >= 0n && r.value < 1n << BigInt(o.width)).toBe(true);
              if (o.write) expect(r.value).toBe(0n);
            }
            for (const k of r.queued) expect(k >= 0 && k < 3).toBe(true);
            if (r.lpisEnabledChanged) expect(withIts).toBe(true);
          }
          expect(checkApLists(vgic)).toEqual([]);
        }
        for (const irq of vgic.dist.spis) expect(irq.priority & 0x7).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
