/**
 * The software running on each PE, reduced to what an interrupt controller sees of it: an
 * interrupt handler with a policy. When the CPU interface raises IRQ and the PE has interrupts
 * unmasked, the PE takes the exception (PSTATE.I becomes 1), the handler reads ICC_IAR1_EL1 and
 * then, by policy, ends the interrupt (ICC_EOIR1_EL1, plus ICC_DIR_EL1 with EOImode 1),
 * deactivates it through GICR/GICD_ICACTIVER without an EOI (kvm-unit-tests "active"), or keeps it
 * and unmasks so only a higher priority can preempt ("hold"). On exception return PSTATE.I is 0
 * again and, if IRQ is still asserted, the PE takes the next one.
 *
 * Each step is a task emitting one event: 'pe.take', 'icc.ack', 'icc.eoi' / 'icc.dir' /
 * 'mmio.write' (ICACTIVER), 'pe.eret'. A delivery is an acknowledge that returned a real INTID.
 */

import { redistAddress, SPURIOUS } from '../gic/gic-config';
import { iccAcknowledge, iccDeactivate, iccEndOfInterrupt } from '../gic/icc-registers';
import { payloadKind } from '../sim/event-payload';
import { emit, emitPacked, schedule } from '../sim/kernel';
import type { PlatformMachine } from './platform-machine';
import { busAccess } from './bus';
import { machineExtensions } from './machine-extension';
import { cpuUnit, UNIT } from '../sim/unit-names';

/** What the software on a PE does when it takes an interrupt (see the overview above). */
export type SoftwarePolicy = 'eoi' | 'deactivate-icactiver' | 'hold' | 'masked';
export const POLICIES: readonly SoftwarePolicy[] = ['eoi', 'deactivate-icactiver', 'hold', 'masked'];

export interface SoftwareState {
  policy: SoftwarePolicy;
  /** PSTATE.I: interrupts masked at the PE. */
  masked: boolean;
  /** Interrupts taken and not yet returned from (nesting depth). */
  depth: number;
  /** A 'pe.irq' task is queued. */
  irqQueued: boolean;
}

export interface SoftwareTiming {
  /** Exception entry to the handler's IAR read. */
  entry: number;
  /** The handler's work between acknowledge and end of interrupt. */
  handler: number;
  /** End of interrupt to exception return. */
  exit: number;
}

export const DEFAULT_SOFTWARE_TIMING: SoftwareTiming = { entry: 100, handler: 200, exit: 50 };

export function createSoftware(policy: SoftwarePolicy): SoftwareState {
  return { policy, masked: policy === 'masked', depth: 0, irqQueued: false };
}

// The data of the events every interrupt taken records, packed in the log (sim/event-payload.ts).
const TAKE = payloadKind('pe.take', [
  ['depth', 'num'],
  ['policy', 'str'],
] as const);
const ERET = payloadKind('pe.eret', [['depth', 'num']] as const);

function maybeTake(m: PlatformMachine, cpu: number, delay: number): void {
  const sw = m.s.sw[cpu]!;
  if (sw.masked || sw.irqQueued || m.s.gic.cpu[cpu]!.irq === 0) return;
  sw.irqQueued = true;
  schedule(m, delay, 'pe.irq', cpu);
}

/** 'pe.irq': the CPU interface asserts IRQ; the PE takes it if it can. */
function peIrq(m: PlatformMachine, cpu: number): void {
  const sw = m.s.sw[cpu]!;
  sw.irqQueued = false;
  if (sw.masked || m.s.gic.cpu[cpu]!.irq === 0) return;
  // A layer above may act first (KVM: a vCPU running the guest on this PE exits, the interrupt
  // being taken at EL2); the host then takes it.
  for (const e of machineExtensions()) {
    const retry = e.beforeTake?.(m, cpu, m.s.gic.cpu[cpu]!.hppi);
    if (retry === undefined) continue;
    sw.irqQueued = true;
    schedule(m, retry, 'pe.irq', cpu);
    return;
  }
  sw.masked = true;
  sw.depth++;
  emitPacked(m, TAKE, cpuUnit(cpu), cpu, -1, -1, -1, -1, sw.depth, sw.policy);
  schedule(m, m.swTiming.entry, 'sw.ack', cpu);
}

function swAck(m: PlatformMachine, cpu: number): void {
  const sw = m.s.sw[cpu]!;
  const intid = iccAcknowledge(m, cpu, 1);
  if (intid === SPURIOUS) {
    schedule(m, m.swTiming.exit, 'sw.eret', cpu);
    return;
  }
  // A layer above may own this interrupt's handler (KVM: VFIO's handler for a passed-through
  // device's interrupt), which ends the interrupt when it is done.
  let owned = false;
  for (const e of machineExtensions()) owned = e.afterAck?.(m, cpu, intid) === true || owned;
  if (owned) return;
  switch (sw.policy) {
    case 'eoi':
    case 'masked':
      schedule(m, m.swTiming.handler, 'sw.eoi', { cpu, intid });
      return;
    case 'deactivate-icactiver':
      schedule(m, m.swTiming.handler, 'sw.icactiver', { cpu, intid });
      return;
    case 'hold':
      schedule(m, m.swTiming.handler, 'sw.unmask', cpu);
      return;
  }
}

function swEoi(m: PlatformMachine, a: { cpu: number; intid: number }): void {
  iccEndOfInterrupt(m, a.cpu, 1, a.intid);
  if ((m.s.gic.cpu[a.cpu]!.ctlr & 2) !== 0) schedule(m, 0, 'sw.dir', a);
  else schedule(m, m.swTiming.exit, 'sw.eret', a.cpu);
}

function swDir(m: PlatformMachine, a: { cpu: number; intid: number }): void {
  iccDeactivate(m, a.cpu, a.intid);
  schedule(m, m.swTiming.exit, 'sw.eret', a.cpu);
}

/** Deactivation by register: the interrupt's bit in GICR_ICACTIVER0 (SGI/PPI) or GICD_ICACTIVER<n> (SPI). */
function swIcactiver(m: PlatformMachine, a: { cpu: number; intid: number }): void {
  const cfg = m.s.gic.cfg;
  const addr =
    a.intid < 32
      ? redistAddress(cfg, a.cpu) + 0x10000 + 0x380
      : cfg.distBase + 0x380 + 4 * Math.floor(a.intid / 32);
  busAccess(m, addr, 32, true, BigInt(1 << (a.intid % 32)) & 0xffffffffn, `cpu${a.cpu}`);
  schedule(m, m.swTiming.exit, 'sw.eret', a.cpu);
}

/** 'hold': the handler keeps the interrupt active and unmasks, so a higher priority may preempt. */
function swUnmask(m: PlatformMachine, cpu: number): void {
  const sw = m.s.sw[cpu]!;
  sw.masked = sw.policy === 'masked';
  emit(m, 'pe.unmask', cpuUnit(cpu), cpu, -1, -1, -1, -1, { depth: sw.depth });
  maybeTake(m, cpu, 0);
}

function swEret(m: PlatformMachine, cpu: number): void {
  const sw = m.s.sw[cpu]!;
  sw.depth = Math.max(0, sw.depth - 1);
  sw.masked = sw.policy === 'masked';
  emitPacked(m, ERET, cpuUnit(cpu), cpu, -1, -1, -1, -1, sw.depth);
  maybeTake(m, cpu, 0);
  if (sw.depth === 0 && !sw.irqQueued) for (const e of machineExtensions()) e.afterEret?.(m, cpu);
}

/** Input: a new policy for some CPUs (the `software` command). Emits one event. */
export function setPolicy(m: PlatformMachine, cpus: number[], policy: SoftwarePolicy): void {
  for (const c of cpus) {
    const sw = m.s.sw[c]!;
    sw.policy = policy;
    if (sw.depth === 0) sw.masked = policy === 'masked';
  }
  emit(
    m,
    'sw.policy',
    cpus.length === 1 ? cpuUnit(cpus[0]!) : UNIT.software,
    cpus.length === 1 ? cpus[0]! : -1,
    -1,
    -1,
    -1,
    -1,
    { cpus, policy },
  );
  for (const c of cpus) maybeTake(m, c, 0);
}

export const SOFTWARE_HANDLERS = {
  // 'sw.eoi' also ends an interrupt whose handler a layer above owned (see swAck).
  'pe.irq': (m: PlatformMachine, cpu: number) => peIrq(m, cpu),
  'sw.ack': (m: PlatformMachine, cpu: number) => swAck(m, cpu),
  'sw.eoi': (m: PlatformMachine, a: { cpu: number; intid: number }) => swEoi(m, a),
  'sw.dir': (m: PlatformMachine, a: { cpu: number; intid: number }) => swDir(m, a),
  'sw.icactiver': (m: PlatformMachine, a: { cpu: number; intid: number }) => swIcactiver(m, a),
  'sw.unmask': (m: PlatformMachine, cpu: number) => swUnmask(m, cpu),
  'sw.eret': (m: PlatformMachine, cpu: number) => swEret(m, cpu),
};
