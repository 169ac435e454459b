/**
 * The command language's abstract syntax: one Action per line of a scenario step, a sandbox
 * command or a recorded session. The parser (command-parser.ts) produces these from text, the
 * printer (command-printer.ts) turns them back into canonical text, and the runner executes them.
 * docs/command-language.md describes the text form with examples.
 */

import type { KvmCall } from '../kvm/kvm-input-types';
import type { SoftwarePolicy } from '../platform/software';

export type AccessWidth = 8 | 16 | 32 | 64;

/** A GIC frame: the distributor, redistributor n, or ITS n. */
export type Unit = { type: 'gicd' } | { type: 'rd'; n: number } | { type: 'its'; n: number };

/** Where an MMIO access goes. */
export type MmioTarget =
  /** A register by spec name ('GICD_CTLR', 'GICR_PROPBASER', 'GITS_BASER1', 'GICD_IROUTER40'); `unit` picks the redistributor or ITS (default rd0 / its0). */
  | { kind: 'reg'; reg: string; unit?: Unit; plus?: number }
  /** A byte offset inside a unit's frames ('rd3+0x10100', 'its0+0x88', 'gicd+0x80'). */
  | { kind: 'offset'; unit: Unit; offset: number }
  /** A physical address ('@0x08000000'). */
  | { kind: 'addr'; addr: number };

/** Names a PCI endpoint: by its name in the machine, or an anonymous bus master with a Requester ID. */
export type DeviceRef = { kind: 'name'; name: string } | { kind: 'rid'; rid: number };

/** What the software on a CPU does when it takes an interrupt: see engine/platform/software.ts. */
export type { SoftwarePolicy };

/** A duration in model nanoseconds. */
export type Nanoseconds = number;

export type RunUntil = 'idle' | 'delivery' | 'command' | 'event';

export type Action =
  | { kind: 'mmio-read'; width?: AccessWidth; target: MmioTarget }
  /** A write; with `op` a read-modify-write: `|= v` sets the bits of v, `&= ~v` clears them. */
  | {
      kind: 'mmio-write';
      width?: AccessWidth;
      target: MmioTarget;
      value: bigint;
      op?: 'set-bits' | 'clear-bits';
    }
  | { kind: 'icc-read'; cpu: number; reg: string }
  | { kind: 'icc-write'; cpu: number; reg: string; value: bigint }
  | { kind: 'mem-write'; width: AccessWidth; addr: number; value: bigint }
  | { kind: 'mem-bytes'; addr: number; bytes: number[] }
  | { kind: 'mem-fill'; addr: number; len: number; byte: number }
  /** Writes the LPI's byte in the property table GICR_PROPBASER of redistributor `rd` points at. */
  | { kind: 'lpi-config'; rd: number; intid: number; value: number }
  /** Sets or clears the LPI's bit in redistributor `rd`'s pending table (GICR_PENDBASER). */
  | { kind: 'lpi-pending'; rd: number; intid: number; set: boolean }
  /** Posts an ITS command by name: written at GITS_CWRITER into the queue, then CWRITER advanced. */
  | { kind: 'its-cmd'; its: number; name: string; fields: Record<string, bigint> }
  /** Posts a raw command: four doublewords. */
  | { kind: 'its-raw'; its: number; dws: [bigint, bigint, bigint, bigint] }
  /** A PCI endpoint writes `eventid` to its ITS's GITS_TRANSLATER; the bus supplies the DeviceID. */
  | { kind: 'msi'; device: DeviceRef; eventid: number }
  /** Drives an interrupt line: an SPI, or a PPI of `cpu`. */
  | { kind: 'line'; intid: number; cpu?: number; level: 'high' | 'low' | 'pulse' }
  | { kind: 'software'; cpus: number[] | 'all'; policy: SoftwarePolicy }
  | { kind: 'run'; until: RunUntil }
  | { kind: 'wait'; ns: Nanoseconds }
  | { kind: 'step'; n: number }
  /** Saves the whole machine (ITS tables and pending tables flushed to memory) and restores it into a fresh one. */
  | { kind: 'migrate' }
  /**
   * The guest's code on vCPU `vcpu` of VM `vm` does `action`, one of: mmio-read/mmio-write (to the
   * guest's own GIC frames or RAM), icc-read/icc-write (the guest's ICC_* registers, which are the
   * virtual CPU interface), mem-write/mem-bytes/mem-fill (guest RAM), its-cmd/its-raw (to the
   * guest's virtual ITS), lpi-config (the guest's property table), lpi-pending (the pending table
   * of vCPU `rd`'s redistributor). `vm0 vcpu1 <line>`.
   */
  | { kind: 'guest'; vm: number; vcpu: number; action: Action }
  /**
   * Guest lines only: the guest programs its virtual timer to fire in `ns` (CNTV_CVAL_EL0,
   * CNTV_CTL_EL0.ENABLE), or turns it off (null): `vm0 vcpu1 timer 5us`, `vm0 vcpu1 timer off`.
   */
  | { kind: 'vtimer'; ns: Nanoseconds | null }
  /** What the VMM asks of KVM for VM `vm` (ioctls, eventfds, VFIO): `vm0 irq-line ...`. */
  | { kind: 'kvm'; vm: number; call: KvmCall }
  /** Pins vCPU `vcpu`'s thread to pCPU `pcpu` (-1: unpinned): `vm0 vcpu1 pin pcpu2`. */
  | { kind: 'vcpu-pin'; vm: number; vcpu: number; pcpu: number }
  | { kind: 'expect'; expect: Expectation };

/**
 * Comparison used by value expectations: `== v` or `& mask == v`, or `unchanged` (`& mask
 * unchanged`): the value is what it was when the step began (how a read-only register is tested).
 */
export type ValueCheck = { mask?: bigint; equals: bigint } | { mask?: bigint; unchanged: true };

export type TableEntryFields = Record<string, bigint>;

/**
 * The checks that read the machine through a view: the host's (CPUs, redistributors, ITSs, RAM),
 * or, wrapped in a 'guest' expectation, one VM's guest view, where `cpu` and `rd` name vCPUs,
 * `its` the VM's virtual ITSs, registers resolve in the guest's frames and memory is guest RAM.
 */
export type ViewExpectation =
  /** The step's deliveries (acknowledges with a real INTID), across every CPU, are exactly these. */
  | { kind: 'deliveries'; exact: { cpu: number; intid: number; count: number }[] }
  /** CPU `cpu` acknowledged `intid` exactly `count` times in this step (other deliveries not checked). */
  | { kind: 'delivered'; cpu: number; intid: number; count: number }
  | { kind: 'reg'; target: MmioTarget; width?: AccessWidth; check: ValueCheck }
  | { kind: 'icc'; cpu: number; reg: string; check: ValueCheck }
  | { kind: 'mem'; width: AccessWidth; addr: number; check: ValueCheck }
  | { kind: 'mem-bytes'; addr: number; bytes: number[] }
  /** A Device Table entry as the ITS sees it: fields valid, size, itt. `absent` when it must be invalid. */
  | { kind: 'dte'; its: number; devid: number; fields: TableEntryFields; absent?: boolean }
  /** An interrupt translation entry: fields intid, icid. */
  | { kind: 'ite'; its: number; devid: number; eventid: number; fields: TableEntryFields; absent?: boolean }
  /** A collection table entry: fields valid, target. */
  | { kind: 'cte'; its: number; icid: number; fields: TableEntryFields; absent?: boolean }
  /** Whether an LPI is pending at a redistributor. */
  | { kind: 'lpi-pending'; rd: number; intid: number; pending: boolean };

export type Expectation =
  | ViewExpectation
  /**
   * `expect` on the guest view of VM `vm` (`expect vm0 ...`): deliveries are the guest's
   * acknowledges (ICV_IAR1_EL1) per vCPU, registers are read through KVM's emulation, tables are
   * the virtual ITS's, memory is guest RAM.
   */
  | { kind: 'guest'; vm: number; expect: ViewExpectation }
  /** Number of events of `eventKind` in this step (or since the start with `total`) matching the filters. */
  | {
      kind: 'events';
      eventKind: string;
      filters: Record<string, string>;
      op: '==' | '>=' | '<=';
      count: number;
      total?: boolean;
    };
