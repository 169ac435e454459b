/**
 * The CPU interface system registers (ICC_*_EL1) as a table in spec names with their encodings
 * (op0, op1, CRn, CRm, op2), and the access function every ICC read or write goes through. Each
 * access is one event: acknowledges and EOIs get their own kinds ('icc.ack', 'icc.eoi',
 * 'icc.dir'), SGI generation is 'icc.sgi', everything else 'icc.read' / 'icc.write'.
 */

import { payloadKind } from '../sim/event-payload';
import { emit, emitPacked } from '../sim/kernel';
import {
  acknowledge,
  computeHppi,
  deactivateInterrupt,
  endOfInterrupt,
  type EoiResult,
} from './cpu-interface';
import { markDirty } from './dirty';
import { SPURIOUS } from './gic-config';
import type { GicMachine } from './gic-machine';
import type { CpuInterfaceState } from './gic-state';
import { minBpr0, type GicState } from './gic-state';
import { preemptionBits, priorityMask, runningPriority } from './priority';
import { generateSgi } from './sgi';
import { cpuUnit } from '../sim/unit-names';

export interface IccRegister {
  name: string;
  /** op0, op1, CRn, CRm, op2 */
  enc: readonly [number, number, number, number, number];
  access: 'rw' | 'ro' | 'wo';
  doc: string;
}

export const ICC_REGISTERS: readonly IccRegister[] = [
  { name: 'ICC_PMR_EL1', enc: [3, 0, 4, 6, 0], access: 'rw', doc: 'Priority mask' },
  { name: 'ICC_IAR0_EL1', enc: [3, 0, 12, 8, 0], access: 'ro', doc: 'Acknowledge a Group 0 interrupt' },
  { name: 'ICC_EOIR0_EL1', enc: [3, 0, 12, 8, 1], access: 'wo', doc: 'End of a Group 0 interrupt' },
  {
    name: 'ICC_HPPIR0_EL1',
    enc: [3, 0, 12, 8, 2],
    access: 'ro',
    doc: 'Highest priority pending Group 0 interrupt',
  },
  { name: 'ICC_BPR0_EL1', enc: [3, 0, 12, 8, 3], access: 'rw', doc: 'Binary point, Group 0' },
  ...[0, 1, 2, 3].map((n): IccRegister => ({
    name: `ICC_AP0R${n}_EL1`,
    enc: [3, 0, 12, 8, 4 + n],
    access: 'rw',
    doc: 'Active priorities, Group 0',
  })),
  ...[0, 1, 2, 3].map((n): IccRegister => ({
    name: `ICC_AP1R${n}_EL1`,
    enc: [3, 0, 12, 9, n],
    access: 'rw',
    doc: 'Active priorities, Group 1',
  })),
  { name: 'ICC_DIR_EL1', enc: [3, 0, 12, 11, 1], access: 'wo', doc: 'Deactivate interrupt' },
  { name: 'ICC_RPR_EL1', enc: [3, 0, 12, 11, 3], access: 'ro', doc: 'Running priority' },
  { name: 'ICC_SGI1R_EL1', enc: [3, 0, 12, 11, 5], access: 'wo', doc: 'Generate a Group 1 SGI' },
  {
    name: 'ICC_ASGI1R_EL1',
    enc: [3, 0, 12, 11, 6],
    access: 'wo',
    doc: 'Generate an SGI for the other Security state',
  },
  { name: 'ICC_SGI0R_EL1', enc: [3, 0, 12, 11, 7], access: 'wo', doc: 'Generate a Group 0 SGI' },
  { name: 'ICC_IAR1_EL1', enc: [3, 0, 12, 12, 0], access: 'ro', doc: 'Acknowledge a Group 1 interrupt' },
  { name: 'ICC_EOIR1_EL1', enc: [3, 0, 12, 12, 1], access: 'wo', doc: 'End of a Group 1 interrupt' },
  {
    name: 'ICC_HPPIR1_EL1',
    enc: [3, 0, 12, 12, 2],
    access: 'ro',
    doc: 'Highest priority pending Group 1 interrupt',
  },
  { name: 'ICC_BPR1_EL1', enc: [3, 0, 12, 12, 3], access: 'rw', doc: 'Binary point, Group 1' },
  {
    name: 'ICC_CTLR_EL1',
    enc: [3, 0, 12, 12, 4],
    access: 'rw',
    doc: 'Control: CBPR, EOImode, PRIbits, IDbits',
  },
  {
    name: 'ICC_SRE_EL1',
    enc: [3, 0, 12, 12, 5],
    access: 'rw',
    doc: 'System register enable (RAO: SRE is always 1)',
  },
  { name: 'ICC_IGRPEN0_EL1', enc: [3, 0, 12, 12, 6], access: 'rw', doc: 'Group 0 enable' },
  { name: 'ICC_IGRPEN1_EL1', enc: [3, 0, 12, 12, 7], access: 'rw', doc: 'Group 1 enable' },
];

export function findIccRegister(name: string): IccRegister | undefined {
  const upper = name.toUpperCase();
  const full = upper.endsWith('_EL1') ? upper : `${upper}_EL1`;
  return ICC_REGISTERS.find((r) => r.name === full);
}

/** S3_0_C12_C12_0 style name of an encoding. */
export const encodingName = (e: IccRegister['enc']): string => `S${e[0]}_${e[1]}_C${e[2]}_C${e[3]}_${e[4]}`;

/** ICC_CTLR_EL1 read value: the writable bits plus PRIbits [10:8], IDbits [13:11] = 0 (16-bit), A3V bit 15. */
function iccCtlr(gic: GicState, c: CpuInterfaceState): number {
  return (c.ctlr & 0x43) | ((gic.cfg.priorityBits - 1) << 8) | (1 << 15);
}

export type IccResult = { ok: true; value: bigint } | { ok: false; problem: string };

function readReg(m: GicMachine, cpu: number, name: string): bigint | undefined {
  const gic = m.s.gic;
  const c = gic.cpu[cpu]!;
  const bits = gic.cfg.priorityBits;
  switch (name) {
    case 'ICC_PMR_EL1':
      return BigInt(c.pmr);
    case 'ICC_BPR0_EL1':
      return BigInt(c.bpr0);
    case 'ICC_BPR1_EL1':
      return BigInt(c.ctlr & 1 ? Math.min(c.bpr0 + 1, 7) : c.bpr1);
    case 'ICC_CTLR_EL1':
      return BigInt(iccCtlr(gic, c));
    case 'ICC_SRE_EL1':
      return 0x7n;
    case 'ICC_IGRPEN0_EL1':
      return BigInt(c.igrpen0);
    case 'ICC_IGRPEN1_EL1':
      return BigInt(c.igrpen1);
    case 'ICC_RPR_EL1':
      return BigInt(runningPriority(c, bits));
    case 'ICC_HPPIR0_EL1':
    case 'ICC_HPPIR1_EL1': {
      const h = computeHppi(m, cpu);
      const want = name === 'ICC_HPPIR0_EL1' ? 0 : 1;
      return BigInt(h.intid !== SPURIOUS && h.group === want ? h.intid : SPURIOUS);
    }
  }
  const ap = /^ICC_AP([01])R([0-3])_EL1$/.exec(name);
  if (ap) return BigInt(c.apr[Number(ap[1]) * 4 + Number(ap[2])]!);
  return undefined;
}

function writeReg(m: GicMachine, cpu: number, name: string, v: bigint): boolean {
  const gic = m.s.gic;
  const c = gic.cpu[cpu]!;
  const bits = gic.cfg.priorityBits;
  const lo = Number(v & 0xffffffffn);
  const minB0 = minBpr0(bits);
  switch (name) {
    case 'ICC_PMR_EL1':
      c.pmr = lo & 0xff & priorityMask(bits);
      break;
    case 'ICC_BPR0_EL1':
      c.bpr0 = Math.max(lo & 7, minB0);
      break;
    case 'ICC_BPR1_EL1':
      if (c.ctlr & 1) return true; // CBPR: ICC_BPR1_EL1 aliases BPR0 and writes are ignored
      c.bpr1 = Math.max(lo & 7, minB0 + 1);
      break;
    case 'ICC_CTLR_EL1':
      c.ctlr = lo & 0x43;
      break;
    case 'ICC_SRE_EL1':
      return true;
    case 'ICC_IGRPEN0_EL1':
      c.igrpen0 = lo & 1;
      break;
    case 'ICC_IGRPEN1_EL1':
      c.igrpen1 = lo & 1;
      break;
    default: {
      const ap = /^ICC_AP([01])R([0-3])_EL1$/.exec(name);
      if (!ap) return false;
      // Only as many APR words exist as there are preemption levels.
      const n = Number(ap[2]);
      const words = Math.max(1, 2 ** preemptionBits(bits) / 32);
      if (n < words) c.apr[Number(ap[1]) * 4 + n] = lo >>> 0;
    }
  }
  markDirty(m, cpu);
  return true;
}

/**
 * One ICC system-register access by PE `cpu`. Emits exactly one event; never throws for a bad
 * access (a write to a read-only register or an unknown name is an 'icc.bad' event).
 */
export function iccAccess(
  m: GicMachine,
  cpu: number,
  regName: string,
  write: boolean,
  value = 0n,
): IccResult {
  const reg = findIccRegister(regName);
  const unit = cpuUnit(cpu);
  if (!reg) {
    emit(m, 'icc.bad', unit, cpu, -1, -1, -1, -1, { reg: regName, write, problem: 'no such ICC register' });
    return { ok: false, problem: `no such ICC register: ${regName}` };
  }
  const name = reg.name;
  if (write && reg.access === 'ro') {
    emit(m, 'icc.bad', unit, cpu, -1, -1, -1, -1, {
      reg: name,
      write,
      problem: 'write to a read-only register',
    });
    return { ok: false, problem: `${name} is read-only` };
  }
  if (!write && reg.access === 'wo') {
    emit(m, 'icc.bad', unit, cpu, -1, -1, -1, -1, {
      reg: name,
      write,
      problem: 'read of a write-only register',
    });
    return { ok: false, problem: `${name} is write-only` };
  }
  switch (name) {
    case 'ICC_IAR0_EL1':
    case 'ICC_IAR1_EL1':
      return { ok: true, value: BigInt(iccAcknowledge(m, cpu, name === 'ICC_IAR0_EL1' ? 0 : 1)) };
    case 'ICC_EOIR0_EL1':
    case 'ICC_EOIR1_EL1':
      iccEndOfInterrupt(m, cpu, name === 'ICC_EOIR0_EL1' ? 0 : 1, Number(value & 0xffffffn));
      return { ok: true, value };
    case 'ICC_DIR_EL1':
      iccDeactivate(m, cpu, Number(value & 0xffffffn));
      return { ok: true, value };
    case 'ICC_SGI1R_EL1':
    case 'ICC_SGI0R_EL1':
    case 'ICC_ASGI1R_EL1': {
      const targets = generateSgi(m, cpu, name, value);
      const intid = Number((value >> 24n) & 0xfn);
      emit(m, 'icc.sgi', unit, cpu, -1, intid, -1, -1, {
        reg: name,
        value: '0x' + value.toString(16),
        targets,
      });
      return { ok: true, value };
    }
  }
  if (write) {
    writeReg(m, cpu, name, value);
    emit(m, 'icc.write', unit, cpu, -1, -1, -1, -1, { reg: name, value: '0x' + value.toString(16) });
    return { ok: true, value };
  }
  const v = readReg(m, cpu, name) ?? 0n;
  emit(m, 'icc.read', unit, cpu, -1, -1, -1, -1, { reg: name, value: '0x' + v.toString(16) });
  return { ok: true, value: v };
}

// The data of the events every interrupt taken records, packed in the log (sim/event-payload.ts).
const ACK = payloadKind('icc.ack', [
  ['reg', 'str'],
  ['intid', 'num'],
  ['prio', 'num'],
  ['group', 'num'],
  // The running priority after the acknowledge: the group priority, which the binary point may
  // make coarser than the interrupt's priority.
  ['rpr', 'num'],
] as const);
/** EOIR and DIR writes: the register and what came of it (an EoiResult). */
const EOI_FIELDS = [
  ['reg', 'str'],
  ['intid', 'num'],
  ['dropped', 'num?'],
  ['deactivated', 'bool'],
  ['ignored', 'str?'],
] as const;
const EOI = payloadKind('icc.eoi', EOI_FIELDS);
const DIR = payloadKind('icc.dir', EOI_FIELDS);

/** ICC_IAR0/1_EL1 read (one 'icc.ack' event); returns the INTID, 1023 when nothing can be taken. */
export function iccAcknowledge(m: GicMachine, cpu: number, group: number): number {
  const h = acknowledge(m, cpu, group);
  const reg = group === 0 ? 'ICC_IAR0_EL1' : 'ICC_IAR1_EL1';
  const intid = h.intid === SPURIOUS ? -1 : h.intid;
  const rpr = runningPriority(m.s.gic.cpu[cpu]!, m.s.gic.cfg.priorityBits);
  emitPacked(m, ACK, cpuUnit(cpu), cpu, -1, intid, -1, -1, reg, h.intid, h.prio, group, rpr);
  return h.intid;
}

/** ICC_EOIR0/1_EL1 write (one 'icc.eoi' event). */
export function iccEndOfInterrupt(m: GicMachine, cpu: number, group: number, intid: number): void {
  const r = endOfInterrupt(m, cpu, group, intid);
  emitEoi(m, EOI, cpu, group === 0 ? 'ICC_EOIR0_EL1' : 'ICC_EOIR1_EL1', r);
}

/** ICC_DIR_EL1 write (one 'icc.dir' event). */
export function iccDeactivate(m: GicMachine, cpu: number, intid: number): void {
  emitEoi(m, DIR, cpu, 'ICC_DIR_EL1', deactivateInterrupt(m, cpu, intid));
}

function emitEoi(m: GicMachine, kind: typeof EOI, cpu: number, reg: string, r: EoiResult): void {
  const { intid, dropped, deactivated, ignored } = r;
  emitPacked(m, kind, cpuUnit(cpu), cpu, -1, intid, -1, -1, reg, intid, dropped, deactivated, ignored);
}

/** Reads an ICC register without side effects or events (inspectors, expectations). */
export function iccPeek(m: GicMachine, cpu: number, regName: string): bigint | undefined {
  const reg = findIccRegister(regName);
  if (!reg || reg.access === 'wo') return undefined;
  if (reg.name === 'ICC_IAR0_EL1' || reg.name === 'ICC_IAR1_EL1') {
    const h = computeHppi(m, cpu);
    return BigInt(h.intid);
  }
  return readReg(m, cpu, reg.name);
}
