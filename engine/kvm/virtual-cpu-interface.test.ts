import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eoiCount,
  ICH_HCR_EN,
  ICH_HCR_LRENPIE,
  ICH_HCR_TDIR,
  ICH_HCR_VSGIEOICOUNT,
  ICH_MISR_EOI,
  ICH_MISR_LRENP,
  ICH_VMCR_VBPR1_SHIFT,
  ICH_VMCR_VEOIM,
  ichLrWrite,
  ichMisr,
  ichVmcrSanitize,
  lrState,
  type IchLr,
} from './ich-registers';
import {
  findIcvRegister,
  hppviIndex,
  icvAccess,
  icvAcknowledge,
  icvDeactivate,
  icvEndOfInterrupt,
  icvPeek,
  icvSignals,
  ICV_REGISTERS,
} from './virtual-cpu-interface';
import { lrValue, testVm } from './vgic-fixture';
import type { VgicState } from './vgic-state';

function setLr(vgic: VgicState, n: number, over: Partial<IchLr>): void {
  ichLrWrite(vgic.vcpus[0]!.v3, n, lrValue(over));
}

const iar = (vgic: VgicState): number => icvAcknowledge(vgic, 0, 1).intid;
const eoi = (vgic: VgicState, intid: number) => icvEndOfInterrupt(vgic, 0, 1, intid);
const rpr = (vgic: VgicState): number => Number(icvPeek(vgic, 0, 'ICV_RPR_EL1'));
const v3 = (vgic: VgicState) => vgic.vcpus[0]!.v3;

describe('acknowledge, priority drop and deactivation with preemption', () => {
  it('nests a higher priority over a running one, refuses a lower one, and unwinds in order', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40, priority: 0xa0 });
    expect(icvSignals(vgic, 0)).toMatchObject({ virq: true, lr: 0 });
    expect(iar(vgic)).toBe(40);
    expect(lrState(v3(vgic), 0)).toBe(2); // Pending -> Active
    expect(rpr(vgic)).toBe(0xa0);
    expect(v3(vgic).apr[4]).toBe(1 << (0xa0 >> 3)); // ICH_AP1R0 bit 20
    // KVM refills the LRs: 41 at 0x80 and 42 at 0x90.
    setLr(vgic, 1, { vintid: 41, priority: 0x80 });
    setLr(vgic, 2, { vintid: 42, priority: 0x90 });
    expect(Number(icvPeek(vgic, 0, 'ICV_HPPIR1_EL1'))).toBe(41);
    expect(iar(vgic)).toBe(41); // 0x80 preempts 0xa0
    expect(rpr(vgic)).toBe(0x80);
    expect(iar(vgic)).toBe(1023); // 0x90 does not preempt 0x80
    expect(icvSignals(vgic, 0).virq).toBe(false);
    expect(eoi(vgic, 41)).toMatchObject({ dropped: 0x80, deactivated: true, lr: 1, counted: false });
    expect(lrState(v3(vgic), 1)).toBe(0);
    expect(rpr(vgic)).toBe(0xa0);
    expect(iar(vgic)).toBe(42); // now 0x90 preempts 0xa0
    expect(eoi(vgic, 42)).toMatchObject({ dropped: 0x90, deactivated: true });
    expect(eoi(vgic, 40)).toMatchObject({ dropped: 0xa0, deactivated: true });
    expect(rpr(vgic)).toBe(0xff);
    expect(iar(vgic)).toBe(1023);
  });

  it('lets a coarser binary point stop preemption between close priorities', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40, priority: 0xa0 });
    setLr(vgic, 1, { vintid: 41, priority: 0x90 });
    // Take 40 first by masking 41 out for a moment.
    setLr(vgic, 1, { vintid: 41, priority: 0x90, state: 0 });
    expect(iar(vgic)).toBe(40);
    setLr(vgic, 1, { vintid: 41, priority: 0x90 });
    const s = v3(vgic);
    s.vmcr = ichVmcrSanitize((s.vmcr & ~(7 << ICH_VMCR_VBPR1_SHIFT)) | (6 << ICH_VMCR_VBPR1_SHIFT), 5);
    // Group priority [7:6]: 0x90 and 0xa0 are both 0x80.
    expect(iar(vgic)).toBe(1023);
    s.vmcr = ichVmcrSanitize((s.vmcr & ~(7 << ICH_VMCR_VBPR1_SHIFT)) | (3 << ICH_VMCR_VBPR1_SHIFT), 5);
    expect(iar(vgic)).toBe(41);
  });

  it('splits priority drop and deactivation with EOImode 1, and ignores DIR with EOImode 0', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40 });
    expect(icvDeactivate(vgic, 0, 40)).toMatchObject({ ignored: 'ICV_CTLR_EL1.EOImode is 0' });
    icvAccess(vgic, 0, 'ICC_CTLR_EL1', true, 2n); // EOImode = 1
    expect(v3(vgic).vmcr & ICH_VMCR_VEOIM).toBe(ICH_VMCR_VEOIM);
    expect(iar(vgic)).toBe(40);
    expect(eoi(vgic, 40)).toMatchObject({ dropped: 0xa0, deactivated: false });
    expect(lrState(v3(vgic), 0)).toBe(2); // still active
    expect(rpr(vgic)).toBe(0xff);
    expect(icvDeactivate(vgic, 0, 40)).toMatchObject({ deactivated: true, lr: 0 });
    expect(lrState(v3(vgic), 0)).toBe(0);
  });

  it('deactivates the physical interrupt of a HW LR', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 27, hw: true, pintid: 27, priority: 0x20 });
    expect(iar(vgic)).toBe(27);
    expect(eoi(vgic, 27)).toMatchObject({ deactivated: true, physDeactivate: 27 });
  });

  it('leaves a pending+active LR pending when it is deactivated', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40 });
    expect(iar(vgic)).toBe(40);
    setLr(vgic, 0, { vintid: 40, state: 3 }); // re-triggered while active
    expect(hppviIndex(v3(vgic))).toBe(-1); // pending+active is not a candidate
    eoi(vgic, 40);
    expect(lrState(v3(vgic), 0)).toBe(1);
    expect(iar(vgic)).toBe(40);
  });
});

describe('what the interface will and will not signal', () => {
  it('masks by VPMR, by group enable, by ICH_HCR_EL2.En, and never signals priority 0xff', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40, priority: 0xf8 });
    icvAccess(vgic, 0, 'ICV_PMR_EL1', true, 0xf8n);
    expect(iar(vgic)).toBe(1023);
    icvAccess(vgic, 0, 'ICV_PMR_EL1', true, 0xffn);
    expect(Number(icvPeek(vgic, 0, 'ICV_PMR_EL1'))).toBe(0xf8); // 5 priority bits
    setLr(vgic, 0, { vintid: 40, priority: 0xf0 });
    v3(vgic).hcr = 0;
    expect(iar(vgic)).toBe(1023);
    v3(vgic).hcr = ICH_HCR_EN;
    icvAccess(vgic, 0, 'ICV_IGRPEN1_EL1', true, 0n);
    expect(hppviIndex(v3(vgic))).toBe(-1);
    icvAccess(vgic, 0, 'ICV_IGRPEN1_EL1', true, 1n);
    setLr(vgic, 0, { vintid: 40, priority: 0xff });
    expect(hppviIndex(v3(vgic))).toBe(-1);
  });

  it('keeps groups apart: IAR1 does not take a Group 0 HPPVI, IAR0 does', () => {
    const vgic = testVm(1);
    icvAccess(vgic, 0, 'ICV_IGRPEN0_EL1', true, 1n);
    setLr(vgic, 0, { vintid: 40, group: 1, priority: 0x80 });
    setLr(vgic, 1, { vintid: 41, group: 0, priority: 0x40 });
    expect(icvSignals(vgic, 0)).toMatchObject({ vfiq: true, virq: false });
    expect(Number(icvPeek(vgic, 0, 'ICV_HPPIR1_EL1'))).toBe(1023);
    expect(iar(vgic)).toBe(1023);
    expect(icvAcknowledge(vgic, 0, 0).intid).toBe(41);
    expect(v3(vgic).apr[0]).toBe(1 << (0x40 >> 3)); // ICH_AP0R0
  });

  it('picks the lowest LR index among equal priorities', () => {
    const vgic = testVm(1);
    setLr(vgic, 2, { vintid: 42, priority: 0x80 });
    setLr(vgic, 3, { vintid: 43, priority: 0x80 });
    setLr(vgic, 1, { vintid: 41, priority: 0x80 });
    expect(iar(vgic)).toBe(41);
  });

  it('turns a special INTID in an LR invalid and returns it', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 1021, priority: 0x10 });
    expect(iar(vgic)).toBe(1021);
    expect(lrState(v3(vgic), 0)).toBe(0);
    expect(rpr(vgic)).toBe(0xff);
  });
});

describe('EOIcount and the maintenance interrupts it raises', () => {
  it('counts an EOI of an INTID held in no LR, and raises LRENP only with LRENPIE', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40, priority: 0x80 });
    expect(iar(vgic)).toBe(40);
    // The guest ends another interrupt it had acknowledged while it was in an LR (KVM has since
    // left it out of the LRs): the drop happens, no LR matches.
    v3(vgic).apr[4] = v3(vgic).apr[4]! | (1 << (0xc0 >> 3));
    expect(eoi(vgic, 40)).toMatchObject({ dropped: 0x80, deactivated: true });
    expect(eoi(vgic, 50)).toMatchObject({ dropped: 0xc0, deactivated: false, counted: true, lr: -1 });
    expect(eoiCount(v3(vgic).hcr)).toBe(1);
    expect(ichMisr(v3(vgic)) & ICH_MISR_LRENP).toBe(0);
    v3(vgic).hcr |= ICH_HCR_LRENPIE;
    expect(ichMisr(v3(vgic)) & ICH_MISR_LRENP).toBe(ICH_MISR_LRENP);
  });

  it('does not count without an active priority, for an LPI, for an SGI under vSGIEOICount, or an EOIR with EOImode 1', () => {
    const vgic = testVm(1);
    const s = v3(vgic);
    expect(eoi(vgic, 50)).toMatchObject({ ignored: 'no active priority to drop', counted: false });
    s.apr[4] = 0b111;
    expect(eoi(vgic, 8192)).toMatchObject({ counted: false });
    s.hcr |= ICH_HCR_VSGIEOICOUNT;
    expect(eoi(vgic, 3)).toMatchObject({ counted: false });
    s.hcr &= ~ICH_HCR_VSGIEOICOUNT;
    expect(eoi(vgic, 3)).toMatchObject({ counted: true });
    expect(eoiCount(s.hcr)).toBe(1);
    s.vmcr |= ICH_VMCR_VEOIM;
    s.apr[4] = 1;
    expect(eoi(vgic, 50)).toMatchObject({ dropped: 0, counted: false });
    expect(icvDeactivate(vgic, 0, 50)).toMatchObject({ counted: true });
    expect(eoiCount(s.hcr)).toBe(2);
    expect(icvDeactivate(vgic, 0, 8192)).toMatchObject({ ignored: 'special INTID or LPI' });
  });

  it('wraps EOIcount at 32', () => {
    const vgic = testVm(1);
    const s = v3(vgic);
    s.vmcr |= ICH_VMCR_VEOIM;
    for (let i = 0; i < 33; i++) icvDeactivate(vgic, 0, 50);
    expect(eoiCount(s.hcr)).toBe(1);
  });

  it('traps DIR with TDIR', () => {
    const vgic = testVm(1);
    v3(vgic).hcr |= ICH_HCR_TDIR;
    v3(vgic).vmcr |= ICH_VMCR_VEOIM;
    expect(icvDeactivate(vgic, 0, 40)).toMatchObject({ trapped: true, counted: false });
    expect(eoiCount(v3(vgic).hcr)).toBe(0);
  });

  it('raises the EOI maintenance interrupt when a level LR with EOI is deactivated', () => {
    const vgic = testVm(1);
    setLr(vgic, 0, { vintid: 40, eoi: true });
    expect(iar(vgic)).toBe(40);
    expect(ichMisr(v3(vgic)) & ICH_MISR_EOI).toBe(0);
    eoi(vgic, 40);
    expect(ichMisr(v3(vgic)) & ICH_MISR_EOI).toBe(ICH_MISR_EOI);
  });
});

describe('ICV register accesses', () => {
  it('lists the ICC registers a guest reaches virtually, not the SGI or SRE ones', () => {
    expect(findIcvRegister('ICC_IAR1_EL1')?.name).toBe('ICV_IAR1_EL1');
    expect(findIcvRegister('icv_dir')?.name).toBe('ICV_DIR_EL1');
    expect(findIcvRegister('ICC_SGI1R_EL1')).toBeUndefined();
    expect(findIcvRegister('ICC_SRE_EL1')).toBeUndefined();
    expect(ICV_REGISTERS.find((r) => r.name === 'ICV_IAR1_EL1')?.enc).toEqual([3, 0, 12, 12, 0]);
  });

  it('keeps the binary points, CBPR alias and APR words as the architecture says', () => {
    const vgic = testVm(1);
    icvAccess(vgic, 0, 'ICV_BPR0_EL1', true, 0n);
    expect(icvPeek(vgic, 0, 'ICV_BPR0_EL1')).toBe(2n); // raised to the minimum
    icvAccess(vgic, 0, 'ICV_BPR1_EL1', true, 5n);
    expect(icvPeek(vgic, 0, 'ICV_BPR1_EL1')).toBe(5n);
    icvAccess(vgic, 0, 'ICV_CTLR_EL1', true, 1n); // CBPR
    expect(icvPeek(vgic, 0, 'ICV_BPR1_EL1')).toBe(3n); // BPR0 + 1
    icvAccess(vgic, 0, 'ICV_BPR1_EL1', true, 6n); // ignored
    icvAccess(vgic, 0, 'ICV_CTLR_EL1', true, 0n);
    expect(icvPeek(vgic, 0, 'ICV_BPR1_EL1')).toBe(5n);
    // ICV_CTLR_EL1: PRIbits 4 (five bits), IDbits 0, A3V.
    expect(icvPeek(vgic, 0, 'ICV_CTLR_EL1')).toBe(BigInt((4 << 8) | (1 << 15)));
    icvAccess(vgic, 0, 'ICV_AP1R1_EL1', true, 0xffn); // five priority bits: one APR word
    expect(icvPeek(vgic, 0, 'ICV_AP1R1_EL1')).toBe(0n);
    icvAccess(vgic, 0, 'ICV_AP1R0_EL1', true, 1n);
    expect(icvPeek(vgic, 0, 'ICV_RPR_EL1')).toBe(0n);
  });

  it('refuses bad accesses with a reason instead of throwing', () => {
    const vgic = testVm(1);
    expect(icvAccess(vgic, 0, 'ICV_RPR_EL1', true, 1n)).toEqual({
      ok: false,
      problem: 'ICV_RPR_EL1 is read-only',
    });
    expect(icvAccess(vgic, 0, 'ICV_EOIR1_EL1', false)).toEqual({
      ok: false,
      problem: 'ICV_EOIR1_EL1 is write-only',
    });
    expect(icvAccess(vgic, 0, 'ICV_NOPE_EL1', false)).toMatchObject({ ok: false });
    expect(icvAccess(vgic, 7, 'ICV_PMR_EL1', false)).toMatchObject({ ok: false, problem: 'no vCPU 7' });
  });

  it('never throws and keeps its state well formed under any access sequence (property)', () => {
    const names = ICV_REGISTERS.map((r) => r.name);
    const access = fc.record({
      reg: fc.constantFrom(...names),
      write: fc.boolean(),
      value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    });
    const lr = fc.record({
      n: fc.integer({ min: 0, max: 3 }),
      state: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      group: fc.constantFrom(0 as const, 1 as const),
      priority: fc.integer({ min: 0, max: 255 }),
      vintid: fc.constantFrom(0, 3, 27, 40, 41, 1020, 1023, 8192),
      hw: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(access, lr), { maxLength: 40 }), (ops) => {
        const vgic = testVm(1);
        for (const o of ops) {
          if ('reg' in o) {
            const r = icvAccess(vgic, 0, o.reg, o.write, o.value);
            expect(typeof r.ok).toBe('boolean');
          } else {
            setLr(vgic, o.n, {
              state: o.state,
              group: o.group,
              priority: o.priority,
              vintid: o.vintid,
              hw: o.hw,
              pintid: o.hw ? o.vintid & 0x3ff : 0,
            });
          }
          const s = v3(vgic);
          expect(eoiCount(s.hcr)).toBeLessThan(32);
          expect(s.apr.slice(1, 4).concat(s.apr.slice(5))).toEqual([0, 0, 0, 0, 0, 0]);
          const rp = rpr(vgic);
          expect(rp === 0xff || (rp & 0x07) === 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
