/**
 * KVM joins the machine: importing this module registers the KVM layer with the platform
 * (platform/machine-extension.ts) and adds its fields to the platform's types. A machine
 * description may then list `vms`; the machine state holds them in `kvm`; the VM inputs
 * (kvm-input-types.ts) are inputs; the host's software tells KVM when it takes an interrupt (a
 * vCPU running on that pCPU exits first; VFIO's handler runs for an assigned device's interrupt;
 * a vCPU waiting in the run loop enters again when the host is done).
 *
 * engine/scenario and engine/index.ts import it, so every machine built through them can run VMs.
 */

import { registerMachineExtension, type ExtensionInput } from '../platform/machine-extension';
import { SCOPED_TASK, type ScopedTask } from '../sim/kernel';
import { queuePush } from '../sim/task-queue';
import { costModelFrom } from './cost-model';
import { HOST_OP_HANDLERS } from './host-ops';
import { createKvmV4Host } from './its-v4-host';
import { clonePlain } from '../sim/plain-codec';
import type { KvmInput } from './kvm-input-types';
import { applyKvmInput, kvmInputProblem } from './kvm-inputs';
import { kvmHostInterrupt, kvmPcpuIdle, kvmPcpuIrq, scopedTask, V4_GIC_HANDLERS } from './vm-handlers';
import {
  cloneVmState,
  createVmState,
  resolveVm,
  vmStateWeight,
  type KvmState,
  type ResolvedVm,
  type VmOptions,
} from './vm-state';

declare module '../platform/machine-config' {
  interface MachineOptions {
    /** Virtual machines KVM runs on this host (docs/kvm-vgic.md). */
    vms?: VmOptions[];
  }
  interface ResolvedMachine {
    /** Absent: no VMs. */
    vms?: ResolvedVm[];
  }
}

declare module '../platform/platform-machine' {
  interface MachineState {
    /** The VMs KVM runs on this host (absent: no hypervisor). */
    kvm?: KvmState;
  }
}

declare module '../platform/machine-extension' {
  interface InputExtensions {
    kvm: KvmInput;
  }
}

const isKvmInput = (i: ExtensionInput): i is KvmInput =>
  i.kind === 'kvm' || i.kind === 'guest' || i.kind === 'vcpu-pin';

registerMachineExtension({
  name: 'kvm',
  handlers: { [SCOPED_TASK]: scopedTask, ...HOST_OP_HANDLERS, ...V4_GIC_HANDLERS },
  inputKinds: ['kvm', 'guest', 'vcpu-pin'],
  resolve(o, r, problems) {
    problems.push(...costModelFrom(o.timing ?? {}).problems.map((p) => `timing: ${p}`));
    if (!o.vms?.length) return;
    const names = new Set<string>();
    r.vms = o.vms.map((v, i) => {
      const vm = resolveVm(
        v,
        i,
        r.gic.affinity.length,
        (name) => r.devices.find((d) => d.name === name)?.rid,
        problems,
        r.gic.version >= 4 && r.profile !== 'kvm',
      );
      if (names.has(vm.name)) problems.push(`vms[${i}]: a second VM is named '${vm.name}'`);
      names.add(vm.name);
      return vm;
    });
  },
  init(r, s) {
    if (!r.vms?.length) return;
    s.kvm = { vms: r.vms.map((v, i) => createVmState(v, i, r.gic.affinity.length)) };
    if (r.vms.some((v) => v.gicv4)) s.kvm.v4 = createKvmV4Host(r);
    // The VMs' vCPU threads start runnable: each VM's scheduler is due at once.
    for (const vm of s.kvm.vms) {
      vm.scheduleQueued = true;
      queuePush<ScopedTask>(s.core.queue, 0, -1, SCOPED_TASK, { scope: vm.index, k: 'kvm.schedule', a: {} });
    }
  },
  clone(from, to) {
    if (from.kvm)
      to.kvm = {
        vms: from.kvm.vms.map(cloneVmState),
        ...(from.kvm.v4 ? { v4: clonePlain(from.kvm.v4) } : {}),
      };
  },
  weigh: (s) => (s.kvm?.vms ?? []).reduce((w, vm) => w + vmStateWeight(vm), 0),
  serialise(s, canonical) {
    if (s.kvm) canonical.kvm = s.kvm;
  },
  deserialised(s) {
    for (const vm of s.kvm?.vms ?? []) vm.mem.owned = new Set();
  },
  inputProblem: (m, i) => (isKvmInput(i) ? kvmInputProblem(m, i) : `not a KVM input`),
  applyInput(m, i) {
    if (isKvmInput(i)) applyKvmInput(m, i);
  },
  beforeTake: (m, cpu, intid) => (m.s.kvm ? kvmPcpuIrq(m, cpu, intid) : undefined),
  afterAck: (m, cpu, intid) => !!m.s.kvm && kvmHostInterrupt(m, cpu, intid),
  afterEret(m, cpu) {
    if (m.s.kvm) kvmPcpuIdle(m, cpu);
  },
});
