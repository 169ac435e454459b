/**
 * KVM_IRQ_LINE on arm64: how userspace raises and lowers an interrupt line of the VM
 * (kvm_vm_ioctl_irq_line in arch/arm64/kvm/arm.c; reference §5.5, seed 003).
 *
 * The ioctl takes struct kvm_irq_level { irq, level }. On arm64 the 32-bit `irq` word is not a GSI
 * but an encoded target (GSI routing does not apply to KVM_IRQ_LINE, §5.5):
 *
 *   [31:28] vcpu2_index  (KVM_ARM_IRQ_VCPU2_SHIFT 28, mask 0xf; the vCPU number's bits [11:8])
 *   [27:24] irq_type     (KVM_ARM_IRQ_TYPE_SHIFT 24, mask 0xf: CPU 0, SPI 1, PPI 2)
 *   [23:16] vcpu_index   (KVM_ARM_IRQ_VCPU_SHIFT 16, mask 0xff; bits [7:0])
 *   [15:0]  irq_id       (KVM_ARM_IRQ_NUM_SHIFT 0, mask 0xffff)
 *
 * Seed 003 (the 2014 kvmarm thread) shows the original layout with an 8-bit irq_type in [31:24];
 * KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 (2019) cut irq_type to 4 bits to make room for vcpu2_index, which
 * is safe because only types 0..2 were ever accepted. The kernel decodes vcpu2_index always; the
 * capability only tells userspace it may use it (api.rst asks for 0 without it).
 *
 * With an in-kernel irqchip (a vgic) SPI and PPI go to kvm_vgic_inject_irq (ap-list.ts), whose own
 * errors (-EBUSY before a GICv3 is initialised, -EINVAL for an INTID the VM does not have) are the
 * ioctl's; CPU is refused with -ENXIO. Without one (a userspace GIC) only CPU works: it drives the
 * vCPU's virtual IRQ/FIQ wire (HCR_EL2.VI/VF) and SPI/PPI are -ENXIO.
 */

import { kvmVgicInjectIrq, type InjectResult } from './ap-list';
import { kvmErr, u32, type KvmErrnoName } from './kvm-errno';
import { NO_VCPU, VGIC_CONFIG_LEVEL, VGIC_NR_PRIVATE_IRQS, VGIC_NR_SGIS } from './vgic-irq';
import { vgicGetIrq, type VgicState } from './vgic-state';

export const KVM_ARM_IRQ_VCPU2_SHIFT = 28;
export const KVM_ARM_IRQ_VCPU2_MASK = 0xf;
export const KVM_ARM_IRQ_TYPE_SHIFT = 24;
export const KVM_ARM_IRQ_TYPE_MASK = 0xf;
export const KVM_ARM_IRQ_VCPU_SHIFT = 16;
export const KVM_ARM_IRQ_VCPU_MASK = 0xff;
export const KVM_ARM_IRQ_NUM_SHIFT = 0;
export const KVM_ARM_IRQ_NUM_MASK = 0xffff;

export const KVM_ARM_IRQ_TYPE_CPU = 0;
export const KVM_ARM_IRQ_TYPE_SPI = 1;
export const KVM_ARM_IRQ_TYPE_PPI = 2;

/** irq_id values for KVM_ARM_IRQ_TYPE_CPU. */
export const KVM_ARM_IRQ_CPU_IRQ = 0;
export const KVM_ARM_IRQ_CPU_FIQ = 1;

/** KVM_ARM_IRQ_GIC_MAX: an obsolete userspace constant (§5.5); KVM checks nothing against it. */
export const KVM_ARM_IRQ_GIC_MAX = 127;

export const KVM_ARM_IRQ_TYPE_NAMES: Record<number, string> = {
  [KVM_ARM_IRQ_TYPE_CPU]: 'KVM_ARM_IRQ_TYPE_CPU',
  [KVM_ARM_IRQ_TYPE_SPI]: 'KVM_ARM_IRQ_TYPE_SPI',
  [KVM_ARM_IRQ_TYPE_PPI]: 'KVM_ARM_IRQ_TYPE_PPI',
};

/** The fields of a KVM_IRQ_LINE irq word. */
export interface KvmArmIrqFields {
  /** The word as a u32. */
  irq: number;
  irqType: number;
  vcpu2Index: number;
  vcpuIndex: number;
  irqId: number;
  /** The vCPU the word names: vcpu2_index * 256 + vcpu_index (a vcpu_id; the model's ids are indices). */
  vcpu: number;
}

export function decodeKvmArmIrq(word: number): KvmArmIrqFields {
  const irq = u32(word);
  const vcpu2Index = (irq >>> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK;
  const vcpuIndex = (irq >>> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK;
  return {
    irq,
    irqType: (irq >>> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK,
    vcpu2Index,
    vcpuIndex,
    irqId: (irq >>> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK,
    vcpu: vcpu2Index * (KVM_ARM_IRQ_VCPU_MASK + 1) + vcpuIndex,
  };
}

/**
 * The irq word for a type, a vCPU (0..4095, split into vcpu_index and vcpu2_index) and an irq_id.
 * Out-of-range fields are masked, as a C caller's shifts would.
 */
export function encodeKvmArmIrq(f: { irqType: number; vcpu?: number; irqId: number }): number {
  const vcpu = u32(f.vcpu ?? 0);
  return (
    (((((vcpu >>> 8) & KVM_ARM_IRQ_VCPU2_MASK) << KVM_ARM_IRQ_VCPU2_SHIFT) |
      ((u32(f.irqType) & KVM_ARM_IRQ_TYPE_MASK) << KVM_ARM_IRQ_TYPE_SHIFT) |
      ((vcpu & KVM_ARM_IRQ_VCPU_MASK) << KVM_ARM_IRQ_VCPU_SHIFT) |
      ((u32(f.irqId) & KVM_ARM_IRQ_NUM_MASK) << KVM_ARM_IRQ_NUM_SHIFT)) >>>
      0) >>>
    0
  );
}

/** A vCPU's virtual IRQ and FIQ wires (HCR_EL2.VI / VF), used only without an in-kernel irqchip. */
export interface KvmCpuIrqLines {
  irq: boolean;
  fiq: boolean;
}

/**
 * What KVM_IRQ_LINE needs to know about the VM: its vgic, or null for a userspace irqchip (then
 * `cpuLines` holds one entry per vCPU, the state vcpu_interrupt_line drives). With a vgic, the
 * vCPU count is the vgic's and `cpuLines` is unused.
 */
export interface KvmIrqLineVm {
  vgic: VgicState | null;
  cpuLines: KvmCpuIrqLines[];
}

/** struct kvm_irq_level: `level` is a __u32 and any non-zero value asserts the line. */
export interface KvmIrqLevel {
  irq: number;
  level: number;
}

export interface KvmIrqLineResult {
  /** ret >= 0. */
  ok: boolean;
  /** The ioctl's return: 0 or -errno. */
  ret: number;
  errno?: KvmErrnoName;
  /** Why it failed, or what it did. */
  reason: string;
  decoded: KvmArmIrqFields;
  level: boolean;
  /** The call made into kvm_vgic_inject_irq (SPI/PPI with a vgic), with its outcome. */
  inject?: { vcpu: number; intid: number; result: InjectResult };
  /** The wire vcpu_interrupt_line drove (CPU without a vgic); `kick` is NO_VCPU when unchanged. */
  cpuLine?: { vcpu: number; line: 'IRQ' | 'FIQ'; changed: boolean; kick: number };
}

function nrVcpus(vm: KvmIrqLineVm): number {
  return vm.vgic ? vm.vgic.vcpus.length : vm.cpuLines.length;
}

/** Why kvm_vgic_inject_irq returned 0 without acting (vgic_validate_injection said no). */
function noEffectReason(vgic: VgicState, vcpu: number, intid: number, level: boolean): string {
  const irq = vgicGetIrq(vgic, vcpu, intid);
  if (!irq) return 'no effect';
  if (irq.owner !== null) return `no effect: INTID ${intid} is owned by the in-kernel device '${irq.owner}'`;
  if (irq.config === VGIC_CONFIG_LEVEL)
    return `no effect: the level-sensitive line of INTID ${intid} is already ${level ? 1 : 0}`;
  return `no effect: edge-triggered INTID ${intid} ignores level 0`;
}

function viaVgic(
  vgic: VgicState,
  vcpu: number,
  intid: number,
  level: boolean,
  base: Pick<KvmIrqLineResult, 'decoded' | 'level'>,
): KvmIrqLineResult {
  const result = kvmVgicInjectIrq(vgic, vcpu, intid, level, null);
  const inject = { vcpu, intid, result };
  if (result.ret < 0) {
    const reason =
      result.error === 'EBUSY'
        ? 'the GICv3 vgic is not initialised yet (KVM_DEV_ARM_VGIC_CTRL_INIT): kvm_vgic_inject_irq returns -EBUSY'
        : `INTID ${intid} does not exist in this VM (${vgic.dist.nrSpis} SPIs, INTIDs 32..${31 + vgic.dist.nrSpis}; LPIs only when mapped)`;
    return { ...kvmErr(result.error ?? 'EINVAL', reason), ...base, inject };
  }
  const reason = result.acted
    ? `INTID ${intid} ${level ? 'asserted' : 'deasserted'}${result.queued ? `, queued on vCPU ${result.kick}` : ''}`
    : noEffectReason(vgic, vcpu, intid, level);
  return { ok: true, ret: 0, reason, ...base, inject };
}

/**
 * kvm_vm_ioctl_irq_line (arm64). Checks, in KVM's order:
 *  - CPU: an in-kernel irqchip → -ENXIO; no vCPU with that number → -EINVAL; irq_id > 1 (FIQ)
 *    → -EINVAL; else drive the vCPU's IRQ/FIQ wire (a change kicks the vCPU).
 *  - PPI: no in-kernel irqchip → -ENXIO; no such vCPU → -EINVAL; irq_id outside 16..31 → -EINVAL;
 *    else kvm_vgic_inject_irq(vcpu, irq_id, level).
 *  - SPI: no in-kernel irqchip → -ENXIO; irq_id < 32 → -EINVAL (the vCPU fields are ignored);
 *    else kvm_vgic_inject_irq(NULL, irq_id, level), which refuses an INTID the VM does not have
 *    (-EINVAL) and an uninitialised GICv3 (-EBUSY). irq_id is 16 bits, so an SPI-typed word can
 *    name a mapped LPI (8192..65535): kvm_vgic_inject_irq finds it and latches it, as in KVM.
 *  - any other irq_type → -EINVAL.
 * Never throws: every word gives 0 or a named errno.
 */
export function kvmVmIoctlIrqLine(vm: KvmIrqLineVm, args: KvmIrqLevel): KvmIrqLineResult {
  const decoded = decodeKvmArmIrq(args.irq);
  const level = u32(args.level) !== 0;
  const base = { decoded, level };
  const fail = (errno: KvmErrnoName, reason: string): KvmIrqLineResult => ({
    ...kvmErr(errno, reason),
    ...base,
  });
  const { irqType, irqId, vcpu } = decoded;
  const inKernel = vm.vgic !== null;
  const badVcpu = (): KvmIrqLineResult =>
    fail(
      'EINVAL',
      `no vCPU ${vcpu} (vcpu2_index ${decoded.vcpu2Index} * 256 + vcpu_index ${decoded.vcpuIndex}); the VM has ${nrVcpus(vm)}`,
    );

  switch (irqType) {
    case KVM_ARM_IRQ_TYPE_CPU: {
      if (inKernel)
        return fail(
          'ENXIO',
          'KVM_ARM_IRQ_TYPE_CPU drives the vCPU IRQ/FIQ wires directly and is refused with an in-kernel irqchip',
        );
      if (vcpu >= vm.cpuLines.length) return badVcpu();
      if (irqId > KVM_ARM_IRQ_CPU_FIQ)
        return fail('EINVAL', `irq_id ${irqId}: KVM_ARM_IRQ_TYPE_CPU takes 0 (IRQ) or 1 (FIQ)`);
      const lines = vm.cpuLines[vcpu]!;
      const line = irqId === KVM_ARM_IRQ_CPU_IRQ ? 'IRQ' : 'FIQ';
      const key = line === 'IRQ' ? 'irq' : 'fiq';
      const changed = lines[key] !== level;
      lines[key] = level;
      return {
        ok: true,
        ret: 0,
        reason: changed
          ? `vCPU ${vcpu} virtual ${line} ${level ? 'raised' : 'lowered'}`
          : `vCPU ${vcpu} virtual ${line} already ${level ? 1 : 0}`,
        ...base,
        cpuLine: { vcpu, line, changed, kick: changed ? vcpu : NO_VCPU },
      };
    }
    case KVM_ARM_IRQ_TYPE_PPI: {
      if (!vm.vgic)
        return fail('ENXIO', 'KVM_ARM_IRQ_TYPE_PPI needs an in-kernel irqchip (create the vgic first)');
      if (vcpu >= vm.vgic.vcpus.length) return badVcpu();
      if (irqId < VGIC_NR_SGIS || irqId >= VGIC_NR_PRIVATE_IRQS)
        return fail('EINVAL', `irq_id ${irqId}: a PPI is INTID 16..31`);
      return viaVgic(vm.vgic, vcpu, irqId, level, base);
    }
    case KVM_ARM_IRQ_TYPE_SPI: {
      if (!vm.vgic)
        return fail('ENXIO', 'KVM_ARM_IRQ_TYPE_SPI needs an in-kernel irqchip (create the vgic first)');
      if (irqId < VGIC_NR_PRIVATE_IRQS) return fail('EINVAL', `irq_id ${irqId}: an SPI is INTID 32 or above`);
      return viaVgic(vm.vgic, NO_VCPU, irqId, level, base);
    }
    default:
      return fail('EINVAL', `irq_type ${irqType} is not KVM_ARM_IRQ_TYPE_CPU (0), _SPI (1) or _PPI (2)`);
  }
}
