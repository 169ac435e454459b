/**
 * Executing one command-language action on a machine, as a driver or a device would: register
 * accesses become bus accesses, an ITS command is written into the queue at GITS_CWRITER and then
 * announced by writing GITS_CWRITER, an MSI comes from a named PCI endpoint with the DeviceID its
 * Requester ID gives it. The sandbox console and the scenario runner share this.
 *
 * Names the machine lacks (rd9 on four PEs, an unknown device, an ITS with no valid command
 * queue) are refused before any input is applied, with the reason.
 *
 * A VM's lines compile to KVM inputs (engine/kvm/kvm-input-types.ts): a guest line to one GuestOp
 * per access, queued on the vCPU and run by the guest's code when the vCPU runs — so nothing that
 * depends on the guest's state is computed here (not the ITS queue slot, not the property table
 * address), only what the line names: the VM, the vCPU, the virtual ITS, an assigned device.
 */

// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks).
import '../kvm/kvm-extension';
import { FIRST_LPI } from '../gic/gic-config';
import { pendTableBase, propTableBase } from '../gic/lpi';
import { decodeCommand, encodeCommand, type CommandWords } from '../its/command-encoding';
import type { GuestOp, KvmCall } from '../kvm/kvm-input-types';
import type { VmState } from '../kvm/vm-state';
import { queueGeometry } from '../its/command-queue';
import { memReadU8, memVisible } from '../mem/memory';
import type { Input } from '../platform/inputs';
import type { Machine } from '../platform/machine';
import { deviceIdOf } from '../platform/pci';
import type { Action } from './actions';
import { GUEST_FILL_LIMIT } from './command-parser';
import { guestFrames, noVcpu, noVits, resolveTarget, vmOf } from './targets';

export type ExecResult = { ok: true; inputs: number; value?: bigint } | { ok: false; error: string };

const bytesLE = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

function postCommand(m: Machine, itsIndex: number, dws: CommandWords): ExecResult {
  const its = m.s.its[itsIndex];
  if (!its) return { ok: false, error: `there is no ITS ${itsIndex}` };
  const q = queueGeometry(its);
  if (!q.valid || q.size === 0)
    return {
      ok: false,
      error: `GITS_CBASER of ITS ${itsIndex} is not valid: the command has no queue to go into`,
    };
  const off = Number(its.cwriter & 0xfffe0n);
  if (off >= q.size) return { ok: false, error: `GITS_CWRITER (0x${off.toString(16)}) is beyond the queue` };
  const addr = q.base + off;
  if (!memVisible(m.s.mem, addr, 32))
    return { ok: false, error: `the queue slot at 0x${addr.toString(16)} is not in RAM` };
  m.input({ kind: 'mem-write', addr, bytes: dws.flatMap((d) => bytesLE(d, 8)) });
  const next = BigInt((off + 32) % q.size);
  m.input({ kind: 'mmio', addr: its.cfg.base + 0x88, width: 64, write: true, value: next, by: 'driver' });
  return { ok: true, inputs: 2 };
}

/**
 * The access a guest line makes, as the GuestOp the vCPU's code will run; or why it cannot be one.
 * Register names resolve in the guest's address space, from the issuing vCPU.
 */
export function guestOp(vm: VmState, vcpu: number, a: Action): GuestOp | string {
  switch (a.kind) {
    case 'mmio-read':
    case 'mmio-write': {
      if (a.kind === 'mmio-write' && a.op)
        return "a guest line cannot read-modify-write (the guest's read happens when it runs)";
      const r = resolveTarget(guestFrames(vm, vcpu), a.target, a.width);
      if (!r.ok) return r.error;
      const write = a.kind === 'mmio-write';
      const value = write ? a.value : 0n;
      if (value >= 1n << BigInt(r.width))
        return `0x${value.toString(16)} does not fit in a ${r.width}-bit access`;
      return { kind: 'mmio', addr: r.addr, width: r.width, write, value };
    }
    case 'icc-read':
      return { kind: 'icc', reg: a.reg, write: false, value: 0n };
    case 'icc-write':
      return { kind: 'icc', reg: a.reg, write: true, value: a.value };
    case 'mem-write':
      return { kind: 'mem', addr: a.addr, bytes: bytesLE(a.value, a.width / 8) };
    case 'mem-bytes':
      return { kind: 'mem', addr: a.addr, bytes: a.bytes };
    case 'mem-fill':
      if (a.len === 0) return 'a fill of 0 bytes stores nothing';
      if (a.len > GUEST_FILL_LIMIT)
        return `a guest fill is at most ${GUEST_FILL_LIMIT / 1024}K (the guest's code stores every byte); ${a.len} bytes asked`;
      return { kind: 'mem', addr: a.addr, bytes: new Array<number>(a.len).fill(a.byte) };
    case 'its-cmd': {
      if (!vm.its[a.its]) return noVits(vm, a.its);
      const enc = encodeCommand(a.name, a.fields);
      if (!enc.ok) return enc.error;
      return { kind: 'its-cmd', its: a.its, dws: enc.dws, name: a.name };
    }
    case 'its-raw':
      if (!vm.its[a.its]) return noVits(vm, a.its);
      return { kind: 'its-cmd', its: a.its, dws: a.dws, name: decodeCommand(a.dws).name };
    case 'lpi-config':
      return { kind: 'lpi-config', intid: a.intid, value: a.value };
    case 'vtimer':
      return { kind: 'timer', ns: a.ns };
    case 'lpi-pending':
      // Whose pending table: the named redistributor's (vCPU rd's GICR_PENDBASER, read when the guest runs).
      if (a.rd >= vm.cfg.vcpus) return guestFrames(vm, vcpu).unitBase({ type: 'rd', n: a.rd }) as string;
      return { kind: 'lpi-pending', vcpu: a.rd, intid: a.intid, set: a.set };
    default:
      return `'${a.kind}' is not something a guest's code does on a vCPU`;
  }
}

/** Why a KVM call names something the machine lacks (an assigned device), or undefined. */
function kvmCallProblem(m: Machine, vm: VmState, k: KvmCall): string | undefined {
  if (k.kind !== 'vfio-irq') return undefined;
  if (!m.s.machine.devices.some((d) => d.name === k.device))
    return `no device named '${k.device}' (devices: ${m.s.machine.devices.map((x) => x.name).join(', ') || 'none'})`;
  if (!vm.cfg.assigned.some((d) => d.device === k.device)) {
    const list = vm.cfg.assigned.map((d) => d.device).join(', ');
    return `device '${k.device}' is not assigned to vm${vm.index} (${list ? `assigned: ${list}` : 'it has no assigned devices'})`;
  }
  return undefined;
}

/** Applies an action that changes the machine. Control lines (run, wait, step) and expectations are the runner's. */
export function executeAction(m: Machine, a: Action): ExecResult {
  const one = (i: Input): ExecResult => {
    m.input(i);
    return { ok: true, inputs: 1 };
  };
  const nCpu = m.s.gic.cfg.affinity.length;
  const cpuOk = (c: number): string | undefined =>
    c < nCpu ? undefined : `there is no cpu${c} (the machine has ${nCpu} PEs)`;
  switch (a.kind) {
    case 'mmio-read':
    case 'mmio-write': {
      const r = resolveTarget(m, a.target, a.width);
      if (!r.ok) return r;
      const write = a.kind === 'mmio-write';
      let value = write ? a.value : 0n;
      if (write && value >= 1n << BigInt(r.width))
        return { ok: false, error: `0x${value.toString(16)} does not fit in a ${r.width}-bit access` };
      let inputs = 1;
      if (a.kind === 'mmio-write' && a.op) {
        // Read-modify-write, as software does it: a real read (an event), then the write.
        m.input({ kind: 'mmio', addr: r.addr, width: r.width, write: false, value: 0n, by: 'scenario' });
        const read = (m.log.get(m.seq - 1)?.data as { value?: string } | undefined)?.value;
        const cur = read !== undefined ? BigInt(read) : 0n;
        value = a.op === 'set-bits' ? cur | a.value : cur & ~a.value & ((1n << BigInt(r.width)) - 1n);
        inputs = 2;
      }
      m.input({ kind: 'mmio', addr: r.addr, width: r.width, write, value, by: 'scenario' });
      const e = m.log.get(m.seq - 1);
      const v = (e?.data as { value?: string } | undefined)?.value;
      return { ok: true, inputs, ...(v !== undefined ? { value: BigInt(v) } : {}) };
    }
    case 'icc-read':
    case 'icc-write': {
      const bad = cpuOk(a.cpu);
      if (bad) return { ok: false, error: bad };
      return one({
        kind: 'icc',
        cpu: a.cpu,
        reg: a.reg,
        write: a.kind === 'icc-write',
        value: a.kind === 'icc-write' ? a.value : 0n,
      });
    }
    case 'mem-write':
      return one({ kind: 'mem-write', addr: a.addr, bytes: bytesLE(a.value, a.width / 8) });
    case 'mem-bytes':
      return one({ kind: 'mem-write', addr: a.addr, bytes: a.bytes });
    case 'mem-fill':
      return one({ kind: 'mem-fill', addr: a.addr, len: a.len, byte: a.byte });
    case 'lpi-config': {
      const bad = cpuOk(a.rd);
      if (bad) return { ok: false, error: bad.replace('cpu', 'rd') };
      const addr = propTableBase(m, a.rd) + (a.intid - FIRST_LPI);
      if (!memVisible(m.s.mem, addr, 1))
        return {
          ok: false,
          error: `LPI ${a.intid}'s property byte would be at 0x${addr.toString(16)}, which is not RAM: is GICR_PROPBASER set?`,
        };
      return one({ kind: 'mem-write', addr, bytes: [a.value & 0xff] });
    }
    case 'lpi-pending': {
      const bad = cpuOk(a.rd);
      if (bad) return { ok: false, error: bad.replace('cpu', 'rd') };
      const addr = pendTableBase(m, a.rd) + Math.floor(a.intid / 8);
      if (!memVisible(m.s.mem, addr, 1))
        return {
          ok: false,
          error: `LPI ${a.intid}'s pending bit would be at 0x${addr.toString(16)}, which is not RAM: is GICR_PENDBASER set?`,
        };
      const byte = memReadU8(m.s.mem, addr);
      const bit = 1 << (a.intid % 8);
      return one({ kind: 'mem-write', addr, bytes: [a.set ? byte | bit : byte & ~bit] });
    }
    case 'its-cmd': {
      const enc = encodeCommand(a.name, a.fields);
      if (!enc.ok) return { ok: false, error: enc.error };
      return postCommand(m, a.its, enc.dws);
    }
    case 'its-raw':
      return postCommand(m, a.its, a.dws);
    case 'msi': {
      if (a.device.kind === 'name') {
        const name = a.device.name;
        const d = m.s.machine.devices.find((x) => x.name === name);
        if (!d)
          return {
            ok: false,
            error: `no device named '${name}' (devices: ${m.s.machine.devices.map((x) => x.name).join(', ') || 'none'})`,
          };
        return one({
          kind: 'msi',
          device: d.name,
          rid: d.rid,
          devid: deviceIdOf(d),
          its: d.its,
          eventid: a.eventid,
        });
      }
      if (m.s.its.length === 0) return { ok: false, error: 'the machine has no ITS' };
      return one({
        kind: 'msi',
        device: '',
        rid: a.device.rid,
        devid: a.device.rid,
        its: 0,
        eventid: a.eventid,
      });
    }
    case 'line': {
      const cpu = a.cpu ?? 0;
      const bad = cpuOk(cpu);
      if (bad) return { ok: false, error: bad };
      if (a.intid >= 32 && a.intid - 32 >= m.s.gic.cfg.spis)
        return {
          ok: false,
          error: `the machine has no SPI ${a.intid} (it has ${m.s.gic.cfg.spis} SPIs, INTIDs 32 to ${31 + m.s.gic.cfg.spis})`,
        };
      if (a.level === 'pulse') {
        m.input({ kind: 'line', intid: a.intid, cpu, level: 1 });
        m.input({ kind: 'line', intid: a.intid, cpu, level: 0 });
        return { ok: true, inputs: 2 };
      }
      return one({ kind: 'line', intid: a.intid, cpu, level: a.level === 'high' ? 1 : 0 });
    }
    case 'software': {
      const cpus = a.cpus === 'all' ? [...Array(nCpu).keys()] : a.cpus;
      for (const c of cpus) {
        const bad = cpuOk(c);
        if (bad) return { ok: false, error: bad };
      }
      return one({ kind: 'software', cpus, policy: a.policy });
    }
    case 'migrate':
      return one({ kind: 'migrate' });
    case 'guest': {
      const vm = vmOf(m, a.vm);
      if (typeof vm === 'string') return { ok: false, error: vm };
      const bad = noVcpu(vm, a.vcpu);
      if (bad) return { ok: false, error: bad };
      const op = guestOp(vm, a.vcpu, a.action);
      if (typeof op === 'string') return { ok: false, error: op };
      return one({ kind: 'guest', vm: a.vm, vcpu: a.vcpu, op });
    }
    case 'kvm': {
      const vm = vmOf(m, a.vm);
      if (typeof vm === 'string') return { ok: false, error: vm };
      const bad = kvmCallProblem(m, vm, a.call);
      if (bad) return { ok: false, error: bad };
      return one({ kind: 'kvm', vm: a.vm, call: a.call });
    }
    case 'vcpu-pin': {
      const vm = vmOf(m, a.vm);
      if (typeof vm === 'string') return { ok: false, error: vm };
      const bad = noVcpu(vm, a.vcpu);
      if (bad) return { ok: false, error: bad };
      if (a.pcpu >= nCpu) return { ok: false, error: `there is no pcpu${a.pcpu} (the host has ${nCpu} PEs)` };
      return one({ kind: 'vcpu-pin', vm: a.vm, vcpu: a.vcpu, pcpu: a.pcpu < 0 ? -1 : a.pcpu });
    }
    case 'vtimer':
      return {
        ok: false,
        error: "the host's timers are not modelled: 'timer' is a guest line (vm0 vcpu0 timer 5us)",
      };
    case 'run':
    case 'wait':
    case 'step':
    case 'expect':
      return { ok: false, error: `'${a.kind}' is not an input` };
  }
}
