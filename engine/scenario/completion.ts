/**
 * Completion for the command language (the sandbox console's Tab key): for the word at the
 * cursor, what may stand there, each with a short note of what it is.
 *
 * The names come from where the language itself gets them, so completion can never offer what
 * the parser or the machine would refuse: register names from the GICD/GICR/GITS register tables
 * and ICC_REGISTERS, ITS commands and their fields from ITS_COMMANDS, run targets, policies and
 * table-entry fields from the parser's own lists, and units (rd<n>, its<n>, cpu<n>) and devices
 * from the machine at hand. It reads the words before the cursor the way the parser does, but it
 * never refuses: a line that cannot be completed gets no candidates. Pure and deterministic.
 *
 * Inside a guest line (`vm<n> vcpu<m> ...`) the inner line is completed as a host line on the
 * VM's shape (its vCPUs' redistributors, its virtual ITSs), plus the ICC registers after a plain
 * read or write; after `vm<n>` come the vCPUs and the KVM calls, and each call's fields. After
 * `expect vm<n>` come the host's expectation forms but `events`, completed on the VM's shape with
 * `vcpu<m>` where the host has `cpu<m>`.
 */

import { GICD_REGISTERS } from '../gic/distributor';
import { ICC_REGISTERS } from '../gic/icc-registers';
import { GICR_REGISTERS } from '../gic/redistributor';
import type { RegisterDef } from '../gic/registers';
import { COMMAND_BY_NAME, findField, ITS_COMMANDS } from '../its/command-encoding';
import { GITS_REGISTERS } from '../its/its-registers';
import { KVM_CALLS, POLICIES, RUN_UNTIL, TABLE_ENTRY_FIELDS, WIDTHS } from './command-parser';
import { isWordChar, lex } from './lexer';

/** What completion needs to know about the machine: which units and devices exist. */
export interface CompletionShape {
  /** Number of PEs (cpu0.., rd0..). */
  cpus: number;
  /** Number of ITSs (its0..). */
  its: number;
  devices: readonly { name: string; rid?: number; its?: number }[];
  /** Event kinds worth offering after `expect events` (e.g. those in the history so far). */
  eventKinds?: readonly string[];
  /** The VMs (vm0..): vCPUs, virtual ITSs, and the host devices assigned to each. */
  vms?: readonly { vcpus: number; its: number; assigned?: readonly string[] }[];
}

export interface Candidate {
  /** What the list shows: 'GICD_CTLR', 'GICD_IPRIORITYR<n>', 'DeviceID='. */
  text: string;
  /** What replaces the word at the cursor (a space follows a finished word). */
  insert: string;
  /** A short note: what the name is. */
  detail: string;
}

export interface Completion {
  /** The range of the line [from, to) that a candidate's `insert` replaces. */
  from: number;
  to: number;
  candidates: Candidate[];
}

/** A VM's shape as completion sees it inside a guest line or `expect vm<n>`: CPUs are vCPUs. */
type GuestShape = CompletionShape & { guest: true };

const isGuest = (shape: CompletionShape): boolean => (shape as Partial<GuestShape>).guest === true;

/** A candidate before filtering; `open` ones are not finished words (no space after them). */
interface Option {
  text: string;
  detail: string;
  open?: boolean;
  /** For register arrays: the name without <n>, and the number of instances. */
  array?: { prefix: string; count: number };
}

const FIRST_WORDS: readonly Option[] = [
  { text: 'read', detail: 'read a register (at its own width)' },
  ...WIDTHS.map((w) => ({ text: `read${w}`, detail: `a ${w}-bit read of a register, offset or address` })),
  { text: 'write', detail: 'write a register (at its own width); |= sets bits, &= ~ clears them' },
  ...WIDTHS.map((w) => ({ text: `write${w}`, detail: `a ${w}-bit write of a register, offset or address` })),
  { text: 'its', detail: 'an ITS command, written into the queue and announced with GITS_CWRITER' },
  { text: 'mem', detail: 'write or fill memory (write8..write64, write, fill)' },
  { text: 'lpi-config', detail: "an LPI's byte in the property table GICR_PROPBASER points at" },
  { text: 'lpi-pending', detail: "an LPI's bit in a redistributor's pending table" },
  { text: 'msi', detail: 'a PCI device writes an EventID to GITS_TRANSLATER' },
  { text: 'line', detail: 'drive an SPI, or a PPI of a CPU: high, low or pulse' },
  { text: 'software', detail: 'what the handler on a CPU does: eoi, deactivate-icactiver, hold, masked' },
  { text: 'run', detail: 'run until idle, or until the next delivery, command or event' },
  { text: 'wait', detail: 'let model time pass: wait 5ms' },
  { text: 'step', detail: 'run n events (default 1)' },
  { text: 'migrate', detail: 'save the whole machine and restore it into a fresh one' },
  { text: 'expect', detail: 'check something: deliveries, reg, mem, dte, ite, cte, pending, events...' },
];

const EXPECT_KINDS: readonly Option[] = [
  { text: 'deliveries', detail: 'exactly these deliveries in the step: cpu1:8195 ... or none' },
  { text: 'delivered', detail: 'this CPU took this INTID (x<count> times)' },
  { text: 'reg', detail: 'a register read without side effects: == value, & mask, unchanged' },
  ...WIDTHS.map((w) => ({ text: `reg${w}`, detail: `a ${w}-bit register read without side effects` })),
  { text: 'icc', detail: 'a CPU interface register: icc cpu<n> ICC_... == value' },
  { text: 'mem', detail: 'memory bytes: mem <addr> == <byte> ...' },
  ...WIDTHS.map((w) => ({ text: `mem${w}`, detail: `a ${w}-bit memory value` })),
  { text: 'dte', detail: 'a device table entry as the ITS sees it (valid, size, itt) or absent' },
  { text: 'ite', detail: 'an interrupt translation entry (intid, icid) or absent' },
  { text: 'cte', detail: 'a collection table entry (valid, target) or absent' },
  { text: 'pending', detail: 'an LPI is pending at a redistributor' },
  { text: 'not-pending', detail: 'an LPI is not pending at a redistributor' },
  { text: 'events', detail: 'a count of events of a kind: events its.cmd command=MAPTI == 1' },
];

const EVENT_FILTERS: readonly Option[] = [
  ...['cpu', 'its', 'intid', 'devid', 'eventid', 'unit'].map((k) => ({
    text: `${k}=`,
    detail: `events whose ${k} is this`,
    open: true,
  })),
  ...['command', 'error', 'outcome'].map((k) => ({
    text: `${k}=`,
    detail: `events whose data field '${k}' is this`,
    open: true,
  })),
];

const COMPARE: readonly Option[] = [
  { text: '==', detail: 'the value is' },
  { text: '&', detail: 'mask the value first: & <mask> == <value>' },
  { text: 'unchanged', detail: 'the value is what it was when the step began' },
];

type Frame = 'GICD' | 'GICR' | 'GITS';

const TABLES: Record<Frame, readonly RegisterDef<never, never>[]> = {
  GICD: GICD_REGISTERS.regs,
  GICR: GICR_REGISTERS.regs,
  GITS: GITS_REGISTERS.regs,
};

const FRAME_NAMES: Record<Frame, string> = { GICD: 'distributor', GICR: 'redistributor', GITS: 'ITS' };

function registerOptions(frame: Frame, width?: number): Option[] {
  return TABLES[frame]
    .filter((d) => width === undefined || d.widths.includes(width as 8 | 16 | 32 | 64))
    .map((d) => {
      const fields = d.fields?.length
        ? `: ${d.fields
            .slice(0, 4)
            .map((f) => f.name)
            .join(', ')}${d.fields.length > 4 ? '…' : ''}`
        : '';
      const at = `+0x${d.offset.toString(16).padStart(4, '0')}`;
      const detail = `${FRAME_NAMES[frame]} ${at}, ${d.size * 8}-bit ${d.access}${fields}`;
      if (d.count === undefined) return { text: d.name, detail };
      const prefix = d.name.replace('<n>', '');
      return {
        text: d.name,
        detail: `${detail} (n = 0..${d.count - 1})`,
        open: true,
        array: { prefix, count: d.count },
      };
    });
}

function iccOptions(op?: 'read' | 'write'): Option[] {
  return ICC_REGISTERS.filter((r) =>
    op === 'read' ? r.access !== 'wo' : op === 'write' ? r.access !== 'ro' : true,
  ).map((r) => ({ text: r.name, detail: `${r.access}: ${r.doc}` }));
}

const range = (n: number): number[] => Array.from({ length: Math.max(0, n) }, (_, i) => i);

/** The CPUs: `cpu<n>` on the host, `vcpu<n>` in a guest's shape. */
function cpuOptions(shape: CompletionShape, detail = (n: number) => `PE ${n}`): Option[] {
  if (isGuest(shape)) return vcpuOptions(shape.cpus);
  return range(shape.cpus).map((n) => ({ text: `cpu${n}`, detail: detail(n) }));
}

function rdOptions(shape: CompletionShape): Option[] {
  const of = isGuest(shape) ? 'vcpu' : 'cpu';
  return range(shape.cpus).map((n) => ({ text: `rd${n}`, detail: `redistributor ${n} (of ${of}${n})` }));
}

function itsOptions(shape: CompletionShape): Option[] {
  return range(shape.its).map((n) => ({ text: `its${n}`, detail: `ITS ${n}` }));
}

/** What may start an MMIO target: units, register names of every frame, '@'. */
function targetOptions(shape: CompletionShape, width?: number): Option[] {
  return [
    { text: 'gicd', detail: 'the distributor (gicd+<offset> needs a width)' },
    ...rdOptions(shape),
    ...itsOptions(shape),
    ...registerOptions('GICD', width),
    ...registerOptions('GICR', width),
    ...registerOptions('GITS', width),
    { text: '@', detail: 'a physical address: @0x08000000 (needs a width)', open: true },
  ];
}

function vmOptions(shape: CompletionShape, detail: (n: number) => string): Option[] {
  return range(shape.vms?.length ?? 0).map((n) => ({ text: `vm${n}`, detail: detail(n) }));
}

function vcpuOptions(vcpus: number, detail = (n: number) => `vCPU ${n}`): Option[] {
  return range(vcpus).map((n) => ({ text: `vcpu${n}`, detail: detail(n) }));
}

const UNIT_RE = /^(rd|gicr|its|cpu)([0-9]+)$/;
const VM_RE = /^vm([0-9]+)$/;
const VCPU_RE = /^vcpu([0-9]+)$/;
const isNumber = (w: string | undefined): boolean => w !== undefined && /^[0-9]/.test(w);
const isRegister = (w: string | undefined): boolean => w !== undefined && /^(gicd|gicr|gits)_/.test(w);

/**
 * Options after an MMIO verb (read, write, expect reg): `at` is the index of the first word of
 * the target in `w`.
 */
function afterTarget(w: string[], at: number, shape: CompletionShape, width?: number): Option[] | 'done' {
  if (w.length === at) return targetOptions(shape, width);
  const first = w[at]!;
  const unit = UNIT_RE.exec(first);
  if (w.length === at + 1) {
    if (first === 'gicd') return registerOptions('GICD', width);
    if (unit && (unit[1] === 'rd' || unit[1] === 'gicr')) return registerOptions('GICR', width);
    if (unit && unit[1] === 'its') return registerOptions('GITS', width);
  }
  return 'done';
}

/** The options for the word after the words `w` (lower-cased tokens before the cursor). */
function optionsAfter(w: string[], shape: CompletionShape): Option[] {
  if (w.length === 0)
    return [
      ...FIRST_WORDS.slice(0, 10),
      ...cpuOptions(shape, (n) => `PE ${n}'s CPU interface: cpu${n} read|write ICC_...`),
      ...itsOptions(shape).map((o) => ({ ...o, detail: `a command into ${o.detail}'s queue` })),
      ...vmOptions(shape, (k) => `VM ${k}: vcpu<n> <what the guest does>, or a KVM call`),
      ...FIRST_WORDS.slice(10),
    ];
  const head = w[0]!;
  const n = w.length;
  const last = w[n - 1]!;

  const vmM = VM_RE.exec(head);
  if (vmM) {
    const vm = shape.vms?.[Number(vmM[1])];
    return vm ? vmLineOptions(w, shape, vm) : [];
  }

  const access = /^(read|write)([0-9]*)$/.exec(head);
  if (access) {
    const width = access[2] ? Number(access[2]) : undefined;
    const t = afterTarget(w, 1, shape, width);
    return t === 'done' ? [] : t;
  }

  const unit = UNIT_RE.exec(head);
  if (unit?.[1] === 'cpu') {
    if (n === 1)
      return [
        { text: 'read', detail: 'read an ICC register' },
        { text: 'write', detail: 'write an ICC register' },
      ];
    if (n === 2 && (w[1] === 'read' || w[1] === 'write')) return iccOptions(w[1]);
    return [];
  }

  if (head === 'its' || unit?.[1] === 'its') {
    // its [its<n>] CMD ... | its<n> [its] CMD ...
    let i = 1;
    if (head === 'its' && w[1] !== undefined && /^its[0-9]+$/.test(w[1])) i = 2;
    if (head !== 'its' && w[1] === 'its') i = 2;
    if (n === i) {
      const cmds: Option[] = ITS_COMMANDS.map((c) => ({
        text: c.name,
        detail: c.gen === 3 ? c.doc : `${c.doc} (decoded, not executed)`,
      }));
      const raw = { text: 'raw', detail: 'four doublewords, as the ITS reads them' };
      return head === 'its' && i === 1 ? [...itsOptions(shape), ...cmds, raw] : [...cmds, raw];
    }
    const spec = COMMAND_BY_NAME.get((w[i] ?? '').toUpperCase());
    if (!spec || last === '=') return [];
    const given = new Set<string>();
    for (let k = i + 1; k + 1 < n; k++)
      if (w[k + 1] === '=') {
        const f = findField(spec, w[k]!);
        if (f) given.add(f.name);
      }
    // A field name typed without its '=' yet: nothing but '=' can follow.
    if (n > i + 1 && w[n - 2] !== '=') return [];
    return spec.fields
      .filter((f) => !given.has(f.name))
      .map((f) => {
        const bits = `DW${f.dw}[${f.msb}:${f.lsb}]`;
        const aka = f.aliases.length ? `; also ${f.aliases.join(', ')}` : '';
        return {
          text: `${f.name}=`,
          detail: f.shift ? `a byte address, ${2 ** f.shift}-aligned (${bits})${aka}` : `${bits}${aka}`,
          open: true,
        };
      });
  }

  switch (head) {
    case 'mem':
      if (n === 1)
        return [
          ...WIDTHS.map((x) => ({ text: `write${x}`, detail: `write a ${x}-bit value: <addr> <value>` })),
          { text: 'write', detail: 'write bytes: <addr> <byte> <byte> ...' },
          { text: 'fill', detail: 'fill: <addr> <length> <byte> (64K, 1M...)' },
        ];
      return [];
    case 'lpi-config':
      return n === 1 ? rdOptions(shape) : [];
    case 'lpi-pending':
      if (n === 1) return rdOptions(shape);
      if (isNumber(last) && (n === 2 || (n === 3 && UNIT_RE.test(w[1]!))))
        return [
          { text: 'set', detail: 'set the pending bit' },
          { text: 'clear', detail: 'clear the pending bit' },
        ];
      return [];
    case 'msi':
      if (n === 1)
        return [
          ...shape.devices.map((d) => ({
            text: d.name,
            detail: `PCI device${d.rid !== undefined ? `, Requester ID 0x${d.rid.toString(16)}` : ''}${d.its !== undefined ? `, MSIs to its${d.its}` : ''}`,
          })),
          { text: 'rid=', detail: 'an anonymous bus master with this Requester ID', open: true },
        ];
      return [];
    case 'line':
      if (n === 2 && isNumber(last))
        return [
          { text: 'high', detail: 'assert the line (level)' },
          { text: 'low', detail: 'deassert the line' },
          { text: 'pulse', detail: 'an edge: high then low' },
        ];
      if (n === 3) return cpuOptions(shape, (c) => `the PPI of PE ${c}`);
      return [];
    case 'software': {
      if (n === 1) return [{ text: 'all', detail: 'every CPU' }, ...cpuOptions(shape)];
      if (last === ',') return cpuOptions(shape);
      if (last === 'all' || /^cpu[0-9]+$/.test(last))
        return POLICIES.map((p) => ({ text: p, detail: `handler policy ${p}` }));
      return [];
    }
    case 'run':
      if (n === 1) return [{ text: 'until', detail: 'run until the next delivery, command or event' }];
      if (n === 2 && last === 'until')
        return RUN_UNTIL.map((u) => ({
          text: u,
          detail:
            u === 'idle'
              ? 'nothing left to do'
              : u === 'delivery'
                ? 'the next interrupt a CPU takes'
                : u === 'command'
                  ? 'the next ITS command read from a queue'
                  : 'the next event',
        }));
      return [];
    case 'expect':
      return expectOptions(w, shape);
  }
  return [];
}

type VmShape = NonNullable<CompletionShape['vms']>[number];

const GUEST_FIRST: readonly Option[] = [
  {
    text: 'read',
    detail: "read a register of the guest's GIC, or an ICC register (its virtual CPU interface)",
  },
  ...WIDTHS.map((x) => ({
    text: `read${x}`,
    detail: `a ${x}-bit guest read of a register, offset or address`,
  })),
  { text: 'write', detail: "write a register of the guest's GIC, or an ICC register" },
  ...WIDTHS.map((x) => ({
    text: `write${x}`,
    detail: `a ${x}-bit guest write of a register, offset or address`,
  })),
  { text: 'mem', detail: 'the guest stores to its RAM (write8..write64, write, fill)' },
  { text: 'its', detail: "a command into the guest's virtual ITS queue" },
  { text: 'lpi-config', detail: "an LPI's byte in the guest's property table" },
  {
    text: 'lpi-pending',
    detail: "an LPI's bit in a pending table: this vCPU's, or rd<n>'s (set or clear)",
  },
  { text: 'pin', detail: "pin the vCPU's thread to a host PE: pin pcpu<n>" },
  { text: 'unpin', detail: 'let the scheduler place the vCPU' },
];

/** `key=` options for a call's fields, leaving out those given; nothing while a value is due. */
function keyOptions(
  w: string[],
  from: number,
  keys: readonly Option[],
  flags: readonly Option[] = [],
): Option[] {
  const n = w.length;
  const last = w[n - 1]!;
  if (last === '=') return [];
  // After a key and '=' comes a value; after the value (or a flag) another key.
  if (n > from && w[n - 2] !== '=' && !flags.some((f) => f.text === last)) return [];
  const given = new Set(w.slice(from).filter((_x, k, a) => a[k + 1] === '='));
  const done = new Set(w.slice(from));
  return [
    ...keys.filter((k) => !given.has(k.text.slice(0, -1))).map((k) => ({ ...k, open: true })),
    ...flags.filter((f) => !done.has(f.text)),
  ];
}

const MSI_KEY_OPTIONS: readonly Option[] = [
  { text: 'addr=', detail: "the doorbell: the guest ITS's GITS_TRANSLATER (64-bit)" },
  { text: 'data=', detail: 'the MSI data: the EventID' },
  { text: 'devid=', detail: 'the DeviceID (sets KVM_MSI_VALID_DEVID)' },
  { text: 'flags=', detail: 'kvm_msi.flags as given (KVM_MSI_VALID_DEVID is 0x1)' },
];
const IRQFD_KEY_OPTIONS: readonly Option[] = [
  { text: 'fd=', detail: 'the eventfd that fires the GSI' },
  { text: 'gsi=', detail: 'the GSI it fires (through the routing table)' },
  {
    text: 'resample=',
    detail: 'a resample eventfd, signalled when the guest EOIs (KVM_IRQFD_FLAG_RESAMPLE)',
  },
  { text: 'flags=', detail: 'kvm_irqfd.flags as given (DEASSIGN 0x1, RESAMPLE 0x2)' },
];
const IRQFD_FLAGS: readonly Option[] = [
  { text: 'deassign', detail: 'remove the irqfd (KVM_IRQFD_FLAG_DEASSIGN)' },
];
const VFIO_KEY_OPTIONS: readonly Option[] = [
  { text: 'vector=', detail: "the device's MSI vector" },
  { text: 'lpi=', detail: 'the host LPI the host ITS maps that MSI to' },
  { text: 'fd=', detail: "the eventfd VFIO's handler signals" },
];

const LEVELS: readonly Option[] = [
  { text: 'high', detail: 'level 1: assert' },
  { text: 'low', detail: 'level 0: deassert' },
];

/** After `vm<n>`: the vCPUs and KVM calls, a guest line, or a call's arguments. */
function vmLineOptions(w: string[], shape: CompletionShape, vm: VmShape): Option[] {
  const n = w.length;
  const last = w[n - 1]!;
  if (n === 1)
    return [
      ...vcpuOptions(vm.vcpus, (v) => `vCPU ${v}: what the guest's code on it does, or pin/unpin`),
      ...KVM_CALLS.map((k) => ({ text: k.word, detail: k.doc })),
    ];
  const second = w[1]!;
  const vcpu = VCPU_RE.exec(second);
  if (vcpu) {
    if (Number(vcpu[1]) >= vm.vcpus) return [];
    if (n === 2) return [...GUEST_FIRST];
    if (w[2] === 'pin')
      return n === 3 ? range(shape.cpus).map((p) => ({ text: `pcpu${p}`, detail: `host PE ${p}` })) : [];
    if (w[2] === 'unpin' || w[2] === 'lpi-config') return [];
    const inner = w.slice(2);
    // Only the host forms a guest line has (msi, line, cpu<n>... would be refused).
    if (!/^(read|write)[0-9]*$|^mem$|^its[0-9]*$|^lpi-pending$/.test(inner[0]!)) return [];
    const guestShape = guestShapeOf(vm);
    const opts = optionsAfter(inner, guestShape);
    const access = /^(read|write)$/.exec(inner[0]!);
    if (access && inner.length === 1) return [...opts, ...iccOptions(access[1] as 'read' | 'write')];
    return opts;
  }
  switch (second) {
    case 'irq-line':
      if (n === 2)
        return [
          { text: 'spi', detail: 'an SPI by INTID (32..): irq_type SPI, irq_id = INTID' },
          { text: 'ppi', detail: "a vCPU's PPI: ppi vcpu<n> <INTID 16..31>" },
        ];
      if (n === 3 && last === 'ppi') return vcpuOptions(vm.vcpus);
      if (
        isNumber(last) &&
        ((n === 4 && w[2] === 'spi') || (n === 5 && w[2] === 'ppi') || (n === 3 && isNumber(w[2])))
      )
        return [...LEVELS];
      return [];
    case 'signal-msi':
      return keyOptions(w, 2, MSI_KEY_OPTIONS);
    case 'irqfd':
      return keyOptions(w, 2, IRQFD_KEY_OPTIONS, IRQFD_FLAGS);
    case 'vfio': {
      if (n === 2)
        return (vm.assigned ?? shape.devices.map((d) => d.name)).map((d) => ({
          text: d,
          detail: 'a host PCI device assigned to the VM',
        }));
      return keyOptions(w, 3, VFIO_KEY_OPTIONS);
    }
    case 'set-gsi-routing': {
      const entry = {
        text: 'gsi=',
        detail: 'a routing entry: gsi=<n>:irqchip:<pin> or gsi=<n>:msi:<addr>:<data>[:<devid>]',
        open: true,
      };
      if (n === 2) return [{ text: 'none', detail: 'an empty table: no GSI fires anything' }, entry];
      if (last === ':' && n >= 5 && isNumber(w[n - 2]) && w[n - 3] === '=' && w[n - 4] === 'gsi')
        return [
          {
            text: 'irqchip',
            detail: 'irqchip:<pin>: the SPI pin + 32 (GSI i -> SPI i + 32 by default)',
            open: true,
          },
          { text: 'msi', detail: 'msi:<address>:<data>[:<devid>]: an MSI to the guest ITS', open: true },
          { text: 'raw', detail: 'raw:<type>:<flags>[:<u0>...]: an entry as given', open: true },
        ];
      return isNumber(last) && w[n - 2] === ':' ? [entry] : [];
    }
  }
  return [];
}

const guestShapeOf = (vm: VmShape): GuestShape => ({ cpus: vm.vcpus, its: vm.its, devices: [], guest: true });

function expectOptions(w: string[], shape: CompletionShape): Option[] {
  const n = w.length;
  if (n === 1) {
    // A guest's view has no `events` (the log is the machine's) and no VMs of its own.
    if (isGuest(shape)) return EXPECT_KINDS.filter((k) => k.text !== 'events');
    return [...EXPECT_KINDS, ...vmOptions(shape, (k) => `what the guest of VM ${k} sees`)];
  }
  const kind = w[1]!;
  const last = w[n - 1]!;
  const vmM = VM_RE.exec(kind);
  if (vmM) {
    // `expect vm<n> <expectation>`: the view forms on the VM's guest, with vcpu<m> for cpu<m>.
    const vm = shape.vms?.[Number(vmM[1])];
    if (!vm || isGuest(shape)) return [];
    if (n === 3 && VCPU_RE.test(last))
      return [
        { text: 'delivered', detail: 'the guest on this vCPU acknowledged this virtual INTID (x<count>)' },
      ];
    if (n > 2 && VCPU_RE.test(w[2]!)) return [];
    const inner = expectOptions(['expect', ...w.slice(2)], guestShapeOf(vm));
    return n === 2 ? [...inner, ...vcpuOptions(vm.vcpus, (v) => `vCPU ${v}: delivered <intid>`)] : inner;
  }
  const reg = /^reg([0-9]*)$/.exec(kind);
  if (reg) {
    const width = reg[1] ? Number(reg[1]) : undefined;
    const t = afterTarget(w, 2, shape, width);
    if (t !== 'done') return t;
    // After the register (or its +offset): the comparison.
    if (isRegister(last) || (w[n - 2] === '+' && isNumber(last))) return [...COMPARE];
    return [];
  }
  switch (kind) {
    case 'deliveries':
      if (n === 2)
        return [{ text: 'none', detail: 'no CPU took anything in the step' }, ...cpuOptions(shape)];
      if (last === ':' || last === 'none') return [];
      return w[n - 2] === ':' || /^x/.test(last) ? cpuOptions(shape) : [];
    case 'delivered':
      return n === 2 ? cpuOptions(shape) : [];
    case 'icc':
      if (n === 2) return cpuOptions(shape);
      if (n === 3) return iccOptions('read');
      if (n === 4) return [...COMPARE];
      return [];
    case 'dte':
    case 'ite':
    case 'cte': {
      let i = 2;
      if (w[2] !== undefined && /^its[0-9]+$/.test(w[2])) i = 3;
      const ids = kind === 'ite' ? 2 : 1;
      if (n === 2) return itsOptions(shape);
      if (n < i + ids || !w.slice(i, i + ids).every(isNumber)) return [];
      if (last === '=' || w[n - 2] === 'absent' || last === 'absent') return [];
      if (n > i + ids && w[n - 2] !== '=') return [];
      const fields = TABLE_ENTRY_FIELDS[kind];
      const given = new Set(w.slice(i + ids).filter((_x, k, a) => a[k + 1] === '='));
      const opts: Option[] = Object.entries(fields)
        .filter(([k, aliases]) => !given.has(k) && !aliases.some((a) => given.has(a)))
        .map(([k]) => ({ text: `${k}=`, detail: `the entry's ${k}`, open: true }));
      return n === i + ids ? [...opts, { text: 'absent', detail: 'no valid entry' }] : opts;
    }
    case 'pending':
    case 'not-pending':
      return n === 2 ? rdOptions(shape) : [];
    case 'events': {
      if (n === 2) return (shape.eventKinds ?? []).map((k) => ({ text: k, detail: 'event kind' }));
      if (last === '=' || last === '==' || last === '>=' || last === '<=') return [];
      if (isNumber(last) && (w[n - 2] === '==' || w[n - 2] === '>=' || w[n - 2] === '<='))
        return [{ text: 'total', detail: 'count from the start of the run, not the step' }];
      if (n > 3 && w[n - 2] !== '=') return [];
      return [
        ...EVENT_FILTERS,
        { text: '==', detail: 'exactly this many' },
        { text: '>=', detail: 'at least this many' },
        { text: '<=', detail: 'at most this many' },
      ];
    }
  }
  return [];
}

/**
 * Completes the word at `cursor` in `line` (a command-language line) on a machine of `shape`.
 * The word is the run of word characters around the cursor; candidates are those options for
 * that place whose name starts with what is typed before the cursor (case-insensitive).
 */
export function complete(line: string, cursor: number, shape: CompletionShape): Completion {
  const at = Math.max(0, Math.min(line.length, Math.floor(cursor) || 0));
  let from = at;
  while (from > 0 && isWordChar(line[from - 1]!)) from--;
  let to = at;
  while (to < line.length && isWordChar(line[to]!)) to++;
  const none: Completion = { from, to, candidates: [] };
  const before = line.slice(0, from);
  // Nothing to complete inside a comment or after text the lexer refuses.
  if (before.includes('#') || before.includes('"')) return none;
  const lx = lex(before);
  if (!lx.ok) return none;
  const words = lx.tokens.map((t) => (t.kind === 'word' ? t.text.toLowerCase() : t.text));
  const typed = line.slice(from, at).toUpperCase();
  const space = to < line.length && /\s/.test(line[to]!) ? '' : ' ';
  const candidates: Candidate[] = [];
  for (const o of optionsAfter(words, shape)) {
    const upper = o.text.toUpperCase();
    if (o.array) {
      // 'GICD_IPRIORITYR8' typed in full: offer that instance.
      const m = /^([0-9]+)$/.exec(typed.slice(o.array.prefix.length));
      if (typed.startsWith(o.array.prefix) && m && Number(m[1]) < o.array.count) {
        candidates.push({ text: typed, insert: typed + space, detail: o.detail });
        continue;
      }
      if (o.array.prefix.startsWith(typed))
        candidates.push({ text: o.text, insert: o.array.prefix, detail: o.detail });
      continue;
    }
    if (upper.startsWith(typed))
      candidates.push({ text: o.text, insert: o.text + (o.open ? '' : space), detail: o.detail });
  }
  return { from, to, candidates };
}
