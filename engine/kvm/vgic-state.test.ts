import { describe, expect, it } from 'vitest';
import { clonePlain, decodePlain, encodePlain } from '../sim/plain-codec';
import { ICH_HCR_EN, vmcrBpr0, vmcrBpr1, ICH_VMCR_VFIQEN } from './ich-registers';
import { NO_VCPU, VGIC_CONFIG_EDGE, VGIC_CONFIG_LEVEL } from './vgic-irq';
import {
  checkVgicConfig,
  createVgicState,
  defaultVgicConfig,
  vgicAddLpi,
  vgicGetIrq,
  vgicMpidrToVcpu,
  vgicPutIrq,
  vgicSetSpiAffinity,
} from './vgic-state';

describe('vgic_init defaults (§6.12)', () => {
  const vgic = createVgicState(defaultVgicConfig(4));

  it('SGIs are enabled and edge, PPIs level and disabled, all Group 1 on their own vCPU', () => {
    const c2 = vgic.vcpus[2]!;
    for (let i = 0; i < 16; i++) {
      expect(c2.privateIrqs[i]).toMatchObject({
        intid: i,
        enabled: true,
        config: VGIC_CONFIG_EDGE,
        group: 1,
      });
    }
    for (let i = 16; i < 32; i++) {
      expect(c2.privateIrqs[i]).toMatchObject({ intid: i, enabled: false, config: VGIC_CONFIG_LEVEL });
    }
    expect(c2.privateIrqs[27]!.targetVcpu).toBe(2);
    expect(c2.privateIrqs[27]!.mpidr).toBe(c2.mpidr & 0xffffff);
  });

  it('SPIs are disabled, edge, priority 0, Group 1, routed to vCPU 0 with mpidr 0', () => {
    expect(vgic.dist.nrSpis).toBe(224);
    expect(vgic.dist.spis).toHaveLength(224);
    expect(vgic.dist.spis[8]).toMatchObject({
      intid: 40,
      enabled: false,
      config: VGIC_CONFIG_EDGE,
      priority: 0,
      group: 1,
      targetVcpu: 0,
      mpidr: 0,
      vcpu: NO_VCPU,
    });
    expect(vgic.dist.enabled).toBe(false);
  });

  it('each CPU interface starts with ICH_HCR_EL2 = En and the binary points at their minimum', () => {
    const v3 = vgic.vcpus[0]!.v3;
    expect(v3.hcr).toBe(ICH_HCR_EN);
    expect(vmcrBpr0(v3.vmcr)).toBe(2); // 5 priority bits: 7 - 5
    expect(vmcrBpr1(v3.vmcr)).toBe(3);
    expect(v3.vmcr & ICH_VMCR_VFIQEN).toBe(ICH_VMCR_VFIQEN);
    expect(v3.lrLo).toHaveLength(4);
  });

  it('a GICv2 guest gets Group 0 and a target bit per vCPU', () => {
    const v2 = createVgicState(defaultVgicConfig(3, { model: 2 }));
    expect(v2.vcpus[2]!.privateIrqs[5]).toMatchObject({ group: 0, targets: 0b100 });
    expect(v2.dist.spis[0]).toMatchObject({ group: 0, targets: 0 });
  });
});

describe('configuration checks', () => {
  it('refuses impossible shapes with a reason each', () => {
    const p = checkVgicConfig({ ...defaultVgicConfig(2), nrLr: 17, nrSpis: 100, priorityBits: 9 });
    expect(p).toHaveLength(3);
    expect(() => createVgicState({ ...defaultVgicConfig(1), nrLr: 0 })).toThrow(/nrLr/);
    expect(checkVgicConfig(defaultVgicConfig(9, { model: 2 }))[0]).toMatch(/at most 8/);
  });
});

describe('vgic_get_irq', () => {
  const vgic = createVgicState(defaultVgicConfig(2, { nrSpis: 64 }));

  it('finds private IRQs per vCPU, SPIs and mapped LPIs, and nothing else', () => {
    expect(vgicGetIrq(vgic, 1, 31)).toBe(vgic.vcpus[1]!.privateIrqs[31]);
    expect(vgicGetIrq(vgic, 0, 31)).not.toBe(vgicGetIrq(vgic, 1, 31));
    expect(vgicGetIrq(vgic, -1, 5)).toBeUndefined();
    expect(vgicGetIrq(vgic, -1, 32)).toBe(vgic.dist.spis[0]);
    expect(vgicGetIrq(vgic, -1, 95)?.intid).toBe(95);
    expect(vgicGetIrq(vgic, -1, 96)).toBeUndefined();
    expect(vgicGetIrq(vgic, -1, 1023)).toBeUndefined();
    expect(vgicGetIrq(vgic, -1, 8192)).toBeUndefined();
    vgicAddLpi(vgic, 8192, 1);
    expect(vgicGetIrq(vgic, -1, 8192)?.targetVcpu).toBe(1);
  });
});

describe('SPI routing', () => {
  it('keeps Aff2..Aff0 of an IROUTER write and routes to the vCPU with that affinity', () => {
    const vgic = createVgicState(defaultVgicConfig(20));
    const spi = vgic.dist.spis[0]!;
    // vCPU 17 has Aff1 = 1, Aff0 = 1. Aff3 (bits [39:32] of IROUTER) and IRM do not exist in KVM.
    vgicSetSpiAffinity(vgic, spi, 0x80000101);
    expect(spi.mpidr).toBe(0x101);
    expect(spi.targetVcpu).toBe(17);
    expect(vgicMpidrToVcpu(vgic, 0x101)).toBe(17);
    vgicSetSpiAffinity(vgic, spi, 0x0505);
    expect(spi.targetVcpu).toBe(NO_VCPU);
  });
});

describe('LPI references', () => {
  it('an LPI lives while something holds a reference and is erased with the last', () => {
    const vgic = createVgicState(defaultVgicConfig(2));
    const lpi = vgicAddLpi(vgic, 8200, 0)!;
    expect(lpi).toMatchObject({ group: 1, config: VGIC_CONFIG_EDGE, refcount: 1 });
    expect(vgicAddLpi(vgic, 8200, 1)).toBe(lpi); // a second ITE maps the same INTID
    expect(lpi.refcount).toBe(2);
    expect(vgicPutIrq(vgic, lpi)).toBe(false);
    expect(vgicPutIrq(vgic, lpi)).toBe(true);
    expect(vgic.dist.lpis.has(8200)).toBe(false);
    expect(vgicAddLpi(vgic, 100, 0)).toBeUndefined();
    expect(vgicAddLpi(vgic, 0x10000, 0)).toBeUndefined();
  });
});

describe('plain data', () => {
  it('survives the snapshot copy and the JSON codec unchanged', () => {
    const vgic = createVgicState(defaultVgicConfig(2, { nrLr: 6 }));
    vgicAddLpi(vgic, 8192, 1);
    vgic.vcpus[1]!.apList.push(8192);
    vgic.vcpus[1]!.v3.lrHi[3] = 0x80a00000;
    expect(clonePlain(vgic)).toEqual(vgic);
    expect(decodePlain(JSON.parse(JSON.stringify(encodePlain(vgic))))).toEqual(vgic);
  });
});
