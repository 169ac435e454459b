import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeKvmArmIrq,
  encodeKvmArmIrq,
  KVM_ARM_IRQ_TYPE_CPU,
  KVM_ARM_IRQ_TYPE_PPI,
  KVM_ARM_IRQ_TYPE_SPI,
  kvmVmIoctlIrqLine,
  type KvmIrqLineVm,
} from './irq-line';
import { KVM_ERRNO } from './kvm-errno';
import { configure, testVm } from './vgic-fixture';
import { irqIsPending, NO_VCPU } from './vgic-irq';
import { createVgicState, defaultVgicConfig, vgicAddLpi, vgicGetIrq } from './vgic-state';

const withVgic = (vcpus = 4): KvmIrqLineVm => ({ vgic: testVm(vcpus), cpuLines: [] });
const userIrqchip = (vcpus = 2): KvmIrqLineVm => ({
  vgic: null,
  cpuLines: Array.from({ length: vcpus }, () => ({ irq: false, fiq: false })),
});
const spiWord = (irqId: number, vcpu = 0) => encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, vcpu, irqId });
const ppiWord = (irqId: number, vcpu: number) =>
  encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_PPI, vcpu, irqId });
const cpuWord = (irqId: number, vcpu: number) =>
  encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_CPU, vcpu, irqId });

describe('the irq word (seed 003, §5.5)', () => {
  it('decodes the words of the seed and of syzkaller programs: 0x1000020 is SPI 32, 0x1010020 names vCPU 1', () => {
    expect(decodeKvmArmIrq(0x1000020)).toMatchObject({
      irqType: 1,
      vcpuIndex: 0,
      vcpu2Index: 0,
      irqId: 32,
      vcpu: 0,
    });
    expect(decodeKvmArmIrq(0x1010020)).toMatchObject({ irqType: 1, vcpuIndex: 1, irqId: 32, vcpu: 1 });
  });

  it('layout 2: vcpu2_index in [31:28] adds 256 per step; irq_type is only [27:24]', () => {
    const w = encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_PPI, vcpu: 300, irqId: 27 });
    expect(w).toBe(((1 << 28) | (2 << 24) | (44 << 16) | 27) >>> 0);
    expect(decodeKvmArmIrq(w)).toMatchObject({
      irqType: 2,
      vcpu2Index: 1,
      vcpuIndex: 44,
      vcpu: 300,
      irqId: 27,
    });
    expect(decodeKvmArmIrq(0xf2ff001b)).toMatchObject({ irqType: 2, vcpu: 4095 });
  });

  it('encode and decode are inverse over every field value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 0xffff }),
        (irqType, vcpu, irqId) => {
          const d = decodeKvmArmIrq(encodeKvmArmIrq({ irqType, vcpu, irqId }));
          expect([d.irqType, d.vcpu, d.irqId]).toEqual([irqType, vcpu, irqId]);
        },
      ),
    );
  });
});

describe('KVM_ARM_IRQ_TYPE_SPI', () => {
  it('asserts a level SPI (line_level, queued on its target) and lowering it clears the line', () => {
    const vm = withVgic();
    configure(vm.vgic!, NO_VCPU, 40, { level: true, target: 2 });
    const r = kvmVmIoctlIrqLine(vm, { irq: spiWord(40, 3), level: 1 });
    expect(r).toMatchObject({
      ok: true,
      ret: 0,
      inject: { vcpu: NO_VCPU, intid: 40, result: { acted: true, queued: true, kick: 2 } },
    });
    const irq = vgicGetIrq(vm.vgic!, NO_VCPU, 40)!;
    expect(irq.lineLevel).toBe(true);
    expect(irq.vcpu).toBe(2); // the vcpu_index field (3) is ignored for an SPI
    expect(kvmVmIoctlIrqLine(vm, { irq: spiWord(40), level: 7 })).toMatchObject({
      ok: true,
      inject: { result: { acted: false } },
    });
    expect(kvmVmIoctlIrqLine(vm, { irq: spiWord(40), level: 0 }).inject!.result.acted).toBe(true);
    expect(irq.lineLevel).toBe(false);
  });

  it('an edge SPI latches on 1; the 0 that ends the pulse has no effect', () => {
    const vm = withVgic();
    configure(vm.vgic!, NO_VCPU, 41, {});
    expect(kvmVmIoctlIrqLine(vm, { irq: spiWord(41), level: 1 }).inject!.result.acted).toBe(true);
    const r = kvmVmIoctlIrqLine(vm, { irq: spiWord(41), level: 0 });
    expect(r).toMatchObject({ ok: true, ret: 0, inject: { result: { acted: false } } });
    expect(r.reason).toMatch(/edge-triggered INTID 41 ignores level 0/);
    expect(irqIsPending(vgicGetIrq(vm.vgic!, NO_VCPU, 41)!)).toBe(true);
  });

  it('irq_id below 32 is -EINVAL before reaching the vgic', () => {
    const r = kvmVmIoctlIrqLine(withVgic(), { irq: spiWord(31), level: 1 });
    expect(r).toMatchObject({ ok: false, ret: -KVM_ERRNO.EINVAL, errno: 'EINVAL' });
    expect(r.inject).toBeUndefined();
  });

  it('an SPI the VM does not have is kvm_vgic_inject_irq’s -EINVAL (224 SPIs end at 255)', () => {
    const vm = withVgic();
    expect(kvmVmIoctlIrqLine(vm, { irq: spiWord(255), level: 1 }).ok).toBe(true);
    for (const id of [256, 1019, 1020, 1023, 8191, 8192]) {
      const r = kvmVmIoctlIrqLine(vm, { irq: spiWord(id), level: 1 });
      expect(r).toMatchObject({ ok: false, errno: 'EINVAL', ret: -22 });
      expect(r.inject!.result.error).toBe('EINVAL');
    }
  });

  it('a GICv3 not yet initialised is -EBUSY; a GICv2 is initialised lazily', () => {
    const v3 = withVgic();
    v3.vgic!.dist.initialized = false;
    expect(kvmVmIoctlIrqLine(v3, { irq: spiWord(40), level: 1 })).toMatchObject({
      ok: false,
      errno: 'EBUSY',
      ret: -16,
    });
    const v2: KvmIrqLineVm = { vgic: createVgicState(defaultVgicConfig(2, { model: 2 })), cpuLines: [] };
    v2.vgic!.dist.initialized = false;
    expect(kvmVmIoctlIrqLine(v2, { irq: spiWord(40), level: 1 }).ok).toBe(true);
    expect(v2.vgic!.dist.initialized).toBe(true);
  });

  it('as in KVM, an SPI-typed word reaches a mapped LPI (irq_id is 16 bits and the lookup finds it)', () => {
    const vm = withVgic();
    const lpi = vgicAddLpi(vm.vgic!, 8192, 1)!;
    lpi.enabled = true;
    expect(kvmVmIoctlIrqLine(vm, { irq: spiWord(8192), level: 1 })).toMatchObject({
      ok: true,
      inject: { result: { acted: true, kick: 1 } },
    });
    expect(lpi.pendingLatch).toBe(true);
  });

  it('without an in-kernel irqchip SPI and PPI are -ENXIO', () => {
    expect(kvmVmIoctlIrqLine(userIrqchip(), { irq: spiWord(40), level: 1 })).toMatchObject({
      errno: 'ENXIO',
      ret: -6,
    });
    expect(kvmVmIoctlIrqLine(userIrqchip(), { irq: ppiWord(27, 0), level: 1 })).toMatchObject({
      errno: 'ENXIO',
    });
  });
});

describe('KVM_ARM_IRQ_TYPE_PPI', () => {
  it('drives the PPI of the named vCPU only', () => {
    const vm = withVgic();
    configure(vm.vgic!, 1, 23, { level: true });
    const r = kvmVmIoctlIrqLine(vm, { irq: ppiWord(23, 1), level: 1 });
    expect(r).toMatchObject({ ok: true, inject: { vcpu: 1, intid: 23, result: { queued: true, kick: 1 } } });
    expect(vm.vgic!.vcpus[1]!.privateIrqs[23]!.lineLevel).toBe(true);
    expect(vm.vgic!.vcpus[0]!.privateIrqs[23]!.lineLevel).toBe(false);
    expect(vm.vgic!.vcpus[1]!.apList).toEqual([23]);
  });

  it('irq_id outside 16..31 is -EINVAL (SGIs cannot be injected this way)', () => {
    for (const id of [0, 15, 32, 40])
      expect(kvmVmIoctlIrqLine(withVgic(), { irq: ppiWord(id, 0), level: 1 }).errno).toBe('EINVAL');
  });

  it('a vCPU number the VM does not have is -EINVAL, including through vcpu2_index', () => {
    const vm = withVgic(4);
    expect(kvmVmIoctlIrqLine(vm, { irq: ppiWord(27, 3), level: 1 }).ok).toBe(true);
    const r = kvmVmIoctlIrqLine(vm, { irq: ppiWord(27, 4), level: 1 });
    expect(r).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(r.reason).toMatch(/no vCPU 4/);
    expect(kvmVmIoctlIrqLine(vm, { irq: ppiWord(27, 256), level: 1 }).errno).toBe('EINVAL');
  });

  it('a PPI owned by an in-kernel device (the timer) ignores userspace: 0 and no effect', () => {
    const vm = withVgic();
    vm.vgic!.vcpus[0]!.privateIrqs[27]!.owner = 'arch_timer';
    const r = kvmVmIoctlIrqLine(vm, { irq: ppiWord(27, 0), level: 1 });
    expect(r).toMatchObject({ ok: true, ret: 0, inject: { result: { acted: false } } });
    expect(r.reason).toMatch(/owned by the in-kernel device 'arch_timer'/);
    expect(vm.vgic!.vcpus[0]!.privateIrqs[27]!.lineLevel).toBe(false);
  });
});

describe('KVM_ARM_IRQ_TYPE_CPU and unknown types', () => {
  it('with an in-kernel GICv3 the CPU type is -ENXIO', () => {
    expect(kvmVmIoctlIrqLine(withVgic(), { irq: cpuWord(0, 0), level: 1 })).toMatchObject({
      ok: false,
      errno: 'ENXIO',
      ret: -6,
    });
  });

  it('without one it drives HCR_EL2.VI/VF, kicking the vCPU only on a change', () => {
    const vm = userIrqchip(2);
    expect(kvmVmIoctlIrqLine(vm, { irq: cpuWord(0, 1), level: 1 })).toMatchObject({
      ok: true,
      cpuLine: { vcpu: 1, line: 'IRQ', changed: true, kick: 1 },
    });
    expect(kvmVmIoctlIrqLine(vm, { irq: cpuWord(0, 1), level: 1 }).cpuLine).toMatchObject({
      changed: false,
      kick: NO_VCPU,
    });
    expect(kvmVmIoctlIrqLine(vm, { irq: cpuWord(1, 1), level: 1 }).cpuLine).toMatchObject({
      line: 'FIQ',
      changed: true,
    });
    expect(vm.cpuLines).toEqual([
      { irq: false, fiq: false },
      { irq: true, fiq: true },
    ]);
    kvmVmIoctlIrqLine(vm, { irq: cpuWord(0, 1), level: 0 });
    expect(vm.cpuLines[1]!.irq).toBe(false);
  });

  it('CPU type: irq_id above 1 and a missing vCPU are -EINVAL', () => {
    expect(kvmVmIoctlIrqLine(userIrqchip(2), { irq: cpuWord(2, 0), level: 1 }).errno).toBe('EINVAL');
    expect(kvmVmIoctlIrqLine(userIrqchip(2), { irq: cpuWord(0, 2), level: 1 }).errno).toBe('EINVAL');
  });

  it('irq_type 3..15 is -EINVAL with or without a vgic', () => {
    for (const t of [3, 4, 15]) {
      const w = encodeKvmArmIrq({ irqType: t, irqId: 40 });
      expect(kvmVmIoctlIrqLine(withVgic(), { irq: w, level: 1 })).toMatchObject({
        errno: 'EINVAL',
        ret: -22,
      });
      expect(kvmVmIoctlIrqLine(userIrqchip(), { irq: w, level: 1 }).errno).toBe('EINVAL');
    }
  });
});

describe('bad input (property)', () => {
  it('any irq and level words never throw and give 0 or a named errno whose value is the return', () => {
    const names = new Set(Object.keys(KVM_ERRNO));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.double()),
        fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.double()),
        fc.boolean(),
        (irq, level, inKernel) => {
          const vm = inKernel ? withVgic(2) : userIrqchip(2);
          const r = kvmVmIoctlIrqLine(vm, { irq, level });
          if (r.ok) expect(r.ret).toBe(0);
          else {
            expect(names.has(r.errno!)).toBe(true);
            expect(r.ret).toBe(-KVM_ERRNO[r.errno!]);
            expect(r.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
