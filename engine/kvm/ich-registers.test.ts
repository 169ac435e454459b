import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodingName } from '../gic/icc-registers';
import { lrValue } from './vgic-fixture';
import {
  decodeIch,
  decodeIchLr,
  encodeIchLr,
  findIchRegister,
  ICH_HCR_EN,
  ICH_HCR_LRENPIE,
  ICH_HCR_NPIE,
  ICH_HCR_UIE,
  ICH_HCR_VGRP0DIE,
  ICH_HCR_VGRP1EIE,
  ICH_MISR_EOI,
  ICH_MISR_LRENP,
  ICH_MISR_NP,
  ICH_MISR_U,
  ICH_MISR_VGRP0D,
  ICH_MISR_VGRP1E,
  ICH_VMCR_VENG1,
  ichEisr,
  ichElrsr,
  ichLrRead,
  ichLrWrite,
  ichMaintenance,
  ichMisr,
  ichRead,
  ichRegisters,
  ichVmcrSanitize,
  ichVtr,
  ichWrite,
  vmcrBpr0,
  vmcrBpr1,
  vmcrPmr,
  withEoiCount,
  type IchState,
} from './ich-registers';

const state = (nrLr = 4): IchState => ({
  hcr: ICH_HCR_EN,
  vmcr: 0,
  apr: [0, 0, 0, 0, 0, 0, 0, 0],
  lrLo: new Array<number>(nrLr).fill(0),
  lrHi: new Array<number>(nrLr).fill(0),
});

const lr = lrValue;

describe('ICH_LR<n>_EL2 layout', () => {
  it('places every field at its architected bits', () => {
    // Pending, Group 1, priority 0xa0, EOI, vINTID 42.
    expect(lr({ vintid: 42, eoi: true })).toBe(0x50a002000000002an);
    // Active, HW, pINTID 27 in [44:32].
    expect(lr({ state: 2, hw: true, pintid: 27, group: 0, priority: 0x80, vintid: 27 })).toBe(
      0xa080001b0000001bn,
    );
    // Pending+active, NMI, a 32-bit vINTID.
    expect(lr({ state: 3, nmi: true, priority: 0, vintid: 0xffffffff })).toBe(0xd8000000ffffffffn);
    // pINTID uses 13 bits: bit 44 is its top.
    expect(lr({ hw: true, pintid: 0x1fff }) >> 32n).toBe(0x70a01fffn);
  });

  it('reads the EOI bit only without HW, and pINTID only with it', () => {
    const v = 0x50a002000000002an | (1n << 61n); // the same bits with HW set
    expect(decodeIchLr(v)).toMatchObject({ hw: true, eoi: false, pintid: 0x200 });
    expect(decodeIchLr(0x50a002000000002an)).toMatchObject({ hw: false, eoi: true, pintid: 0 });
  });

  it('round-trips every well-formed LR (property)', () => {
    const arb = fc.record({
      state: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      hw: fc.boolean(),
      group: fc.constantFrom(0 as const, 1 as const),
      nmi: fc.boolean(),
      priority: fc.integer({ min: 0, max: 255 }),
      pintid: fc.integer({ min: 0, max: 0x1fff }),
      eoi: fc.boolean(),
      vintid: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(arb, (x) => {
        const want = { ...x, pintid: x.hw ? x.pintid : 0, eoi: x.hw ? false : x.eoi };
        expect(decodeIchLr(encodeIchLr(x))).toEqual(want);
        const s = state();
        ichLrWrite(s, 2, encodeIchLr(x));
        expect(ichLrRead(s, 2)).toBe(encodeIchLr(x));
      }),
    );
  });
});

describe('the ICH register table', () => {
  it('has the architected encodings and only as many LRs as implemented', () => {
    const enc = (name: string): string => encodingName(findIchRegister(16, name)!.enc);
    expect(enc('ICH_HCR_EL2')).toBe('S3_4_C12_C11_0');
    expect(enc('ICH_VTR_EL2')).toBe('S3_4_C12_C11_1');
    expect(enc('ICH_MISR_EL2')).toBe('S3_4_C12_C11_2');
    expect(enc('ICH_EISR_EL2')).toBe('S3_4_C12_C11_3');
    expect(enc('ICH_ELRSR_EL2')).toBe('S3_4_C12_C11_5');
    expect(enc('ICH_VMCR_EL2')).toBe('S3_4_C12_C11_7');
    expect(enc('ICH_AP1R2_EL2')).toBe('S3_4_C12_C9_2');
    expect(enc('ICH_LR3_EL2')).toBe('S3_4_C12_C12_3');
    expect(enc('ICH_LR11_EL2')).toBe('S3_4_C12_C13_3');
    expect(ichRegisters(4).filter((r) => r.name.startsWith('ICH_LR'))).toHaveLength(4);
    expect(findIchRegister(4, 'ICH_LR4_EL2')).toBeUndefined();
    expect(findIchRegister(4, 'ich_hcr')?.name).toBe('ICH_HCR_EL2');
  });

  it('reads and writes by name, refusing read-only registers', () => {
    const s = state();
    expect(ichWrite(s, 5, 'ICH_LR1_EL2', 0x40a0000000000029n)).toBe(true);
    expect(ichRead(s, 5, 'ICH_LR1_EL2')).toBe(0x40a0000000000029n);
    expect(ichWrite(s, 5, 'ICH_VTR_EL2', 0n)).toBe(false);
    expect(ichRead(s, 5, 'ICH_VTR_EL2')).toBe(BigInt(ichVtr(4, 5)));
    expect(ichRead(s, 5, 'ICH_LR9_EL2')).toBeUndefined();
    const f = decodeIch(4, 'ICH_VTR_EL2', BigInt(ichVtr(4, 5)))!;
    expect(f.find((x) => x.name === 'ListRegs')?.value).toBe(3);
    expect(f.find((x) => x.name === 'PRIbits')?.value).toBe(4);
    expect(f.find((x) => x.name === 'PREbits')?.value).toBe(4);
  });
});

describe('ICH_VMCR_EL2', () => {
  it('raises binary points below the minimum and keeps implemented priority bits', () => {
    const v = ichVmcrSanitize(0xffffffff, 5);
    expect(vmcrPmr(v)).toBe(0xf8);
    expect(vmcrBpr0(v)).toBe(7);
    const z = ichVmcrSanitize(0, 5);
    expect(vmcrBpr0(z)).toBe(2);
    expect(vmcrBpr1(z)).toBe(3);
    const eight = ichVmcrSanitize(0, 8);
    expect(vmcrBpr0(eight)).toBe(0);
    expect(vmcrBpr1(eight)).toBe(1);
  });
});

describe('maintenance status (ICH_EISR/ELRSR/MISR)', () => {
  it('EOI: an invalid LR with EOI and no HW', () => {
    const s = state();
    ichLrWrite(s, 2, lr({ state: 0, eoi: true }));
    ichLrWrite(s, 3, lr({ state: 0, hw: true, pintid: 41 }));
    expect(ichEisr(s)).toBe(0b0100);
    // LR2 is not empty (its EOI is still to be taken); LR0, LR1 and the HW LR3 are.
    expect(ichElrsr(s)).toBe(0b1011);
    expect(ichMisr(s) & ICH_MISR_EOI).toBe(ICH_MISR_EOI);
    expect(ichMaintenance(s)).toBe(true);
    s.hcr = 0; // the interface is off: no maintenance interrupt
    expect(ichMaintenance(s)).toBe(false);
  });

  it('U with UIE when at most one LR is valid; NP with NPIE when none is pending', () => {
    const s = state();
    s.hcr = ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_NPIE;
    ichLrWrite(s, 0, lr({ state: 1 }));
    ichLrWrite(s, 1, lr({ state: 2, vintid: 41 }));
    expect(ichMisr(s)).toBe(0);
    ichLrWrite(s, 0, lr({ state: 3 })); // pending+active is not "pending"
    expect(ichMisr(s)).toBe(ICH_MISR_NP);
    ichLrWrite(s, 0, 0n);
    expect(ichMisr(s)).toBe(ICH_MISR_U | ICH_MISR_NP);
  });

  it('LRENP with LRENPIE while EOIcount is not zero', () => {
    const s = state();
    s.hcr = withEoiCount(ICH_HCR_EN, 1);
    expect(ichMisr(s)).toBe(0);
    s.hcr |= ICH_HCR_LRENPIE;
    expect(ichMisr(s)).toBe(ICH_MISR_LRENP);
  });

  it('VGrp0D / VGrp1E follow the group enables in the VMCR', () => {
    const s = state();
    s.hcr = ICH_HCR_EN | ICH_HCR_VGRP0DIE | ICH_HCR_VGRP1EIE;
    expect(ichMisr(s)).toBe(ICH_MISR_VGRP0D);
    s.vmcr = ICH_VMCR_VENG1;
    expect(ichMisr(s)).toBe(ICH_MISR_VGRP0D | ICH_MISR_VGRP1E);
  });
});
