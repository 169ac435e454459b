/**
 * The outside inputs a machine with VMs accepts, as plain data (journalled like every Input):
 * what the VMM (QEMU, kvmtool, VFIO) asks of KVM, what the guest's code does on a vCPU, and where
 * the scenario puts vCPU threads. kvm-inputs.ts applies them; the command language compiles its
 * `vm<N> ...` lines to them (engine/scenario/execute.ts).
 */

import type { KvmIrqRoutingEntryUser } from './gsi-routing';

/** One access the guest's code makes on a vCPU (guest-software.ts runs them in order). */
export type GuestOp =
  /** A load or store to a guest physical address: the guest's GIC frames trap to KVM (an MMIO exit), RAM does not. */
  | { kind: 'mmio'; addr: number; width: 8 | 16 | 32 | 64; write: boolean; value: bigint }
  /** An ICC_* system register: the guest runs on the virtual CPU interface, ICV_*, without exiting (ICC_SGI1R_EL1 traps). */
  | { kind: 'icc'; reg: string; write: boolean; value: bigint }
  /** Bytes stored to guest RAM. */
  | { kind: 'mem'; addr: number; bytes: number[] }
  /**
   * The guest's ITS driver posts a command to virtual ITS `its`: the 32 bytes stored at
   * GITS_CBASER + GITS_CWRITER in guest RAM, then GITS_CWRITER advanced (which traps).
   */
  | { kind: 'its-cmd'; its: number; dws: [bigint, bigint, bigint, bigint]; name: string }
  /** The guest writes LPI `intid`'s byte in its property table (GICR_PROPBASER, VM-wide under KVM). */
  | { kind: 'lpi-config'; intid: number; value: number }
  /** The guest sets or clears LPI `intid`'s bit in vCPU `vcpu`'s pending table (GICR_PENDBASER). */
  | { kind: 'lpi-pending'; vcpu: number; intid: number; set: boolean }
  /**
   * The guest programs its virtual timer (CNTV_CVAL_EL0 = now + `ns`, CNTV_CTL_EL0 = ENABLE), or
   * turns it off (`ns` null: ENABLE = 0). No trap: the timer is the guest's own (arch-timer.ts).
   */
  | { kind: 'timer'; ns: number | null };

/** A VMM's call on a VM: the KVM ioctls of the interrupt API, and eventfd writes. */
export type KvmCall =
  /** KVM_IRQ_LINE: `irq` is kvm_irq_level.irq as passed (irq_type / vcpu_index / irq_id, seed 003). */
  | { kind: 'irq-line'; irq: number; level: number }
  /** KVM_SIGNAL_MSI. */
  | { kind: 'signal-msi'; addressLo: number; addressHi: number; data: number; flags: number; devid: number }
  /** KVM_SET_GSI_ROUTING: replaces the whole table. */
  | { kind: 'set-gsi-routing'; entries: KvmIrqRoutingEntryUser[] }
  /** eventfd(2): a new eventfd in the VMM (numbered from 3 up). */
  | { kind: 'eventfd' }
  /** KVM_IRQFD (flags: DEASSIGN 1, RESAMPLE 2). */
  | { kind: 'irqfd'; fd: number; gsi: number; flags: number; resamplefd: number }
  /** write(2) to an eventfd: whoever holds it signals it (a VMM device model, or by hand). */
  | { kind: 'eventfd-signal'; fd: number }
  /**
   * VFIO_DEVICE_SET_IRQS (MSI, eventfd trigger) for an assigned device's vector: VFIO requests the
   * host interrupt the host ITS maps that vector's MSI to (`hostIntid`, a host LPI) with a handler
   * that signals `fd`.
   */
  | { kind: 'vfio-irq'; device: string; vector: number; hostIntid: number; fd: number }
  /**
   * Migration of the VM's interrupt state: vCPUs stopped, KVM_DEV_ARM_ITS_SAVE_TABLES,
   * KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, then the VM rebuilt from guest memory
   * (KVM_DEV_ARM_ITS_RESTORE_TABLES) as a destination would (vm-migrate.ts).
   */
  | { kind: 'migrate' };

export type KvmInput =
  | { kind: 'kvm'; vm: number; call: KvmCall }
  | { kind: 'guest'; vm: number; vcpu: number; op: GuestOp }
  /** Pins vCPU `vcpu` to pCPU `pcpu` (-1: unpins); a loaded vCPU is moved now. */
  | { kind: 'vcpu-pin'; vm: number; vcpu: number; pcpu: number };
