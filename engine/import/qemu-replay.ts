/**
 * Replaying a QEMU GICv3/GICv4 trace on the model (profile `qemu`) and checking that the model
 * reaches what QEMU reached: every MSI translated the same way (DeviceID, EventID -> INTID and ICID,
 * or vINTID and vPEID, and the target redistributor), every acknowledge returning the same INTID on
 * the same CPU (so the same deliveries per CPU, with the same counts), every vLPI the nested guest
 * took through ICV_IAR1_EL1 presented by the model's redistributor on the same CPU, every table
 * entry QEMU wrote written the same by the model, every command decoded the same, every register
 * read returning the same value. Each disagreement names its trace line.
 *
 * What drives the model is what the guest and the devices did: MMIO writes to the ITS and the
 * redistributors, MSIs (GITS_TRANSLATER writes with their requester ID), PPI line changes, SGIs
 * arriving, ICC_IAR1/EOIR1/DIR accesses, and the ICV_IAR1/EOIR1 accesses of vLPIs (the 'icv-ack'
 * and 'icv-eoi' inputs: the model has no hypervisor here, only the GIC's direct path). The software
 * on every PE is masked: it acknowledges only when the trace says the guest did. The replay is
 * streaming: records are fed one at a time and only the commands of the current CWRITER write and
 * the current MSI are buffered.
 *
 * Some of what the guest did is not in the trace, and the replay says what it assumes instead
 * (the `inferred` list of the report):
 *  - Command bytes. The guest writes commands into the queue in memory; the trace shows each
 *    command's number and QEMU's decode. The bytes come from the saved queue (cmdq.bin) when that
 *    slot still holds the same command, and are rebuilt from the decode otherwise.
 *  - LPI configuration. The guest writes the property table directly; the table as it was at
 *    power-off (proptable.bin) is loaded when GICR_PROPBASER is first written.
 *  - vLPI configuration. KVM in the guest writes the vLPI configuration tables (VPROPBASER)
 *    directly, and they were not saved: the vINTIDs VMAPTI mapped are configured enabled.
 *  - Level-1 entries of two-level tables, which the guest also writes directly: when QEMU
 *    successfully used an entry of a two-level table, a level-2 page is provided in a region the
 *    guest never touches, and the level-1 entry points at it (any address gives the same results).
 *  - Distributor and CPU interface set-up, whose accesses are not traced: GICD_CTLR = 0x13,
 *    ICC_PMR_EL1 = 0xf0 and ICC_IGRPEN1_EL1 = 1 on every CPU, as Linux programs them.
 *  - List registers. A nested guest's interrupts other than vLPIs come from list registers that
 *    KVM in the guest wrote, untraced: their ICV_IAR1 reads are counted, not compared, and the EOI
 *    of its virtual timer (a hardware list register) deactivates the physical PPI 27.
 */

import { FIRST_LPI, redistAddress, SPURIOUS } from '../gic/gic-config';
import { vpropTable } from '../gic/vlpi';
import { memReadU32 } from '../mem/memory';
import {
  COMMAND_BY_OPCODE,
  decodeCommand,
  encodeCommand,
  formatCommand,
  type CommandWords,
} from '../its/command-encoding';
import type { CommandEventData } from '../its/command-queue';
import { queueGeometry } from '../its/command-queue';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE } from '../its/its-state';
import { BASER_TYPE_VPE, findTable, tableTypeName } from '../its/tables';
import type { Touch } from '../its/tables';
import type { VteData } from '../its/translation';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import type { SimEvent } from '../sim/event-log';
import type { SnapshotPolicy } from '../sim/history';
import type { TraceRecord } from './qemu-trace-line';

export interface TraceShape {
  cpus: number;
  gicVersion: 3 | 4;
}

/** First pass over a trace: how many CPUs and which GIC version the machine had. */
export class ShapeScanner {
  private maxCpu = 0;
  private v4 = false;

  feed(r: TraceRecord): void {
    switch (r.event) {
      case 'gicv3_redist_read':
      case 'gicv3_redist_write':
        this.maxCpu = Math.max(this.maxCpu, r.cpu);
        if (r.offset >= 0x20000) this.v4 = true;
        return;
      case 'gicv3_icc_iar1_read':
      case 'gicv3_icc_eoir_write':
      case 'gicv3_icv_iar_read':
      case 'gicv3_icv_eoir_write':
      case 'gicv3_redist_set_irq':
      case 'gicv3_redist_send_sgi':
        this.maxCpu = Math.max(this.maxCpu, r.cpu);
        return;
      case 'gicv3_its_read':
        if (r.offset === 8 && (r.data & 2n) !== 0n) this.v4 = true;
        return;
      default:
        if (r.event.startsWith('gicv3_its_cmd_v')) this.v4 = true;
    }
  }

  result(): TraceShape {
    return { cpus: this.maxCpu + 1, gicVersion: this.v4 ? 4 : 3 };
  }
}

export interface Disagreement {
  line: number;
  what: string;
}

/** cpu -> INTID -> count, as QEMU acknowledged them and as the model did. */
export interface Deliveries {
  trace: Record<number, Record<number, number>>;
  model: Record<number, Record<number, number>>;
}

export interface Tally {
  total: number;
  agreed: number;
}

export interface ReplayReport {
  shape: TraceShape;
  records: number;
  msis: Tally;
  commands: Tally;
  tableWrites: Tally;
  registerReads: Tally;
  acknowledges: Tally;
  /** cpu -> INTID -> count, acknowledges that returned a real INTID. */
  deliveries: Deliveries;
  /** ICV_IAR1_EL1 reads that returned a vLPI (GICv4 direct injection), compared with the model. */
  vlpiAcknowledges: Tally;
  /** cpu -> vINTID -> count: the vLPIs acknowledged through ICV_IAR1_EL1. */
  virtualDeliveries: Deliveries;
  /**
   * cpu -> vINTID -> count: ICV_IAR1_EL1 reads that returned an interrupt from a list register
   * (below 8192). KVM wrote the list registers; the trace does not show it: not compared.
   */
  listRegisterAcks: Record<number, Record<number, number>>;
  disagreements: Disagreement[];
  disagreementCount: number;
  inferred: string[];
  /** Trace events the replay did not use, with their counts. */
  unused: Record<string, number>;
  agree: boolean;
}

export interface ReplayOptions {
  shape: TraceShape;
  /** The saved 64 KiB command queue (cmdq.bin). */
  cmdq?: Uint8Array;
  /** The saved LPI property table (proptable.bin): byte N is LPI 8192 + N. */
  proptable?: Uint8Array;
  /** At most this many disagreements are kept (all are counted). */
  keep?: number;
  /**
   * Snapshot policy of the machine's history. The CLI only replays forward, so snapshots every
   * 64Ki events keep its memory flat; a host that lets the user seek (the browser) passes the
   * engine's default policy, so a seek replays a few thousand events at most.
   */
  snapshots?: SnapshotPolicy | number;
  /** Told of every disagreement as it is found (a host keeps the text of the line it names). */
  onDisagree?: (d: Disagreement) => void;
  /**
   * The name an MSI's device gets in the model's events, from its requester ID (default: none,
   * the event then names the device by its bus/device/function). A host that draws devices names
   * them (e.g. '00:01.0', or 'virtio-net' when a lesson says so).
   */
  deviceName?: (rid: number) => string;
}

interface CmdObs {
  line: number;
  tid: number;
  slot: number;
  code: number;
  decode?: TraceRecord;
  tables: TraceRecord[];
}

interface MsiObs {
  line: number;
  tid: number;
  devid: number;
  eventid: number;
  reads: TraceRecord[];
  from: number;
  to: number;
}

const RAM = { base: 0x4000_0000, size: 0x4_0000_0000 };
const INFERRED = { base: 0x80_0000_0000, size: 0x100_0000 };
const hex = (v: number | bigint): string => '0x' + v.toString(16);

const TABLE_EVENTS = new Set([
  'gicv3_its_dte_read',
  'gicv3_its_dte_write',
  'gicv3_its_dte_read_fault',
  'gicv3_its_ite_read',
  'gicv3_its_ite_write',
  'gicv3_its_ite_read_fault',
  'gicv3_its_cte_read',
  'gicv3_its_cte_write',
  'gicv3_its_cte_read_fault',
  'gicv3_its_vte_read',
  'gicv3_its_vte_write',
  'gicv3_its_vte_read_fault',
]);

/** The virtual timer's PPI, which KVM maps to the same physical PPI (a hardware list register). */
const VTIMER_PPI = 27;
/** GICR_VPROPBASER, in the VLPI_base frame. */
const GICR_VPROPBASER = 0x20070;
/** A vLPI configuration byte: priority 0xa0, Group 1 (bit 1, as Linux writes it), enabled. */
const VLPI_CONFIG = 0xa0 | 0b10 | 0b1;
/** GICR_ICACTIVER0, in the SGI_base frame. */
const GICR_ICACTIVER0 = 0x10380;

function count(t: Record<number, Record<number, number>>, cpu: number, intid: number): void {
  if (intid === SPURIOUS) return;
  const c = (t[cpu] ??= {});
  c[intid] = (c[intid] ?? 0) + 1;
}

export class QemuReplay {
  readonly machine: Machine;
  private readonly keep: number;
  private readonly r: ReplayReport;
  private cmds: CmdObs[] = [];
  private msi?: MsiObs;
  private propLoaded = false;
  private nextInferredPage = INFERRED.base;
  private readonly noted = new Map<string, { text: string; count: number }>();
  /** vLPI configuration tables (VPROPBASER) and mapped vINTIDs seen, and the bytes provided. */
  private readonly vconfTables = new Set<number>();
  private readonly vintids = new Set<number>();
  private readonly vconfDone = new Set<string>();

  constructor(private readonly opts: ReplayOptions) {
    this.keep = opts.keep ?? 500;
    const cpus = Math.max(1, opts.shape.cpus);
    const resolved = resolveMachine({
      profile: 'qemu',
      gic: opts.shape.gicVersion,
      cpus,
      spis: 256,
      memory: [
        { name: 'ram', ...RAM },
        { name: 'inferred', ...INFERRED },
      ],
      software: { all: 'masked' },
    });
    if (!resolved.ok) throw new Error(resolved.problems.join('; '));
    // Long traces: snapshots every 64Ki events keep memory flat where nobody seeks (the CLI).
    this.machine = Machine.create(resolved.machine, opts.snapshots ?? 65536);
    this.r = {
      shape: { cpus, gicVersion: opts.shape.gicVersion },
      records: 0,
      msis: { total: 0, agreed: 0 },
      commands: { total: 0, agreed: 0 },
      tableWrites: { total: 0, agreed: 0 },
      registerReads: { total: 0, agreed: 0 },
      acknowledges: { total: 0, agreed: 0 },
      deliveries: { trace: {}, model: {} },
      vlpiAcknowledges: { total: 0, agreed: 0 },
      virtualDeliveries: { trace: {}, model: {} },
      listRegisterAcks: {},
      disagreements: [],
      disagreementCount: 0,
      inferred: [],
      unused: {},
      agree: false,
    };
    const m = this.machine;
    const gicd = m.s.gic.cfg.distBase;
    m.input({ kind: 'mmio', addr: gicd, width: 32, write: true, value: 0x13n, by: 'trace (inferred)' });
    for (let c = 0; c < cpus; c++) {
      m.input({ kind: 'icc', cpu: c, reg: 'ICC_PMR_EL1', write: true, value: 0xf0n });
      m.input({ kind: 'icc', cpu: c, reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n });
    }
    this.settle();
    this.infer(
      'distributor and CPU interfaces: GICD_CTLR = 0x13, ICC_PMR_EL1 = 0xf0 and ICC_IGRPEN1_EL1 = 1 on every CPU (not traced; as Linux programs them)',
    );
  }

  /** Records an assumption once per `key` (with the first occurrence's text), counting repeats. */
  private infer(what: string, key = what): void {
    const n = this.noted.get(key);
    if (n) n.count++;
    else this.noted.set(key, { text: what, count: 1 });
  }

  private disagree(line: number, what: string): void {
    this.r.disagreementCount++;
    if (this.r.disagreements.length < this.keep) this.r.disagreements.push({ line, what });
    this.opts.onDisagree?.({ line, what });
  }

  private settle(): void {
    this.machine.run({ maxEvents: 1_000_000 });
  }

  private eventsSince(from: number): SimEvent[] {
    return this.machine.log.slice(from, this.machine.seq);
  }

  private unused(event: string): void {
    this.r.unused[event] = (this.r.unused[event] ?? 0) + 1;
  }

  // ------------------------------------------------------------------ feeding

  feed(rec: TraceRecord): void {
    this.r.records++;
    if (TABLE_EVENTS.has(rec.event)) return this.tableAccess(rec);
    if (this.msi && rec.tid === this.msi.tid) this.finishMsi();
    switch (rec.event) {
      case 'gicv3_its_process_command':
        this.cmds.push({ line: rec.line, tid: rec.tid, slot: rec.rdOffset, code: rec.cmd, tables: [] });
        return;
      case 'gicv3_its_write':
        return this.itsWrite(rec);
      case 'gicv3_its_read':
        return this.read(
          rec.line,
          this.machine.s.its[0]!.cfg.base + rec.offset,
          rec.size,
          rec.data,
          `GITS offset ${hex(rec.offset)}`,
        );
      case 'gicv3_redist_write':
        return this.redistWrite(rec);
      case 'gicv3_redist_read':
        return this.read(
          rec.line,
          this.rdBase(rec.cpu) + rec.offset,
          rec.size,
          rec.data,
          `GICR${rec.cpu} offset ${hex(rec.offset)}`,
        );
      case 'gicv3_dist_write':
        this.machine.input({
          kind: 'mmio',
          addr: this.machine.s.gic.cfg.distBase + rec.offset,
          width: (rec.size * 8) as 32,
          write: true,
          value: rec.data,
          by: 'trace',
        });
        return this.settle();
      case 'gicv3_dist_read':
        return this.read(
          rec.line,
          this.machine.s.gic.cfg.distBase + rec.offset,
          rec.size,
          rec.data,
          `GICD offset ${hex(rec.offset)}`,
        );
      case 'gicv3_its_translation_write':
        return this.translation(rec);
      case 'gicv3_icc_iar1_read':
        return this.acknowledge(rec.line, rec.cpu, rec.val);
      case 'gicv3_icv_iar_read':
        if (rec.grp !== 1) return this.unused(rec.event);
        return this.icvAcknowledge(rec.line, rec.cpu, rec.val);
      case 'gicv3_icv_eoir_write':
        if (rec.grp !== 1) return this.unused(rec.event);
        return this.icvEndOfInterrupt(rec.line, rec.cpu, rec.val);
      case 'gicv3_icc_eoir_write':
        this.machine.input({
          kind: 'icc',
          cpu: rec.cpu,
          reg: rec.grp === 0 ? 'ICC_EOIR0_EL1' : 'ICC_EOIR1_EL1',
          write: true,
          value: BigInt(rec.val),
        });
        return this.settle();
      case 'gicv3_icc_dir_write':
        this.machine.input({
          kind: 'icc',
          cpu: rec.cpu,
          reg: 'ICC_DIR_EL1',
          write: true,
          value: BigInt(rec.val),
        });
        return this.settle();
      case 'gicv3_redist_set_irq':
        if (rec.irq >= 16 && rec.irq < 32) {
          this.machine.input({ kind: 'line', intid: rec.irq, cpu: rec.cpu, level: rec.level ? 1 : 0 });
          return this.settle();
        }
        return this.unused(rec.event);
      case 'gicv3_redist_send_sgi':
        this.machine.input({ kind: 'sgi', to: rec.cpu, intid: rec.irq, from: -1 });
        return this.settle();
      default:
        if (rec.event.startsWith('gicv3_its_cmd_')) return this.commandDecode(rec);
        return this.unused(rec.event);
    }
  }

  private rdBase(cpu: number): number {
    const g = this.machine.s.gic.cfg;
    return redistAddress(g, cpu);
  }

  private read(line: number, addr: number, size: number, want: bigint, what: string): void {
    const m = this.machine;
    const seq = m.seq;
    m.input({ kind: 'mmio', addr, width: (size * 8) as 32, write: false, value: 0n, by: 'trace' });
    this.settle();
    const e = m.log.get(seq)!;
    const v = (e.data as { value?: string }).value;
    const got = v !== undefined ? BigInt(v) : 0n;
    this.r.registerReads.total++;
    if (got === want) this.r.registerReads.agreed++;
    else
      this.disagree(
        line,
        `read of ${(e.data as { reg?: string }).reg ?? what}: QEMU ${hex(want)}, model ${hex(got)}`,
      );
  }

  private redistWrite(rec: Extract<TraceRecord, { event: 'gicv3_redist_write' }>): void {
    const m = this.machine;
    m.input({
      kind: 'mmio',
      addr: this.rdBase(rec.cpu) + rec.offset,
      width: (rec.size * 8) as 32,
      write: true,
      value: rec.data,
      by: 'trace',
    });
    this.settle();
    if (rec.offset === 0x70 && !this.propLoaded && this.opts.proptable) {
      const base = Number((rec.data >> 12n) & 0xffffffffffn) * 0x1000;
      const t = this.opts.proptable;
      for (let off = 0; off < t.length; off += 4096) {
        const chunk = Array.from(t.subarray(off, Math.min(t.length, off + 4096)));
        if (chunk.some((b) => b !== 0))
          m.input({ kind: 'mem-write', addr: base + off, bytes: chunk, by: 'trace (inferred)' });
      }
      this.propLoaded = true;
      this.infer(
        `LPI configuration: the property table as saved at power-off (proptable.bin, ${t.length} bytes) loaded at ${hex(base)} when GICR_PROPBASER was first written`,
      );
    }
    if (rec.offset === GICR_VPROPBASER || rec.offset === GICR_VPROPBASER + 4) {
      const table = vpropTable(m.s.gic.rd[rec.cpu]!.vpropbaser);
      if (table !== 0) {
        this.vconfTables.add(table);
        this.provideVlpiConfig(rec.line);
      }
    }
  }

  /**
   * The vLPI configuration tables (GICv4.0 GICR_VPROPBASER) are in the guest hypervisor's memory,
   * written by KVM directly and not saved: every vINTID that VMAPTI/VMAPI mapped is configured
   * enabled, Group 1, priority 0xa0 (what KVM copies from a Linux guest's LPI configuration:
   * GICD_INT_DEF_PRI) in every table a VPROPBASER write named, once, as soon as both are known.
   */
  private provideVlpiConfig(line: number): void {
    for (const table of this.vconfTables)
      for (const vintid of this.vintids) {
        const key = `${table}:${vintid}`;
        if (this.vconfDone.has(key)) continue;
        this.vconfDone.add(key);
        this.machine.input({
          kind: 'mem-write',
          addr: table + vintid - FIRST_LPI,
          bytes: [VLPI_CONFIG],
          by: 'trace (inferred)',
        });
        this.settle();
        this.infer(
          `vLPI configuration: KVM writes the vLPI configuration tables (GICR_VPROPBASER) directly and they were not saved; each vINTID VMAPTI mapped is taken as enabled, priority 0xa0, in each table (first: vLPI ${vintid} at ${hex(table)}, line ${line})`,
          'vconf',
        );
      }
  }

  // ------------------------------------------------------------------ commands

  private tableAccess(rec: TraceRecord): void {
    if (this.msi && rec.tid === this.msi.tid && rec.event.endsWith('_read') && this.msi.reads.length < 3) {
      this.msi.reads.push(rec);
      if (this.msi.reads.length === 3) this.finishMsi();
      return;
    }
    const last = this.cmds[this.cmds.length - 1];
    if (last && last.tid === rec.tid) {
      last.tables.push(rec);
      return;
    }
    this.unused(rec.event);
  }

  private commandDecode(rec: TraceRecord): void {
    if (rec.event === 'gicv3_its_cmd_vmapti' || rec.event === 'gicv3_its_cmd_vmapi') {
      this.vintids.add(rec.event === 'gicv3_its_cmd_vmapti' ? rec.vintid : rec.eventid);
      this.provideVlpiConfig(rec.line);
    }
    const last = this.cmds[this.cmds.length - 1];
    if (last && last.tid === rec.tid && !last.decode) last.decode = rec;
    else this.unused(rec.event);
  }

  private itsWrite(rec: Extract<TraceRecord, { event: 'gicv3_its_write' }>): void {
    const m = this.machine;
    const its = m.s.its[0]!;
    // QEMU processes the queue on a CWRITER write (64-bit or low half) and on a GITS_CTLR write.
    const triggers = rec.offset === 0x88 || rec.offset === 0x0;
    if (triggers && this.cmds.length) this.materialise();
    const from = m.seq;
    m.input({
      kind: 'mmio',
      addr: its.cfg.base + rec.offset,
      width: (rec.size * 8) as 32,
      write: true,
      value: rec.data,
      by: 'trace',
    });
    this.settle();
    if (!triggers) return;
    const done = this.eventsSince(from).filter((e) => e.kind === 'its.cmd');
    const obs = this.cmds;
    this.cmds = [];
    for (let k = 0; k < Math.max(done.length, obs.length); k++) {
      const o = obs[k];
      const e = done[k];
      if (!o) {
        this.disagree(
          rec.line,
          `the model processed a command QEMU did not: ${(e!.data as CommandEventData).command} in slot ${(e!.data as CommandEventData).slot}`,
        );
        continue;
      }
      this.r.commands.total++;
      if (!e) {
        this.disagree(
          o.line,
          `QEMU processed the command in slot ${o.slot} (0x${o.code.toString(16)}); the model did not`,
        );
        continue;
      }
      this.compareCommand(o, e.data as CommandEventData);
    }
  }

  /** Writes the observed commands into the model's queue, as the guest had before announcing them. */
  private materialise(): void {
    const m = this.machine;
    const its = m.s.its[0]!;
    const q = queueGeometry(its);
    for (const o of this.cmds) {
      const words = this.commandWords(o);
      if (!words) continue;
      const bytes: number[] = [];
      for (const w of words) for (let i = 0; i < 8; i++) bytes.push(Number((w >> BigInt(8 * i)) & 0xffn));
      if (q.valid) m.input({ kind: 'mem-write', addr: q.base + o.slot * 32, bytes, by: 'trace (inferred)' });
      this.provideLevel2(o);
    }
    this.settle();
  }

  private commandWords(o: CmdObs): CommandWords | undefined {
    const saved = this.savedSlot(o.slot);
    const spec = COMMAND_BY_OPCODE.get(o.code);
    if (saved && Number(saved[0] & 0xffn) === o.code && (!o.decode || this.decodeMatches(o, saved)))
      return saved;
    if (!spec) return [BigInt(o.code), 0n, 0n, 0n];
    const fields = o.decode ? traceFields(o.decode) : {};
    const enc = encodeCommand(spec.name, fields);
    this.infer(
      `command bytes rebuilt from QEMU's decode where the saved queue no longer held the command (first: slot ${o.slot}, line ${o.line})`,
      'rebuilt',
    );
    if (!o.decode)
      this.infer(
        `fields QEMU does not print (SYNC's RDbase, INVALL's ICID, VSYNC's vPEID) taken as 0 where the saved queue had another command (first: line ${o.line})`,
        'unprinted',
      );
    return enc.ok ? enc.dws : [BigInt(o.code), 0n, 0n, 0n];
  }

  private savedSlot(slot: number): CommandWords | undefined {
    const q = this.opts.cmdq;
    if (!q || (slot + 1) * 32 > q.length) return undefined;
    const dv = new DataView(q.buffer, q.byteOffset + slot * 32, 32);
    const w = (i: number): bigint => dv.getBigUint64(8 * i, true);
    return [w(0), w(1), w(2), w(3)];
  }

  private decodeMatches(o: CmdObs, words: CommandWords): boolean {
    const d = decodeCommand(words);
    const want = traceFields(o.decode!);
    return Object.entries(want).every(([k, v]) => d.fields[k] === v);
  }

  /** Level-1 entries of two-level tables are written by the guest directly: provide them where QEMU used them. */
  private provideLevel2(o: CmdObs): void {
    for (const t of o.tables) {
      if (t.event === 'gicv3_its_dte_write' || t.event === 'gicv3_its_dte_read')
        this.ensureLevel2(BASER_TYPE_DEVICE, t.devid, t.line);
      if (t.event === 'gicv3_its_cte_write' || t.event === 'gicv3_its_cte_read')
        this.ensureLevel2(BASER_TYPE_COLLECTION, t.icid, t.line);
      if (t.event === 'gicv3_its_vte_write' || t.event === 'gicv3_its_vte_read')
        this.ensureLevel2(BASER_TYPE_VPE, t.vpeid, t.line);
    }
  }

  private ensureLevel2(type: number, id: number, line: number): void {
    const m = this.machine;
    const g = findTable(m.s.its[0]!, type);
    if (!g || !g.valid || !g.indirect) return;
    const perPage = g.pageSize / g.entrySize;
    const l1 = g.base + Math.floor(id / perPage) * 8;
    if (memReadU32(m.s.mem, l1 + 4) >>> 31 === 1) return;
    const page = Math.ceil(this.nextInferredPage / g.pageSize) * g.pageSize;
    this.nextInferredPage = page + g.pageSize;
    const entry = (1n << 63n) | BigInt(page);
    const bytes = Array.from({ length: 8 }, (_, i) => Number((entry >> BigInt(8 * i)) & 0xffn));
    m.input({ kind: 'mem-write', addr: l1, bytes, by: 'trace (inferred)' });
    this.infer(
      `level-1 entries of the two-level ${tableTypeName(type)} table: written by the guest (not traced); provided as level-2 pages at ${hex(INFERRED.base)}+ when QEMU used them (first: line ${line})`,
      `l1-${type}`,
    );
  }

  private compareCommand(o: CmdObs, e: CommandEventData): void {
    const problems: string[] = [];
    if (e.slot !== o.slot) problems.push(`slot: QEMU ${o.slot}, model ${e.slot}`);
    if (e.opcode !== o.code)
      problems.push(
        `command: QEMU 0x${o.code.toString(16)}, model 0x${e.opcode.toString(16)} (${e.command})`,
      );
    const spec = COMMAND_BY_OPCODE.get(o.code);
    if (o.decode) {
      for (const [k, v] of Object.entries(traceFields(o.decode))) {
        const got = e.fields[k];
        if (got === undefined || BigInt(got) !== v)
          problems.push(`${k}: QEMU ${hex(v)}, model ${got ?? 'none'}`);
      }
    }
    const writes = e.touches.filter((t) => t.op === 'write' && t.table !== 'queue');
    const traced = o.tables.filter((t) => t.event.endsWith('_write'));
    this.r.tableWrites.total += traced.length;
    for (let k = 0; k < Math.max(writes.length, traced.length); k++) {
      const t = traced[k];
      const w = writes[k];
      if (!t) {
        problems.push(`the model wrote a ${w!.table} entry QEMU did not write`);
        continue;
      }
      const diff = w ? compareWrite(t, w) : `QEMU wrote a table entry (line ${t.line}) the model did not`;
      if (diff) problems.push(diff);
      else this.r.tableWrites.agreed++;
    }
    if (problems.length)
      this.disagree(o.line, `${spec?.name ?? 'command'} in slot ${o.slot}: ${problems.join('; ')}`);
    else this.r.commands.agreed++;
  }

  // ------------------------------------------------------------------ MSIs

  private translation(rec: Extract<TraceRecord, { event: 'gicv3_its_translation_write' }>): void {
    if (this.msi) this.finishMsi();
    const m = this.machine;
    if (rec.offset !== 0x40) return this.unused('gicv3_its_translation_write (not GITS_TRANSLATER)');
    const from = m.seq;
    m.input({
      kind: 'msi',
      device: this.opts.deviceName?.(rec.requesterId) ?? '',
      rid: rec.requesterId,
      devid: rec.requesterId,
      its: 0,
      eventid: rec.data,
    });
    this.settle();
    this.msi = {
      line: rec.line,
      tid: rec.tid,
      devid: rec.requesterId,
      eventid: rec.data,
      reads: [],
      from,
      to: m.seq,
    };
  }

  /**
   * Compares one MSI's translation: QEMU's DTE and ITE reads, then its CTE read (a physical ITE)
   * or its VTE read (a virtual ITE: vINTID, vPEID and doorbell from the ITE; the VPT and the target
   * redistributor from the VTE), with the model's 'its.dte', 'its.ite' and 'its.cte' / 'its.vte'.
   */
  private finishMsi(): void {
    const o = this.msi;
    if (!o) return;
    this.msi = undefined;
    this.r.msis.total++;
    const evs = this.machine.log.slice(o.from, o.to);
    const find = (kind: string) => evs.find((e) => e.kind === kind)?.data;
    const dte = find('its.dte') as { itt: number; size: number } | undefined;
    const ite = find('its.ite') as
      { intid: number; icid: number; vpeid?: number; doorbell?: number } | undefined;
    const cte = find('its.cte') as { rdbase: number } | undefined;
    const vte = find('its.vte') as VteData | undefined;
    const drop = find('its.drop') as { text?: string } | undefined;
    let tDte: TraceOf<'gicv3_its_dte_read'> | undefined;
    let tIte: TraceOf<'gicv3_its_ite_read'> | undefined;
    let tCte: TraceOf<'gicv3_its_cte_read'> | undefined;
    let tVte: TraceOf<'gicv3_its_vte_read'> | undefined;
    for (const r of o.reads) {
      if (r.event === 'gicv3_its_dte_read') tDte = r;
      else if (r.event === 'gicv3_its_ite_read') tIte = r;
      else if (r.event === 'gicv3_its_cte_read') tCte = r;
      else if (r.event === 'gicv3_its_vte_read') tVte = r;
    }
    const problems: string[] = [];
    const found = !!tDte?.valid && !!tIte?.valid;
    // QEMU's INTTYPE 0: a virtual ITE. process_its_cmd_virt then needs a valid VTE naming a CPU and
    // a vINTID that fits the VPT.
    const virtual = found && tIte?.inttype === 0;
    const qemuTranslated = virtual
      ? !!tVte?.valid && tVte.rdbase < this.r.shape.cpus && tIte!.intid < 2 ** (tVte.vptsize + 1)
      : found && !!tCte?.valid;
    const modelTranslated = !drop && (cte !== undefined || vte !== undefined);
    if (qemuTranslated && tDte && tIte) {
      if (!modelTranslated)
        problems.push(
          `QEMU translated it; the model ${drop ? `dropped it: ${JSON.stringify(drop.text)}` : 'did not finish the translation'}`,
        );
      else {
        if (dte && (dte.itt !== tDte.ittaddr || dte.size !== tDte.size))
          problems.push(
            `DTE: QEMU ITT ${hex(tDte.ittaddr)} size ${tDte.size}, model ITT ${hex(dte.itt)} size ${dte.size}`,
          );
        if (virtual && tVte) problems.push(...compareVirtual(tIte, tVte, ite, vte));
        else if (!virtual && tCte) {
          if (!ite || ite.vpeid !== undefined || ite.intid !== tIte.intid || ite.icid !== tIte.icid)
            problems.push(
              `ITE: QEMU LPI ${tIte.intid} ICID ${tIte.icid}, model ${ite?.vpeid !== undefined ? `vLPI ${ite.intid} vPEID ${ite.vpeid}` : `LPI ${ite?.intid} ICID ${ite?.icid}`}`,
            );
          if (cte && cte.rdbase !== tCte.rdbase)
            problems.push(`target: QEMU RDbase ${tCte.rdbase}, model ${cte.rdbase}`);
        }
      }
    } else if (modelTranslated) problems.push('QEMU did not translate it; the model did');
    if (problems.length)
      this.disagree(o.line, `MSI DeviceID ${o.devid} EventID ${o.eventid}: ${problems.join('; ')}`);
    else this.r.msis.agreed++;
  }

  // ------------------------------------------------------------------ the CPU side

  private acknowledge(line: number, cpu: number, val: number): void {
    const m = this.machine;
    const seq = m.seq;
    m.input({ kind: 'icc', cpu, reg: 'ICC_IAR1_EL1', write: false, value: 0n });
    this.settle();
    const got = (m.log.get(seq)!.data as { intid: number }).intid;
    const want = val & 0xffffff;
    this.r.acknowledges.total++;
    count(this.r.deliveries.trace, cpu, want);
    count(this.r.deliveries.model, cpu, got);
    if (got === want) this.r.acknowledges.agreed++;
    else this.disagree(line, `ICC_IAR1_EL1 on CPU ${cpu}: QEMU acknowledged ${want}, the model ${got}`);
  }

  /**
   * The nested guest reads ICV_IAR1_EL1. A vLPI (8192 and up) came from the redistributor, with no
   * list register: the model's virtual CPU interface must present the same one (the resident vPE's
   * best) and takes it. Anything else came from a list register that KVM (the guest hypervisor)
   * wrote, which the trace does not show: counted, not compared.
   */
  private icvAcknowledge(line: number, cpu: number, val: number): void {
    const want = val & 0xffffff;
    if (want === SPURIOUS) {
      this.infer(
        `ICV_IAR1_EL1 reads returning 1023 (first: line ${line}): whether a vLPI could be taken depends on ICH_VMCR_EL2 and the virtual active priorities (not traced), so not compared`,
        'icv-spurious',
      );
      return;
    }
    if (want < FIRST_LPI) {
      count(this.r.listRegisterAcks, cpu, want);
      this.infer(
        `ICV_IAR1_EL1 reads returning an INTID below 8192 (first: line ${line}): from list registers KVM wrote (not traced), so not compared`,
        'icv-lr',
      );
      return;
    }
    const m = this.machine;
    const seq = m.seq;
    m.input({ kind: 'icv-ack', cpu });
    this.settle();
    const e = m.log.get(seq)!;
    const got = e.kind === 'icv.vlpi.ack' ? (e.data as { intid: number }).intid : SPURIOUS;
    this.r.vlpiAcknowledges.total++;
    count(this.r.virtualDeliveries.trace, cpu, want);
    count(this.r.virtualDeliveries.model, cpu, got);
    if (got === want) this.r.vlpiAcknowledges.agreed++;
    else this.disagree(line, `ICV_IAR1_EL1 on CPU ${cpu}: QEMU acknowledged vLPI ${want}, the model ${got}`);
  }

  /**
   * The nested guest writes ICV_EOIR1_EL1. For a vLPI that is a priority drop in the virtual CPU
   * interface. For a list register's interrupt nothing reaches the model, except where the list
   * register was KVM's hardware-mapped virtual timer: its EOI deactivates physical PPI 27 too (QEMU
   * icv_deactivate_irq, ICH_LR_EL2.HW), which no trace line shows and the host's next acknowledge of
   * the timer depends on.
   */
  private icvEndOfInterrupt(line: number, cpu: number, val: number): void {
    const intid = val & 0xffffff;
    const m = this.machine;
    if (intid >= FIRST_LPI) {
      m.input({ kind: 'icv-eoi', cpu, intid });
      return this.settle();
    }
    if (intid === VTIMER_PPI) {
      m.input({
        kind: 'mmio',
        addr: this.rdBase(cpu) + GICR_ICACTIVER0,
        width: 32,
        write: true,
        value: 1n << BigInt(VTIMER_PPI),
        by: 'trace (inferred: the EOI of a hardware-mapped list register)',
      });
      this.settle();
      this.infer(
        `ICV_EOIR1_EL1 writes of vINTID 27 (first: line ${line}): KVM maps the guest's virtual timer to physical PPI 27 (ICH_LR_EL2.HW = 1, pINTID 27; list registers not traced), so each deactivates PPI 27 on that CPU, applied as a GICR_ICACTIVER0 write`,
        'icv-hw',
      );
      return;
    }
    this.infer(
      `ICV_EOIR1_EL1 writes of other INTIDs below 8192 (first: line ${line}): they end list-register interrupts (not traced), nothing the model holds`,
      'icv-eoi-lr',
    );
  }

  finish(): ReplayReport {
    if (this.msi) this.finishMsi();
    if (this.cmds.length) {
      for (const o of this.cmds)
        this.disagree(
          o.line,
          `command in slot ${o.slot} processed by QEMU with no CWRITER/CTLR write after it in the trace`,
        );
      this.cmds = [];
    }
    this.r.inferred = [...this.noted.values()].map((n) =>
      n.count > 1 ? `${n.text} [${n.count} times]` : n.text,
    );
    this.r.agree = this.r.disagreementCount === 0;
    return this.r;
  }
}

/** QEMU's decode of a command as field values in spec names (addresses as byte addresses). */
export function traceFields(r: TraceRecord): Record<string, bigint> {
  const b = BigInt;
  switch (r.event) {
    case 'gicv3_its_cmd_mapd':
      return { DeviceID: b(r.devid), Size: b(r.size), ITT_addr: b(r.ittaddr) << 8n, V: b(r.valid) };
    case 'gicv3_its_cmd_mapc':
      return r.valid ? { ICID: b(r.icid), RDbase: b(r.rdbase), V: 1n } : { ICID: b(r.icid), V: 0n };
    case 'gicv3_its_cmd_mapti':
      return { DeviceID: b(r.devid), EventID: b(r.eventid), ICID: b(r.icid), pINTID: b(r.intid) };
    case 'gicv3_its_cmd_mapi':
    case 'gicv3_its_cmd_movi':
      return { DeviceID: b(r.devid), EventID: b(r.eventid), ICID: b(r.icid) };
    case 'gicv3_its_cmd_int':
    case 'gicv3_its_cmd_clear':
    case 'gicv3_its_cmd_discard':
    case 'gicv3_its_cmd_inv':
      return { DeviceID: b(r.devid), EventID: b(r.eventid) };
    case 'gicv3_its_cmd_movall':
      return { RDbase1: b(r.rd1), RDbase2: b(r.rd2) };
    case 'gicv3_its_cmd_vmapti':
      return {
        DeviceID: b(r.devid),
        EventID: b(r.eventid),
        vPEID: b(r.vpeid),
        vINTID: b(r.vintid),
        Dbell_pINTID: b(r.doorbell),
      };
    case 'gicv3_its_cmd_vmapi':
      return { DeviceID: b(r.devid), EventID: b(r.eventid), vPEID: b(r.vpeid), Dbell_pINTID: b(r.doorbell) };
    case 'gicv3_its_cmd_vmapp':
      return {
        vPEID: b(r.vpeid),
        RDbase: b(r.rdbase),
        V: b(r.valid),
        VPT_addr: b(r.vptaddr) << 16n,
        VPT_size: b(r.vptsize),
      };
    case 'gicv3_its_cmd_vmovp':
      return { vPEID: b(r.vpeid), RDbase: b(r.rdbase) };
    case 'gicv3_its_cmd_vmovi':
      return {
        DeviceID: b(r.devid),
        EventID: b(r.eventid),
        vPEID: b(r.vpeid),
        D: b(r.dbvalid),
        Dbell_pINTID: b(r.doorbell),
      };
    case 'gicv3_its_cmd_vinvall':
      return { vPEID: b(r.vpeid) };
    default:
      return {};
  }
}

type TraceOf<E extends TraceRecord['event']> = Extract<TraceRecord, { event: E }>;

/** A translation to a virtual ITE: QEMU's ITE and VTE reads against the model's ITE and VTE. */
function compareVirtual(
  tIte: TraceOf<'gicv3_its_ite_read'>,
  tVte: TraceOf<'gicv3_its_vte_read'>,
  ite: { intid: number; vpeid?: number; doorbell?: number } | undefined,
  vte: VteData | undefined,
): string[] {
  const out: string[] = [];
  if (!ite || !vte || ite.vpeid === undefined)
    return [`QEMU translated it to vLPI ${tIte.intid} of vPE ${tIte.vpeid}; the model to a physical LPI`];
  if (ite.intid !== tIte.intid || ite.vpeid !== tIte.vpeid || ite.doorbell !== tIte.doorbell)
    out.push(
      `ITE: QEMU vLPI ${tIte.intid} vPEID ${tIte.vpeid} doorbell ${tIte.doorbell}, model vLPI ${ite.intid} vPEID ${ite.vpeid} doorbell ${ite.doorbell}`,
    );
  if (vte.vpeid !== tVte.vpeid)
    out.push(`VTE: QEMU read vPEID ${tVte.vpeid}'s, the model vPEID ${vte.vpeid}'s`);
  if (vte.vpt !== tVte.vptaddr * 0x10000 || vte.vptBits !== tVte.vptsize + 1)
    out.push(
      `VTE: QEMU VPT ${hex(tVte.vptaddr * 0x10000)} size ${tVte.vptsize}, model VPT ${hex(vte.vpt)} size ${vte.vptBits - 1}`,
    );
  if (vte.cpu !== tVte.rdbase) out.push(`target: QEMU RDbase ${tVte.rdbase}, model redistributor ${vte.cpu}`);
  return out;
}

/** Compares a table write QEMU traced with the one the model made; undefined when they agree. */
function compareWrite(t: TraceRecord, w: Touch): string | undefined {
  const f = w.fields ?? {};
  const num = (k: string): number => (typeof f[k] === 'boolean' ? (f[k] ? 1 : 0) : (f[k] ?? 0));
  const diff = (what: string, q: number, mdl: number): string | undefined =>
    q === mdl ? undefined : `${what}: QEMU ${hex(q)}, model ${hex(mdl)}`;
  switch (t.event) {
    case 'gicv3_its_dte_write':
      if (w.table !== 'device' || w.id !== t.devid)
        return `QEMU wrote the DTE of DeviceID ${t.devid}, the model a ${w.table} entry ${w.id}`;
      return (
        diff('DTE Valid', t.valid, num('Valid')) ??
        (t.valid
          ? (diff('DTE Size', t.size, num('Size')) ?? diff('DTE ITT_addr', t.ittaddr * 256, num('ITT_addr')))
          : undefined)
      );
    case 'gicv3_its_cte_write':
      if (w.table !== 'collection' || w.id !== t.icid)
        return `QEMU wrote the CTE of ICID ${t.icid}, the model a ${w.table} entry ${w.id}`;
      return (
        diff('CTE Valid', t.valid, num('Valid')) ??
        (t.valid ? diff('CTE RDbase', t.rdbase, num('RDbase')) : undefined)
      );
    case 'gicv3_its_ite_write':
      if (w.table !== 'itt' || w.id !== t.eventid)
        return `QEMU wrote the ITE of EventID ${t.eventid}, the model a ${w.table} entry ${w.id}`;
      if (!t.valid) return diff('ITE Valid', t.valid, num('Valid'));
      // QEMU's INTTYPE: 1 physical, 0 virtual (VMAPTI/VMAPI).
      if (t.inttype === 0)
        return (
          diff('ITE Valid', t.valid, num('Valid')) ??
          (f.vINTID === undefined ? 'QEMU wrote a virtual ITE, the model a physical one' : undefined) ??
          diff('ITE vINTID', t.intid, num('vINTID')) ??
          diff('ITE vPEID', t.vpeid, num('vPEID')) ??
          diff('ITE Dbell_pINTID', t.doorbell, num('Dbell_pINTID'))
        );
      return (
        diff('ITE Valid', t.valid, num('Valid')) ??
        (f.vINTID !== undefined ? 'QEMU wrote a physical ITE, the model a virtual one' : undefined) ??
        diff('ITE pINTID', t.intid, num('pINTID')) ??
        diff('ITE ICID', t.icid, num('ICID'))
      );
    case 'gicv3_its_vte_write':
      if (w.table !== 'vpe' || w.id !== t.vpeid)
        return `QEMU wrote the VTE of vPEID ${t.vpeid}, the model a ${w.table} entry ${w.id}`;
      // QEMU's VTE: valid, VPT_size, VPT address >> 16, RDbase (a processor number).
      return (
        diff('VTE Valid', t.valid, num('Valid')) ??
        (t.valid
          ? (diff('VTE VPT_size', t.vptsize, num('VPT_size')) ??
            diff('VTE VPT_addr', t.vptaddr * 0x10000, num('VPT_addr')) ??
            diff('VTE RDbase', t.rdbase, num('RDbase')))
          : undefined)
      );
    default:
      return `unexpected trace write ${t.event}`;
  }
}

export function describeCommand(words: CommandWords): string {
  return formatCommand(decodeCommand(words));
}
