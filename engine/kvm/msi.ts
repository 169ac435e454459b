/**
 * MSIs from userspace and from MSI routes, up to the door of the virtual ITS: KVM_SIGNAL_MSI
 * (kvm_send_userspace_msi, virt/kvm/irqchip.c), kvm_set_msi (vgic-irqfd.c) and the doorbell lookup
 * of vgic_msi_to_its (vgic-its.c). Reference §5.3 and §5.5.
 *
 * The vITS itself (translation, its cache, E_ITS_* codes) is not here: a valid MSI comes back as a
 * `VitsMsi` {vITS, doorbell, DeviceID, EventID} for the wiring to hand to the vITS model, and
 * `kvmSignalMsiReturn` turns the vITS's answer into the ioctl's return value (>0 delivered,
 * 0 blocked by the guest's tables, <0 error).
 *
 * Order matters in one place: vgic_its_inject_msi tries the translation cache BEFORE
 * vgic_msi_to_its checks KVM_MSI_VALID_DEVID, and the cache lookup only needs the doorbell to fall
 * in a vITS. So an MSI without the flag is -EINVAL only on a cache miss; the result then carries
 * `cacheOnly`, the translation the vITS must probe its cache for first.
 */

import { kvmErr, u32, type KvmErr } from './kvm-errno';

/** kvm_msi.flags / routing entry flags bit 0: the devid field is valid. */
export const KVM_MSI_VALID_DEVID = 1 << 0;
/** KVM_VGIC_V3_ITS_SIZE: the vITS's MMIO frame pair (2 x 64 KiB); any address in it is a doorbell. */
export const KVM_VGIC_V3_ITS_SIZE = 0x20000n;
/** GITS_TRANSLATER's offset in the vITS frame (where a guest's devices actually write). */
export const GITS_TRANSLATER_OFFSET = 0x10040n;

/** struct kvm_msi (the pad words are not modelled; KVM does not check them). */
export interface KvmMsi {
  addressLo: number;
  addressHi: number;
  data: number;
  flags: number;
  devid: number;
}

/**
 * What the VM offers MSIs: whether it has an in-kernel irqchip (a vgic), whether a vITS exists
 * (dist->has_its, set when the ITS device is created, §5.6) and each vITS's base address (null
 * while still VGIC_ADDR_UNDEF).
 */
export interface KvmMsiContext {
  irqchipInKernel: boolean;
  hasIts: boolean;
  itsBases: (bigint | null)[];
}

/** An MSI for the virtual ITS: which vITS the doorbell hit, and the DeviceID/EventID to translate. */
export interface VitsMsi {
  itsIndex: number;
  itsBase: bigint;
  doorbell: bigint;
  devid: number;
  /** The MSI data, which KVM uses as the EventID. */
  eventid: number;
}

export type MsiResult =
  | (KvmErr & { cacheOnly?: VitsMsi })
  | {
      ok: true;
      /** Not decided here: the vITS's translation gives 1, 0 or -errno (kvmSignalMsiReturn). */
      ret: null;
      its: VitsMsi;
      reason: string;
    };

export const msiDoorbell = (m: Pick<KvmMsi, 'addressLo' | 'addressHi'>): bigint =>
  (BigInt(u32(m.addressHi)) << 32n) | BigInt(u32(m.addressLo));

const hex = (v: bigint): string => '0x' + v.toString(16);

/** __vgic_doorbell_to_its: the vITS whose frame contains the doorbell, or -1. */
export function vitsForDoorbell(ctx: KvmMsiContext, doorbell: bigint): number {
  return ctx.itsBases.findIndex((b) => b !== null && doorbell >= b && doorbell < b + KVM_VGIC_V3_ITS_SIZE);
}

/**
 * vgic_msi_to_its (after the cache missed): no vITS → -ENODEV; KVM_MSI_VALID_DEVID clear → -EINVAL;
 * the doorbell (address_hi:address_lo) in no vITS frame (unmapped, or another device such as the
 * GICD/GICR frames) → -EINVAL. Otherwise the vITS and the DeviceID/EventID (= data) to translate.
 */
export function vgicMsiToIts(ctx: KvmMsiContext, msi: KvmMsi): MsiResult {
  if (!ctx.hasIts) return kvmErr('ENODEV', 'the VM has no virtual ITS');
  const doorbell = msiDoorbell(msi);
  const idx = vitsForDoorbell(ctx, doorbell);
  const its: VitsMsi | undefined =
    idx < 0
      ? undefined
      : {
          itsIndex: idx,
          itsBase: ctx.itsBases[idx]!,
          doorbell,
          devid: u32(msi.devid),
          eventid: u32(msi.data),
        };
  if (!(u32(msi.flags) & KVM_MSI_VALID_DEVID))
    return {
      ...kvmErr(
        'EINVAL',
        'KVM_MSI_VALID_DEVID is clear: the vITS needs a DeviceID (KVM_CAP_MSI_DEVID)' +
          (its ? '; delivered only if the translation cache already holds this DeviceID/EventID' : ''),
      ),
      ...(its ? { cacheOnly: its } : {}),
    };
  if (!its) return kvmErr('EINVAL', `doorbell ${hex(doorbell)} is not in any virtual ITS frame`);
  return {
    ok: true,
    ret: null,
    its,
    reason: `MSI to vITS ${idx} (doorbell ${hex(doorbell)}): DeviceID ${its.devid}, EventID ${its.eventid}`,
  };
}

/**
 * kvm_set_msi, the `set` of an MSI routing entry (and the tail of KVM_SIGNAL_MSI): no vITS →
 * -ENODEV; level 0 → -1 (an MSI has no falling edge; irqfd's second kvm_set_irq lands here); else
 * vgic_its_inject_msi, whose pre-vITS checks are vgicMsiToIts.
 */
export function kvmSetMsi(ctx: KvmMsiContext, msi: KvmMsi, level: boolean): MsiResult {
  if (!ctx.hasIts) return kvmErr('ENODEV', 'the VM has no virtual ITS');
  if (!level)
    return { ok: false, ret: -1, reason: 'level 0: an MSI has no falling edge (kvm_set_msi returns -1)' };
  return vgicMsiToIts(ctx, msi);
}

/**
 * KVM_SIGNAL_MSI (kvm_send_userspace_msi): no in-kernel irqchip → -EINVAL; a flag other than
 * KVM_MSI_VALID_DEVID → -EINVAL; then kvm_set_msi with level 1.
 */
export function kvmSendUserspaceMsi(ctx: KvmMsiContext, msi: KvmMsi): MsiResult {
  if (!ctx.irqchipInKernel) return kvmErr('EINVAL', 'KVM_SIGNAL_MSI needs an in-kernel irqchip');
  const flags = u32(msi.flags);
  if (flags & ~KVM_MSI_VALID_DEVID)
    return kvmErr('EINVAL', `flags 0x${flags.toString(16)}: only KVM_MSI_VALID_DEVID (bit 0) is defined`);
  return kvmSetMsi(ctx, msi, true);
}

/** What the vITS did with a VitsMsi (vgic_its_trigger_msi, §5.3). */
export type VitsMsiOutcome =
  | { kind: 'delivered' }
  /** A positive E_ITS_* code: the guest's tables do not map the event. */
  | { kind: 'its-error'; code: number }
  /** -EBUSY (ITS or LPIs disabled), -ENOMEM... */
  | { kind: 'errno'; ret: number };

/**
 * The KVM_SIGNAL_MSI return value for a vITS outcome (§5.3 step 4, api.rst): delivered → 1; an
 * E_ITS_* code → 0 ("blocked by the guest"); a negative errno as is.
 */
export function kvmSignalMsiReturn(outcome: VitsMsiOutcome): number {
  if (outcome.kind === 'delivered') return 1;
  if (outcome.kind === 'its-error') return 0;
  return outcome.ret;
}
