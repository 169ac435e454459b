/**
 * The outside inputs a machine accepts: what software, devices and a scenario can do to it. Each
 * input is plain data, emits exactly one event when applied and is journalled by the history, so
 * that `seek` can replay it. The command language compiles to these (engine/scenario/runner.ts):
 * an ITS command line, for instance, becomes a memory write of 32 bytes and a GITS_CWRITER write.
 */

import type { AccessWidth } from '../gic/registers';
import { iccAccess } from '../gic/icc-registers';
import { setLine } from '../gic/gic-tasks';
import { deliverSgi } from '../gic/sgi';
import { FIRST_LPI, isGicV4, SPURIOUS } from '../gic/gic-config';
import { residentOn, vlpiAcknowledge, vlpiBest } from '../gic/vlpi';
import { memFill, memVisible, memWriteBytes } from '../mem/memory';
import { payloadKind } from '../sim/event-payload';
import { emit, emitPacked, schedule } from '../sim/kernel';
import { GITS_TRANSLATER } from '../its/its-config';
import type { TranslateTask } from '../its/translation';
import { extensionForInput, type ExtensionInput } from './machine-extension';
import { busAccess } from './bus';
import { migrate } from './migrate';
import { formatBdf } from './pci';
import type { PlatformMachine } from './platform-machine';
import { POLICIES, setPolicy, type SoftwarePolicy } from './software';
import { cpuUnit, pciUnit, UNIT } from '../sim/unit-names';

export type Input =
  | { kind: 'mmio'; addr: number; width: AccessWidth; write: boolean; value: bigint; by: string }
  | { kind: 'icc'; cpu: number; reg: string; write: boolean; value: bigint }
  | { kind: 'mem-write'; addr: number; bytes: number[]; by?: string }
  | { kind: 'mem-fill'; addr: number; len: number; byte: number }
  /** A PCI endpoint (or an anonymous requester) writes `eventid` to an ITS's GITS_TRANSLATER. */
  | { kind: 'msi'; device: string; rid: number; devid: number; its: number; eventid: number }
  | { kind: 'line'; intid: number; cpu: number; level: 0 | 1 }
  /** An SGI reaches redistributor `to` (replaying a trace whose sender is not recorded). */
  | { kind: 'sgi'; to: number; intid: number; from: number }
  /**
   * The virtual CPU interface of PE `cpu` reads ICV_IAR1_EL1, for the GICv4 direct path only: it
   * acknowledges the best pending vLPI of the vPE resident on the PE's redistributor, if any.
   * This machine has no hypervisor, hence no list registers; those interrupts need KVM's layer.
   */
  | { kind: 'icv-ack'; cpu: number }
  /** ... and writes a vLPI's vINTID to ICV_EOIR1_EL1 (a priority drop: a vLPI has no active state). */
  | { kind: 'icv-eoi'; cpu: number; intid: number }
  | { kind: 'software'; cpus: number[]; policy: SoftwarePolicy }
  | { kind: 'migrate' }
  /** Inputs of the layers above (machine-extension.ts), e.g. KVM's ioctls and guest code. */
  | ExtensionInput;

/** 'pci.msi' data, packed in the log: MSI storms record it millions of times (sim/event-payload.ts). */
const MSI = payloadKind('pci.msi', [
  ['device', 'str'],
  ['rid', 'num'],
  ['doorbell', 'num?'],
  ['data', 'num?'],
  ['problem', 'str?'],
] as const);

const isU = (v: number, bits: number): boolean => Number.isInteger(v) && v >= 0 && v < 2 ** bits;
const isAddr = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

/** Why an input cannot be applied to this machine as given, or undefined. */
export function inputProblem(m: PlatformMachine, i: Input): string | undefined {
  const n = m.s.gic.cfg.affinity.length;
  const pe = (c: number): string | undefined =>
    isU(c, 16) && c < n ? undefined : `there is no PE ${c} (the machine has ${n})`;
  switch (i.kind) {
    case 'mmio':
      if (![8, 16, 32, 64].includes(i.width)) return `an access of ${i.width} bits`;
      if (!isAddr(i.addr)) return `${i.addr} is not a physical address`;
      if (i.write && (i.value < 0n || i.value >= 1n << BigInt(i.width)))
        return `0x${i.value.toString(16)} does not fit a ${i.width}-bit access`;
      return undefined;
    case 'icc':
      if (i.write && (i.value < 0n || i.value >= 1n << 64n))
        return `0x${i.value.toString(16)} does not fit a 64-bit register`;
      return pe(i.cpu);
    case 'mem-write':
      if (!isAddr(i.addr)) return `${i.addr} is not a physical address`;
      if (i.bytes.length === 0 || !i.bytes.every((b) => isU(b, 8)))
        return 'the bytes must be 0 to 255, at least one';
      return undefined;
    case 'mem-fill':
      if (!isAddr(i.addr)) return `${i.addr} is not a physical address`;
      if (!Number.isSafeInteger(i.len) || i.len <= 0) return `a fill of ${i.len} bytes`;
      return isU(i.byte, 8) ? undefined : `${i.byte} is not a byte`;
    case 'msi':
      if (!isU(i.devid, 32) || !isU(i.eventid, 32) || !isU(i.rid, 32))
        return 'DeviceID, EventID and Requester ID are 32-bit values';
      return undefined;
    case 'line':
      if (i.level !== 0 && i.level !== 1) return `level ${String(i.level)}`;
      if (i.intid >= 16 && i.intid < 32) return pe(i.cpu);
      return isU(i.intid, 32) ? undefined : `INTID ${i.intid}`;
    case 'sgi':
      if (!isU(i.intid, 4)) return `INTID ${i.intid} is not an SGI (0 to 15)`;
      return pe(i.to);
    case 'icv-ack':
    case 'icv-eoi':
      if (!isGicV4(m.s.gic.cfg)) return 'a GICv3 has no virtual LPIs to acknowledge';
      if (i.kind === 'icv-eoi' && !(isU(i.intid, 24) && i.intid >= FIRST_LPI))
        return `vINTID ${i.intid} is not a vLPI (8192 and up): other virtual interrupts come from list registers`;
      return pe(i.cpu);
    case 'software':
      if (!POLICIES.includes(i.policy)) return `no policy '${String(i.policy)}'`;
      for (const c of i.cpus) if (pe(c)) return pe(c);
      return undefined;
    case 'migrate':
      return undefined;
    default: {
      const ext = extensionForInput(i.kind);
      return ext ? ext.inputProblem?.(m, i) : `no layer of this machine takes '${i.kind}' inputs`;
    }
  }
}

/**
 * ICV_IAR1_EL1 on the direct path (one 'icv.vlpi.ack' event, data.intid 1023 when nothing was
 * taken): the redistributor's candidate for the resident vPE is taken, its VPT bit cleared and the
 * next candidate found. The list registers, ICH_VMCR_EL2.VPMR and the virtual active priorities that
 * would decide between it and a list register are not part of this machine: the candidate is taken.
 */
function icvAcknowledgeVlpi(m: PlatformMachine, cpu: number): void {
  const best = vlpiBest(m, cpu);
  const taken = best !== undefined && vlpiAcknowledge(m, cpu, best.intid);
  const r = residentOn(m, cpu);
  emit(m, 'icv.vlpi.ack', cpuUnit(cpu), cpu, -1, taken ? best.intid : -1, -1, -1, {
    reg: 'ICV_IAR1_EL1',
    intid: taken ? best.intid : SPURIOUS,
    ...(taken ? { prio: best.prio } : {}),
    resident: r !== undefined,
    ...(r && r.vpt ? { vpt: r.vpt } : {}),
    ...(r && r.vpeid >= 0 ? { vpeid: r.vpeid } : {}),
  });
}

export function applyInputTo(m: PlatformMachine, i: Input): void {
  const problem = inputProblem(m, i);
  if (problem) {
    // A refused input is still one event: it says what was wrong, and the machine is untouched.
    // Register accesses keep their family's kind, so a filter on the CPU interface still finds them.
    if (i.kind === 'mmio')
      emit(m, 'mmio.bad', UNIT.bus, -1, -1, -1, -1, -1, {
        addr: i.addr,
        width: i.width,
        write: i.write,
        by: i.by,
        problem,
      });
    else if (i.kind === 'icc')
      emit(m, 'icc.bad', UNIT.noCpu, -1, -1, -1, -1, -1, { reg: i.reg, write: i.write, problem });
    else emit(m, 'input.bad', UNIT.machine, -1, -1, -1, -1, -1, { input: i.kind, problem });
    return;
  }
  switch (i.kind) {
    case 'mmio':
      busAccess(m, i.addr, i.width, i.write, i.value, i.by);
      return;
    case 'icc':
      iccAccess(m, i.cpu, i.reg, i.write, i.value);
      return;
    case 'mem-write': {
      if (!memVisible(m.s.mem, i.addr, Math.max(1, i.bytes.length))) {
        emit(m, 'mmio.bad', UNIT.mem, -1, -1, -1, -1, -1, {
          addr: i.addr,
          width: i.bytes.length * 8,
          write: true,
          by: 'scenario',
          problem: 'not RAM',
        });
        return;
      }
      memWriteBytes(m.s.mem, i.addr, i.bytes);
      emit(m, 'mem.write', UNIT.mem, -1, -1, -1, -1, -1, {
        addr: i.addr,
        len: i.bytes.length,
        bytes: i.bytes.length <= 32 ? i.bytes : undefined,
        by: i.by ?? 'scenario',
      });
      return;
    }
    case 'mem-fill': {
      if (!memVisible(m.s.mem, i.addr, Math.max(1, i.len))) {
        emit(m, 'mmio.bad', UNIT.mem, -1, -1, -1, -1, -1, {
          addr: i.addr,
          len: i.len,
          write: true,
          by: 'scenario',
          problem: 'not RAM',
        });
        return;
      }
      memFill(m.s.mem, i.addr, i.len, i.byte);
      emit(m, 'mem.write', UNIT.mem, -1, -1, -1, -1, -1, {
        addr: i.addr,
        len: i.len,
        fill: i.byte,
        by: 'scenario',
      });
      return;
    }
    case 'msi': {
      const its = m.s.its[i.its];
      const unit = pciUnit(i.device || formatBdf(i.rid));
      if (!its) {
        const problem = `there is no ITS ${i.its}`;
        emitPacked(
          m,
          MSI,
          unit,
          -1,
          -1,
          -1,
          i.devid,
          i.eventid,
          i.device,
          i.rid,
          undefined,
          undefined,
          problem,
        );
        return;
      }
      // Numbers, not text: MSI storms record this event millions of times; explain() formats it.
      const doorbell = its.cfg.base + GITS_TRANSLATER;
      emitPacked(
        m,
        MSI,
        unit,
        -1,
        i.its,
        -1,
        i.devid,
        i.eventid,
        i.device,
        i.rid,
        doorbell,
        i.eventid,
        undefined,
      );
      schedule<TranslateTask>(m, m.itsTiming.msi, 'its.translate', {
        its: i.its,
        devid: i.devid,
        eventid: i.eventid,
        stage: 'arrive',
        from: 'device',
      });
      return;
    }
    case 'line':
      setLine(m, { intid: i.intid, cpu: i.cpu, level: i.level });
      return;
    case 'sgi':
      deliverSgi(m, { from: i.from, to: i.to, intid: i.intid, group: 1, reg: 'ICC_SGI1R_EL1' });
      return;
    case 'icv-ack':
      icvAcknowledgeVlpi(m, i.cpu);
      return;
    case 'icv-eoi':
      emit(m, 'icv.vlpi.eoi', cpuUnit(i.cpu), i.cpu, -1, i.intid, -1, -1, {
        reg: 'ICV_EOIR1_EL1',
        intid: i.intid,
        resident: residentOn(m, i.cpu) !== undefined,
      });
      return;
    case 'software':
      setPolicy(m, i.cpus, i.policy);
      return;
    case 'migrate':
      migrate(m);
      return;
    default:
      extensionForInput(i.kind)!.applyInput!(m, i);
      return;
  }
}
