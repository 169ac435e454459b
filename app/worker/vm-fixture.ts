/**
 * A machine with a VM, built and driven through the engine's Node API, for the worker's tests:
 * the guest brings its vgic up on vCPU 0, then the VMM raises three SPIs with KVM_IRQ_LINE on a
 * vCPU that has two list registers (so one waits on the ap_list), and the vCPUs are moved between
 * the two physical CPUs with pins.
 */

import { Machine, resolveMachine, type Input } from '../../engine';

/** KVM_IRQ_LINE's irq word for SPI `intid`: irq_type 1 (KVM_ARM_IRQ_TYPE_SPI) in bits [27:24]. */
export const spiLine = (intid: number): number => (1 << 24) | intid;

const guestWrite = (vcpu: number, addr: number, value: number): Input => ({
  kind: 'guest',
  vm: 0,
  vcpu,
  op: { kind: 'mmio', addr, width: 32, write: true, value: BigInt(value) },
});

const guestIcc = (vcpu: number, reg: string, value: number): Input => ({
  kind: 'guest',
  vm: 0,
  vcpu,
  op: { kind: 'icc', reg, write: true, value: BigInt(value) },
});

export const irqLine = (intid: number, level = 1): Input => ({
  kind: 'kvm',
  vm: 0,
  call: { kind: 'irq-line', irq: spiLine(intid), level },
});

/** A 2-pCPU host running vm0 (2 vCPUs, `lrs` list registers each), as built (nothing run). */
export function vmMachine(lrs = 2, software: 'eoi' | 'hold' = 'eoi', idle: 'wfi' | 'spin' = 'wfi'): Machine {
  const r = resolveMachine({ profile: 'kvm', cpus: 2, vms: [{ vcpus: 2, lrs, software, idle }] });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return Machine.create(r.machine);
}

/** The guest's bring-up on vCPU `vcpu`: distributor on, SPIs 32..34 enabled, PMR open, Group 1 on. */
export function bringUp(m: Machine, vcpu = 0): void {
  m.input(guestWrite(vcpu, 0x0800_0000, 0x12)); // GICD_CTLR: ARE + EnableGrp1A
  m.input(guestWrite(vcpu, 0x0800_0104, 0x7)); // GICD_ISENABLER1: SPIs 32, 33, 34
  m.input(guestIcc(vcpu, 'ICC_PMR_EL1', 0xf0));
  m.input(guestIcc(vcpu, 'ICC_IGRPEN1_EL1', 1));
  m.run();
}

/** The whole story: bring-up, three SPIs, both vCPUs busy, then moved by pins. Run to its end. */
export function vmStory(software: 'eoi' | 'hold' = 'eoi'): Machine {
  const m = vmMachine(2, software);
  m.run();
  bringUp(m);
  for (const intid of [32, 33, 34]) m.input(irqLine(intid));
  m.run();
  m.input(guestIcc(1, 'ICC_PMR_EL1', 0xf0));
  m.input(guestIcc(1, 'ICC_IGRPEN1_EL1', 1));
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
  m.run();
  m.input(guestIcc(0, 'ICC_PMR_EL1', 0xf8));
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 1 });
  m.run();
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 0 });
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 1 });
  m.input(guestIcc(0, 'ICC_PMR_EL1', 0xf0));
  m.input(guestIcc(1, 'ICC_PMR_EL1', 0xf0));
  m.run();
  return m;
}

/** An eventfd bound by KVM_IRQFD to GSI `gsi` (default routing: SPI 32 + gsi), then written once. */
export function irqfdStory(gsi = 1): Machine {
  const m = vmMachine();
  m.run();
  bringUp(m);
  m.input({ kind: 'kvm', vm: 0, call: { kind: 'eventfd' } });
  m.input({ kind: 'kvm', vm: 0, call: { kind: 'irqfd', fd: 3, gsi, flags: 0, resamplefd: 0 } });
  m.run();
  m.input({ kind: 'kvm', vm: 0, call: { kind: 'eventfd-signal', fd: 3 } });
  m.run();
  return m;
}

/**
 * vCPUs that spin instead of blocking in WFI, so they stay loaded (in the guest) when idle: pins
 * then move them while they run (preempting them), two pinned to one pCPU share it by time slices,
 * and a migration kicks them out of the guest.
 */
export function pinStory(): Machine {
  const m = vmMachine(2, 'eoi', 'spin');
  m.run();
  bringUp(m);
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 0 });
  m.run();
  m.input(irqLine(32));
  m.run();
  // Both pinned to pCPU 0: they take turns, a time slice each, for as long as this runs.
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
  m.run({ maxEvents: 30 });
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 1 });
  m.run();
  m.input({ kind: 'kvm', vm: 0, call: { kind: 'migrate' } });
  m.run();
  m.input(irqLine(33));
  m.run();
  return m;
}
