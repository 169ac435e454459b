/**
 * A replayed trace cut into steps a learner can walk through, each with a title and a narration
 * generated from what its lines did.
 *
 * A trace from disk is cut by what the guest was doing, because that is what a person reading a
 * boot log looks for: the GIC's set-up, the ITS brought up (GITS_BASERn, GITS_CBASER, GITS_CTLR),
 * each CPU's LPI tables, each batch of ITS commands (a new step at every MAPD, MAPC or VMAPP, so a
 * device's MAPD with its MAPTIs and INVs is one step), runs of MSIs, vPE scheduling. Lines that
 * only show the kernel running (timer ticks, IPIs, their acknowledges) join the step they follow,
 * except a long stretch of them, which is a step of its own ("the kernel runs") so that the
 * interesting steps stay short. A fixed number of lines per step would cut a MAPD from its MAPTIs
 * and bury three commands among thousands of timer interrupts.
 *
 * A trace lesson gives its own cuts (steps anchored at trace lines); the same digest then adds
 * what the lines did below the lesson's narration.
 *
 * Steps are positions in the history: step k is [from, to), from the first event of its first
 * line; the first step starts at 0 (the replay's own set-up) and the last ends at the history's end.
 */

import { COMMAND_BY_OPCODE } from '../../engine/its/command-encoding';
import type { TraceRecord } from '../../engine/import/qemu-trace-line';

export type Category = 'gic' | 'its' | 'lpi' | 'vpe' | 'cmd' | 'msi' | 'quiet';

/** Background lines between two notable ones beyond which the stretch is a step of its own. */
export const QUIET_LINES = 2000;
/** Most steps a trace is cut into; the last one takes the rest. */
export const MAX_STEPS = 300;
/** Commands listed one by one in a narration (beyond that, counted by name). */
const LISTED_COMMANDS = 16;
/** MSI kinds ((DeviceID, EventID) pairs) listed in a narration. */
const LISTED_MSIS = 12;

const hex = (v: number | bigint): string => '0x' + v.toString(16);

const ITS_REGS: Record<number, string> = { 0x0: 'GITS_CTLR', 0x80: 'GITS_CBASER', 0x88: 'GITS_CWRITER' };
const RD_REGS: Record<number, string> = {
  0x0: 'GICR_CTLR',
  0x14: 'GICR_WAKER',
  0x70: 'GICR_PROPBASER',
  0x78: 'GICR_PENDBASER',
  0x10080: 'GICR_IGROUPR0',
  0x10100: 'GICR_ISENABLER0',
  0x10180: 'GICR_ICENABLER0',
  0x10200: 'GICR_ISPENDR0',
  0x10280: 'GICR_ICPENDR0',
  0x10300: 'GICR_ISACTIVER0',
  0x10380: 'GICR_ICACTIVER0',
  0x10c00: 'GICR_ICFGR0',
  0x10c04: 'GICR_ICFGR1',
  0x10d00: 'GICR_IGRPMODR0',
  0x20070: 'GICR_VPROPBASER',
  0x20078: 'GICR_VPENDBASER',
};

export function itsRegName(offset: number): string {
  if (offset >= 0x100 && offset < 0x140) return `GITS_BASER${(offset - 0x100) >> 3}`;
  return ITS_REGS[offset & ~4] ?? `GITS offset ${hex(offset)}`;
}

export function rdRegName(offset: number): string {
  if (offset >= 0x10400 && offset < 0x10420) return `GICR_IPRIORITYR${(offset - 0x10400) >> 2}`;
  return RD_REGS[offset] ?? RD_REGS[offset & ~4] ?? `GICR offset ${hex(offset)}`;
}

/** How an INTID reads to a person: 'SGI 1', 'PPI 27', 'SPI 33', 'LPI 8193'. */
export function intidName(intid: number): string {
  if (intid < 16) return `SGI ${intid}`;
  if (intid < 32) return `PPI ${intid}`;
  if (intid < 1020) return `SPI ${intid}`;
  return `LPI ${intid}`;
}

const count = <K>(m: Map<K, number>, k: K, n = 1): void => {
  m.set(k, (m.get(k) ?? 0) + n);
};

interface CommandSeen {
  slot: number;
  name: string;
  line: number;
  /** QEMU's decode ('MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x4819ba V 1'). */
  text?: string;
  tid: number;
}

interface MsiSeen {
  devid: number;
  eventid: number;
  count: number;
  intid?: number;
  icid?: number;
  rdbase?: number;
  virtual?: boolean;
}

/** What a stretch of trace lines did, gathered as they are fed. */
export class Digest {
  lines = 0;
  readonly itsRegs = new Map<string, bigint>();
  readonly rdRegs = new Map<number, Map<string, bigint>>();
  readonly distRegs = new Map<string, bigint>();
  readonly commands: CommandSeen[] = [];
  readonly commandCounts = new Map<string, number>();
  readonly msis = new Map<string, MsiSeen>();
  msiCount = 0;
  /** cpu -> INTID -> acknowledges (ICC_IAR1_EL1), and vLPIs (ICV_IAR1_EL1). */
  readonly acks = new Map<number, Map<number, number>>();
  readonly vacks = new Map<number, Map<number, number>>();
  /** The MSI each thread is translating (its DTE, ITE and CTE reads follow on that thread). */
  private readonly open = new Map<number, MsiSeen>();

  add(rec: TraceRecord, text: string): void {
    this.lines++;
    switch (rec.event) {
      case 'gicv3_its_write':
        this.itsRegs.set(itsRegName(rec.offset), rec.data);
        return;
      case 'gicv3_redist_write': {
        const regs = this.rdRegs.get(rec.cpu) ?? new Map<string, bigint>();
        regs.set(rdRegName(rec.offset), rec.data);
        this.rdRegs.set(rec.cpu, regs);
        return;
      }
      case 'gicv3_dist_write':
        this.distRegs.set(`GICD offset ${hex(rec.offset)}`, rec.data);
        return;
      case 'gicv3_its_process_command': {
        const name = COMMAND_BY_OPCODE.get(rec.cmd)?.name ?? `command ${hex(rec.cmd)}`;
        count(this.commandCounts, name);
        if (this.commands.length < LISTED_COMMANDS * 4)
          this.commands.push({ slot: rec.rdOffset, name, line: rec.line, tid: rec.tid });
        return;
      }
      case 'gicv3_its_translation_write': {
        this.msiCount++;
        const key = `${rec.requesterId}:${rec.data}`;
        const m = this.msis.get(key) ?? { devid: rec.requesterId, eventid: rec.data, count: 0 };
        m.count++;
        this.msis.set(key, m);
        this.open.set(rec.tid, m);
        return;
      }
      case 'gicv3_its_ite_read': {
        const m = this.open.get(rec.tid);
        if (m && m.intid === undefined && rec.valid) {
          m.intid = rec.intid;
          m.virtual = rec.inttype === 0;
          if (rec.inttype !== 0) m.icid = rec.icid;
        }
        return;
      }
      case 'gicv3_its_cte_read': {
        const m = this.open.get(rec.tid);
        if (m && m.rdbase === undefined && rec.valid) m.rdbase = rec.rdbase;
        this.open.delete(rec.tid);
        return;
      }
      case 'gicv3_icc_iar1_read':
        if ((rec.val & 0xffffff) !== 1023) this.ack(this.acks, rec.cpu, rec.val & 0xffffff);
        return;
      case 'gicv3_icv_iar_read':
        if (rec.grp === 1 && (rec.val & 0xffffff) >= 8192) this.ack(this.vacks, rec.cpu, rec.val & 0xffffff);
        return;
      default:
        if (rec.event.startsWith('gicv3_its_cmd_')) {
          const c = this.commands.at(-1);
          if (c && c.tid === rec.tid && c.text === undefined) {
            const at = text.indexOf('command ');
            c.text = at >= 0 ? text.slice(at + 8) : c.name;
          }
        }
    }
  }

  private ack(t: Map<number, Map<number, number>>, cpu: number, intid: number): void {
    const m = t.get(cpu) ?? new Map<number, number>();
    count(m, intid);
    t.set(cpu, m);
  }

  /** Folds `o` (the lines that followed) into this one. */
  merge(o: Digest): void {
    this.lines += o.lines;
    for (const [k, v] of o.itsRegs) this.itsRegs.set(k, v);
    for (const [cpu, regs] of o.rdRegs) {
      const mine = this.rdRegs.get(cpu) ?? new Map<string, bigint>();
      for (const [k, v] of regs) mine.set(k, v);
      this.rdRegs.set(cpu, mine);
    }
    for (const [k, v] of o.distRegs) this.distRegs.set(k, v);
    for (const c of o.commands) if (this.commands.length < LISTED_COMMANDS * 4) this.commands.push(c);
    for (const [k, v] of o.commandCounts) count(this.commandCounts, k, v);
    for (const [k, v] of o.msis) {
      const m = this.msis.get(k);
      if (m) m.count += v.count;
      else this.msis.set(k, v);
    }
    this.msiCount += o.msiCount;
    for (const [t, from] of [
      [this.acks, o.acks],
      [this.vacks, o.vacks],
    ] as const)
      for (const [cpu, ints] of from) for (const [i, n] of ints) this.ackN(t, cpu, i, n);
    for (const [tid, m] of o.open) this.open.set(tid, m);
  }

  private ackN(t: Map<number, Map<number, number>>, cpu: number, intid: number, n: number): void {
    const m = t.get(cpu) ?? new Map<number, number>();
    count(m, intid, n);
    t.set(cpu, m);
  }
}

/** Names for devices by requester ID (a lesson's), to say 'DeviceID 0x8 (virtio-net)'. */
export type DeviceNames = ReadonlyMap<number, string>;

const device = (devid: number, names: DeviceNames): string =>
  `DeviceID ${hex(devid)}${names.has(devid) ? ` (${names.get(devid)})` : ''}`;

function countsText(m: ReadonlyMap<string, number>, skip?: string): string {
  return [...m]
    .filter(([k]) => k !== skip)
    .map(([k, n]) => (n > 1 ? `${k} ×${n}` : k))
    .join(', ');
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The devices the commands of a digest name (MAPD's DeviceID, from QEMU's decode). */
function commandDevices(d: Digest): number[] {
  const out = new Set<number>();
  for (const c of d.commands) {
    const m = /DeviceID 0x([0-9a-f]+)/.exec(c.text ?? '');
    if (m) out.add(parseInt(m[1]!, 16));
  }
  return [...out];
}

/** The step's title, from its category and what its lines did. */
export function titleOf(cat: Category, d: Digest, names: DeviceNames): string {
  const cpus = (m: Map<number, unknown>): string => [...m.keys()].join(', ');
  switch (cat) {
    case 'gic':
      return d.rdRegs.size ? `Redistributor set-up (CPU ${cpus(d.rdRegs)})` : 'Distributor set-up';
    case 'its':
      return d.itsRegs.has('GITS_CTLR') ? 'The ITS is brought up' : 'ITS registers written';
    case 'lpi': {
      const enabled = [...d.rdRegs].filter(([, r]) => r.has('GICR_CTLR')).map(([c]) => c);
      return enabled.length
        ? `LPIs enabled on CPU ${enabled.join(', ')}`
        : `LPI tables of CPU ${cpus(d.rdRegs)}`;
    }
    case 'vpe':
      return `vPE scheduling (CPU ${cpus(d.rdRegs)})`;
    case 'cmd': {
      const devs = commandDevices(d).map((x) => device(x, names));
      // MAPC: which redistributor each collection goes to (RDbase is a CPU number: GITS_TYPER.PTA = 0).
      const cols = d.commands.flatMap((c) => {
        const m = /^MAPC ICID 0x([0-9a-f]+) RDbase 0x([0-9a-f]+) V 1/.exec(c.text ?? '');
        return m ? [`collection ${parseInt(m[1]!, 16)} → CPU ${parseInt(m[2]!, 16)}`] : [];
      });
      const what = countsText(d.commandCounts, d.commandCounts.size > 1 ? 'SYNC' : undefined);
      const about = [...devs, ...cols];
      return `Commands: ${what}${about.length ? ` (${about.join(', ')})` : ''}`;
    }
    case 'msi': {
      const devs = [...new Set([...d.msis.values()].map((m) => m.devid))];
      return `${plural(d.msiCount, 'MSI')} from ${devs.map((x) => device(x, names)).join(', ')}`;
    }
    case 'quiet': {
      const n = [...d.acks.values()].reduce((s, m) => s + [...m.values()].reduce((a, b) => a + b, 0), 0);
      return `The kernel runs (${plural(n, 'interrupt')} taken)`;
    }
  }
}

/** What a step's category means, in a sentence for a learner. */
const LEAD: Record<Category, string> = {
  gic: 'The kernel sets up the GIC for a CPU: it wakes its redistributor (GICR_WAKER) and configures the SGIs and PPIs it will take (group, priority, enable).',
  its: "Linux's ITS driver brings the ITS up: it sizes and places the device and collection tables (GITS_BASERn), gives the ITS its command queue (GITS_CBASER, GITS_CWRITER = 0) and enables it (GITS_CTLR).",
  lpi: 'A CPU gets its LPI tables: the property table all redistributors share (GICR_PROPBASER: one configuration byte per LPI), its own pending table (GICR_PENDBASER: one bit per LPI), then LPIs are enabled (GICR_CTLR.EnableLPIs).',
  vpe: 'The guest hypervisor schedules vPEs: a GICR_VPENDBASER write makes a vPE resident on a redistributor (Valid = 1) or takes it off.',
  cmd: 'The guest writes ITS commands into the queue in memory and moves GITS_CWRITER; the ITS reads them one by one (GITS_CREADR follows) and updates its tables.',
  msi: 'Devices write their EventID to GITS_TRANSLATER; the bus adds the DeviceID. The ITS translates each pair through the device table, the ITT and the collection table, and the LPI becomes pending at the target redistributor.',
  quiet:
    'No ITS activity: the kernel runs, and the CPUs take their timer (PPI 27) and the IPIs (SGIs) the other CPU sends.',
};

/** The facts of a digest as Markdown bullets. */
export function factsOf(d: Digest, names: DeviceNames): string[] {
  const out: string[] = [];
  if (d.itsRegs.size)
    out.push(
      `ITS registers written: ${[...d.itsRegs].map(([k, v]) => `\`${k}\` = \`${hex(v)}\``).join(', ')}.`,
    );
  for (const [cpu, regs] of d.rdRegs) {
    const list = [...regs].slice(0, 8);
    out.push(
      `Redistributor ${cpu}: ${list.map(([k, v]) => `\`${k}\` = \`${hex(v)}\``).join(', ')}${regs.size > list.length ? `, and ${regs.size - list.length} more` : ''}.`,
    );
  }
  const total = [...d.commandCounts.values()].reduce((a, b) => a + b, 0);
  if (total) {
    if (total <= LISTED_COMMANDS)
      out.push(
        `${plural(total, 'command')}:\n${d.commands.map((c) => `  - slot ${c.slot}: \`${c.text ?? c.name}\` (line ${c.line})`).join('\n')}`,
      );
    else out.push(`${plural(total, 'command')}: ${countsText(d.commandCounts)}.`);
  }
  if (d.msiCount) {
    const kinds = [...d.msis.values()].slice(0, LISTED_MSIS).map((m) => {
      const to =
        m.intid === undefined
          ? 'not translated'
          : m.virtual
            ? `vLPI ${m.intid}`
            : `LPI ${m.intid}, collection ${m.icid ?? '?'}${m.rdbase !== undefined ? ` (CPU ${m.rdbase})` : ''}`;
      return `${device(m.devid, names)} EventID ${m.eventid} → ${to}: ${plural(m.count, 'MSI')}`;
    });
    out.push(
      `${plural(d.msiCount, 'MSI')}: ${kinds.join('; ')}${d.msis.size > LISTED_MSIS ? `; and ${d.msis.size - LISTED_MSIS} more pairs` : ''}.`,
    );
  }
  const taken = (t: Map<number, Map<number, number>>, v: boolean): string[] =>
    [...t].map(
      ([cpu, ints]) =>
        `CPU ${cpu}: ${[...ints]
          .sort((a, b) => a[0] - b[0])
          .map(([i, n]) => `${v ? `vLPI ${i}` : intidName(i)} ×${n}`)
          .join(', ')}`,
    );
  if (d.acks.size) out.push(`Interrupts taken (ICC_IAR1_EL1): ${taken(d.acks, false).join('; ')}.`);
  if (d.vacks.size) out.push(`vLPIs taken (ICV_IAR1_EL1): ${taken(d.vacks, true).join('; ')}.`);
  return out;
}

/** A step of a trace session, before its agreement and expectations are known. */
export interface TraceStepCut {
  title: string;
  category: Category;
  /** First trace line; the last is the line before the next step's first. */
  firstLine: number;
  /** First event (position) of the step. */
  from: number;
  digest: Digest;
}

/** Which category a notable line is of; undefined for the background (acks, reads, PPI lines...). */
export function categoryOf(rec: TraceRecord, commandsWaiting: boolean): Category | undefined {
  switch (rec.event) {
    case 'gicv3_its_write':
      // CWRITER (or a CTLR write) processes the commands before it; without any, it is set-up.
      return (rec.offset & ~4) === 0x88 || rec.offset === 0 ? (commandsWaiting ? 'cmd' : 'its') : 'its';
    case 'gicv3_its_process_command':
      return 'cmd';
    case 'gicv3_redist_write':
      if (
        rec.offset === 0x70 ||
        rec.offset === 0x74 ||
        rec.offset === 0x78 ||
        rec.offset === 0x7c ||
        rec.offset === 0
      )
        return 'lpi';
      if (rec.offset >= 0x20070 && rec.offset < 0x20080) return 'vpe';
      return 'gic';
    case 'gicv3_dist_write':
      return 'gic';
    case 'gicv3_its_translation_write':
      return 'msi';
    default:
      return rec.event.startsWith('gicv3_its_cmd_') ? 'cmd' : undefined;
  }
}

/** Command codes that begin a new batch: MAPD (a device), MAPC (a collection), VMAPP (a vPE). */
const NEW_BATCH = new Set([0x08, 0x09, 0x29]);

/**
 * Cuts a trace into steps as it is replayed. `feed` takes every record with the positions before
 * and after the replay took it; `finish` closes the last step.
 */
export class TraceStepper {
  readonly steps: TraceStepCut[] = [];
  private cur: TraceStepCut | undefined;
  /** Background lines after the current step's last notable one. */
  private tail = new Digest();
  private tailFirst = 0;
  private lastNotableLine = 0;
  private lastNotableEnd = 0;
  private commandsWaiting = false;
  private anchorAt = 0;

  /** `anchors`: a lesson's step lines (the steps are then fixed); none: cut by what the lines do. */
  constructor(
    private readonly names: DeviceNames,
    private readonly anchors?: readonly { line: number; title: string }[],
  ) {}

  feed(rec: TraceRecord, text: string, from: number, to: number): void {
    if (this.anchors) return this.feedAnchored(rec, text, from);
    const cat = categoryOf(rec, this.commandsWaiting);
    if (rec.event === 'gicv3_its_process_command') this.commandsWaiting = true;
    if (rec.event === 'gicv3_its_write' && ((rec.offset & ~4) === 0x88 || rec.offset === 0))
      this.commandsWaiting = false;
    if (!this.cur) this.open(cat ?? 'quiet', rec.line, 0);
    if (!cat) {
      if (this.tail.lines === 0) this.tailFirst = rec.line;
      this.tail.add(rec, text);
      return;
    }
    const cur = this.cur!;
    if (this.lastNotableLine === 0) {
      // The lines before the first notable one (the boot's first reads and ticks) belong to it.
      cur.category = cat;
      cur.digest.merge(this.tail);
      this.tail = new Digest();
      cur.digest.add(rec, text);
      this.lastNotableLine = rec.line;
      this.lastNotableEnd = to;
      return;
    }
    const quiet = this.tail.lines > 0 && rec.line - this.lastNotableLine > QUIET_LINES;
    const batch = rec.event === 'gicv3_its_process_command' && NEW_BATCH.has(rec.cmd);
    const same =
      cur.category === cat &&
      !quiet &&
      !(batch && cur.digest.commands.some((c) => NEW_BATCH_NAMES.has(c.name)));
    if (same || this.steps.length >= MAX_STEPS) {
      cur.digest.merge(this.tail);
      this.tail = new Digest();
    } else if (quiet) {
      // The stretch of background lines is a step of its own, between the two notable ones.
      const q = this.open('quiet', this.tailFirst, this.lastNotableEnd);
      q.digest.merge(this.tail);
      this.tail = new Digest();
      this.open(cat, rec.line, from);
    } else {
      cur.digest.merge(this.tail);
      this.tail = new Digest();
      this.open(cat, rec.line, from);
    }
    this.cur!.digest.add(rec, text);
    this.lastNotableLine = rec.line;
    this.lastNotableEnd = to;
  }

  private feedAnchored(rec: TraceRecord, text: string, from: number): void {
    const anchors = this.anchors!;
    while (this.anchorAt < anchors.length && rec.line >= anchors[this.anchorAt]!.line) {
      const a = anchors[this.anchorAt]!;
      this.open('quiet', a.line, this.anchorAt === 0 ? 0 : from, a.title);
      this.anchorAt++;
    }
    this.cur?.digest.add(rec, text);
  }

  private open(category: Category, firstLine: number, from: number, title = ''): TraceStepCut {
    const s: TraceStepCut = { title, category, firstLine, from, digest: new Digest() };
    if (this.steps.length === 0) s.from = 0;
    this.steps.push(s);
    this.cur = s;
    return s;
  }

  /**
   * Closes the last step (a long quiet tail is a step of its own) and titles the steps; anchors
   * past the trace's end become steps with no lines. Returns the steps.
   */
  finish(end: number): TraceStepCut[] {
    if (this.anchors) {
      while (this.anchorAt < this.anchors.length) {
        const a = this.anchors[this.anchorAt++]!;
        this.open('quiet', a.line, end, a.title);
      }
      return this.steps;
    }
    if (!this.cur) this.open('quiet', 1, 0);
    if (this.lastNotableLine > 0 && this.tail.lines > QUIET_LINES && this.steps.length < MAX_STEPS) {
      const q = this.open('quiet', this.tailFirst, this.lastNotableEnd);
      q.digest.merge(this.tail);
    } else this.cur!.digest.merge(this.tail);
    this.tail = new Digest();
    for (const s of this.steps) s.title = titleOf(s.category, s.digest, this.names);
    if (this.steps.length >= MAX_STEPS) this.steps.at(-1)!.title += ', and the rest of the trace';
    return this.steps;
  }

  /** The narration of an automatic step: what it is about, then what its lines did. */
  narrate(s: TraceStepCut, lastLine: number): string {
    const facts = factsOf(s.digest, this.names);
    return [
      `Trace lines ${s.firstLine.toLocaleString('en')}–${lastLine.toLocaleString('en')}.`,
      LEAD[s.category],
      facts.map((f) => `- ${f}`).join('\n'),
    ]
      .filter((p) => p !== '')
      .join('\n\n');
  }

  /** What a lesson step's lines did, added below the lesson's own narration. */
  facts(s: TraceStepCut, lastLine: number): string {
    const facts = factsOf(s.digest, this.names);
    return [
      `*From the trace, lines ${s.firstLine.toLocaleString('en')}–${lastLine.toLocaleString('en')}:*`,
      facts.length
        ? facts.map((f) => `- ${f}`).join('\n')
        : '- Nothing but the lines above: no GIC activity.',
    ].join('\n\n');
  }
}

const NEW_BATCH_NAMES = new Set(['MAPD', 'MAPC', 'VMAPP']);
