/**
 * The command language's printer: an Action back to one canonical line of text, the form
 * recorded sessions, the sandbox history and "copy as command" show. parseLine(printAction(a))
 * gives back `a` for every Action the parser can produce (the round-trip property test checks
 * it), so a recorded session replays exactly.
 *
 * Canonical form, chosen to read like the examples in docs/command-language.md:
 * - keywords and unit names in lower case (`read32`, `rd3`, `its1`, `cpu0`); register names in
 *   spec case (`GICR_CTLR`, `ICC_IAR1_EL1`, always with `_EL1`); ITS commands and fields by spec
 *   name (`MAPTI`, `pINTID`, `ITT_addr`), fields in the encoding table's order;
 * - hex (`0x...`, lower-case digits, no padding) for register and memory values, masks, bytes,
 *   raw doublewords, addresses and offsets, and the ITS address fields; decimal for INTIDs,
 *   EventIDs, DeviceIDs, ICIDs, Requester IDs, counts, CPU and unit numbers and the other ITS
 *   fields (Size, V, RDbase, ...), and for table-entry fields except `itt`;
 * - elements the doc marks optional are left out when they hold their default: `its ...` for
 *   ITS 0 and `its1 ...` otherwise (never `its its1`), no `rd0` in lpi-config / lpi-pending, `run`
 *   for `run until idle`, `step` for one event, no `x1` counts. Elements the AST keeps as
 *   optional (a register's unit, `+offset`, the access width) are printed exactly when present;
 * - durations in the largest unit that divides them exactly (`5ms`, `100ns`, `0ns`), lengths
 *   likewise with K/M/G when exact (`64K`, `4097`);
 * - `expect pending rd<n> <intid>` always names the redistributor, as the doc's form does;
 * - a guest line is `vm<n> vcpu<m> ` and the inner line without what the vCPU implies (no
 *   `cpu<n>` before an ICC register, no `rd<n>` in lpi-config, no `rd<m>` in lpi-pending when it
 *   names the issuing vCPU's own table);
 * - an expectation on a guest is `expect vm<n> ` and the host's form with `vcpu<m>` for `cpu<m>`
 *   (`expect vm0 delivered vcpu1 27`, not the older `expect vm0 vcpu1 delivered 27`);
 * - KVM calls print the friendly form whenever it gives back the same call: `irq-line spi 32` /
 *   `ppi vcpu1 27` when the word decodes to one exactly (else the word, 8 hex digits), `high` and
 *   `low` for levels 1 and 0, `devid=` without `flags=` when the flags are exactly
 *   KVM_MSI_VALID_DEVID, routing entries as `irqchip` / `msi` when they are what the VMM helpers
 *   build (else `raw`, without trailing zero words), `resample=` / `deassign` unless the flags
 *   word holds more; MSI addresses in hex, the MSI data, fds, GSIs, pins and DeviceIDs in
 *   decimal; an empty routing table as `none`.
 */

import type { Action, Expectation, MmioTarget, TableEntryFields, Unit, ValueCheck } from './actions';
import { ROUTE_WORDS, SIZE_UNITS, TABLE_ENTRY_FIELDS, TIME_UNITS } from './command-parser';
import { isPlainWord, quoteString } from './lexer';
import { COMMAND_BY_NAME, findField } from '../its/command-encoding';
import {
  KVM_IRQ_ROUTING_IRQCHIP,
  KVM_IRQ_ROUTING_MSI,
  type KvmIrqRoutingEntryUser,
} from '../kvm/gsi-routing';
import {
  decodeKvmArmIrq,
  encodeKvmArmIrq,
  KVM_ARM_IRQ_TYPE_PPI,
  KVM_ARM_IRQ_TYPE_SPI,
} from '../kvm/irq-line';
import { KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_RESAMPLE } from '../kvm/irqfd';
import type { KvmCall } from '../kvm/kvm-input-types';
import { KVM_MSI_VALID_DEVID } from '../kvm/msi';

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

function unitName(u: Unit): string {
  return u.type === 'gicd' ? 'gicd' : `${u.type}${u.n}`;
}

function target(t: MmioTarget): string {
  switch (t.kind) {
    case 'reg':
      return `${t.unit ? `${unitName(t.unit)} ` : ''}${t.reg}${t.plus !== undefined ? `+${hex(t.plus)}` : ''}`;
    case 'offset':
      return `${unitName(t.unit)}+${hex(t.offset)}`;
    case 'addr':
      return `@${hex(t.addr)}`;
  }
}

function check(c: ValueCheck): string {
  const mask = c.mask !== undefined ? `& ${hex(c.mask)} ` : '';
  return 'unchanged' in c ? `${mask}unchanged` : `${mask}== ${hex(c.equals)}`;
}

export function formatDuration(ns: number): string {
  const big = BigInt(ns);
  for (const u of TIME_UNITS) if (big !== 0n && big % u.ns === 0n) return `${big / u.ns}${u.unit}`;
  return `${ns}ns`;
}

export function formatLength(len: number): string {
  for (const u of SIZE_UNITS) if (len !== 0 && len % u.bytes === 0) return `${len / u.bytes}${u.unit}`;
  return String(len);
}

/** `x2` after an INTID, apart from it for INTID 0 (`0x2` would read back as the INTID 2). */
const countSuffix = (intid: number, count: number): string =>
  count === 1 ? '' : intid === 0 ? ` x${count}` : `x${count}`;

const itsPrefix = (its: number): string => (its === 0 ? 'its' : `its${its}`);
const rdPrefix = (rd: number): string => (rd === 0 ? '' : `rd${rd} `);

function itsFields(name: string, fields: Record<string, bigint>): string[] {
  const spec = COMMAND_BY_NAME.get(name.toUpperCase());
  if (!spec) return Object.entries(fields).map(([k, v]) => `${k}=${v}`);
  const keyed = new Map<string, bigint>();
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const fs = findField(spec, k);
    if (fs) keyed.set(fs.name, v);
    else unknown.push(`${k}=${v}`);
  }
  const out: string[] = [];
  for (const fs of spec.fields) {
    const v = keyed.get(fs.name);
    if (v !== undefined) out.push(`${fs.name}=${fs.shift ? hex(v) : v.toString()}`);
  }
  return [...out, ...unknown];
}

function tableFields(
  table: 'dte' | 'ite' | 'cte',
  fields: TableEntryFields,
  absent: boolean | undefined,
): string {
  if (absent) return ' absent';
  const order = Object.keys(TABLE_ENTRY_FIELDS[table]);
  const keys = [
    ...order.filter((k) => fields[k] !== undefined),
    ...Object.keys(fields).filter((k) => !order.includes(k)),
  ];
  return keys.map((k) => ` ${k}=${k === 'itt' ? hex(fields[k]!) : fields[k]!.toString()}`).join('');
}

/** A string printed bare when it lexes as one word, quoted otherwise. */
const word = (s: string): string => (isPlainWord(s) ? s : quoteString(s));

/** An expectation's text after `expect`; `cpu` names the CPUs of its view ('vcpu' inside `expect vm<n>`). */
function expectation(e: Expectation, cpu = 'cpu'): string {
  switch (e.kind) {
    case 'deliveries':
      return e.exact.length === 0
        ? 'deliveries none'
        : `deliveries ${e.exact.map((d) => `${cpu}${d.cpu}:${d.intid}${countSuffix(d.intid, d.count)}`).join(' ')}`;
    case 'delivered':
      return `delivered ${cpu}${e.cpu} ${e.intid}${e.count !== 1 ? ` x${e.count}` : ''}`;
    case 'guest':
      return `vm${e.vm} ${expectation(e.expect, 'vcpu')}`;
    case 'reg':
      return `reg${e.width ?? ''} ${target(e.target)} ${check(e.check)}`;
    case 'icc':
      return `icc ${cpu}${e.cpu} ${e.reg} ${check(e.check)}`;
    case 'mem':
      return `mem${e.width} ${hex(e.addr)} ${check(e.check)}`;
    case 'mem-bytes':
      return `mem ${hex(e.addr)} == ${e.bytes.map(hex).join(' ')}`;
    case 'dte':
      return `dte ${e.its ? `its${e.its} ` : ''}${e.devid}${tableFields('dte', e.fields, e.absent)}`;
    case 'ite':
      return `ite ${e.its ? `its${e.its} ` : ''}${e.devid} ${e.eventid}${tableFields('ite', e.fields, e.absent)}`;
    case 'cte':
      return `cte ${e.its ? `its${e.its} ` : ''}${e.icid}${tableFields('cte', e.fields, e.absent)}`;
    case 'lpi-pending':
      return `${e.pending ? 'pending' : 'not-pending'} rd${e.rd} ${e.intid}`;
    case 'events': {
      const filters = Object.entries(e.filters).map(([k, v]) => ` ${k}=${word(v)}`);
      return `events ${e.eventKind}${filters.join('')} ${e.op} ${e.count}${e.total ? ' total' : ''}`;
    }
  }
}

/** A device name: bare when it reads back as one, quoted otherwise. */
const deviceName = (name: string): string => (/^[A-Za-z_]/.test(name) ? word(name) : quoteString(name));

/** The irq word of KVM_IRQ_LINE: `spi <intid>` / `ppi vcpu<n> <intid>` when that encodes to it exactly. */
function irqWord(irq: number): string {
  const d = decodeKvmArmIrq(irq);
  if (d.irqType === KVM_ARM_IRQ_TYPE_SPI && encodeKvmArmIrq({ irqType: d.irqType, irqId: d.irqId }) === d.irq)
    return `spi ${d.irqId}`;
  if (d.irqType === KVM_ARM_IRQ_TYPE_PPI) return `ppi vcpu${d.vcpu} ${d.irqId}`;
  return `0x${d.irq.toString(16).padStart(8, '0')}`;
}

const levelText = (level: number): string => (level === 1 ? 'high' : level === 0 ? 'low' : String(level));

const allZero = (u: readonly number[], from: number): boolean => u.slice(from).every((x) => x === 0);

function routeEntry(e: KvmIrqRoutingEntryUser): string {
  const u = e.u;
  const plain = e.pad === undefined && u.length === ROUTE_WORDS;
  if (plain && e.type === KVM_IRQ_ROUTING_IRQCHIP && e.flags === 0 && u[0] === 0 && allZero(u, 2))
    return `gsi=${e.gsi}:irqchip:${u[1]}`;
  if (plain && e.type === KVM_IRQ_ROUTING_MSI && allZero(u, 4)) {
    const address = (BigInt(u[1]!) << 32n) | BigInt(u[0]!);
    const msi = `gsi=${e.gsi}:msi:${hex(address)}:${u[2]}`;
    if (e.flags === KVM_MSI_VALID_DEVID) return `${msi}:${u[3]}`;
    if (e.flags === 0 && u[3] === 0) return msi;
  }
  const words = u.slice(0, ROUTE_WORDS);
  while (words.length && words[words.length - 1] === 0) words.pop();
  return [`gsi=${e.gsi}:raw:${e.type}:${e.flags}`, ...words].join(':');
}

function kvmCall(k: KvmCall): string {
  switch (k.kind) {
    case 'irq-line':
      return `irq-line ${irqWord(k.irq)} ${levelText(k.level)}`;
    case 'signal-msi': {
      const address = (BigInt(k.addressHi) << 32n) | BigInt(k.addressLo);
      const head = `signal-msi addr=${hex(address)} data=${k.data}`;
      if (k.flags === KVM_MSI_VALID_DEVID) return `${head} devid=${k.devid}`;
      if (k.flags === 0 && k.devid === 0) return head;
      return `${head} flags=${hex(k.flags)}${k.devid !== 0 ? ` devid=${k.devid}` : ''}`;
    }
    case 'set-gsi-routing':
      return `set-gsi-routing ${k.entries.length ? k.entries.map(routeEntry).join(' ') : 'none'}`;
    case 'eventfd':
      return 'eventfd';
    case 'irqfd': {
      const head = `irqfd fd=${k.fd} gsi=${k.gsi}`;
      const known = KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE;
      const resample = (k.flags & KVM_IRQFD_FLAG_RESAMPLE) !== 0;
      if ((k.flags & ~known) === 0 && (resample || k.resamplefd === 0))
        return `${head}${resample ? ` resample=${k.resamplefd}` : ''}${k.flags & KVM_IRQFD_FLAG_DEASSIGN ? ' deassign' : ''}`;
      return `${head} flags=${hex(k.flags)}${k.resamplefd !== 0 ? ` resample=${k.resamplefd}` : ''}`;
    }
    case 'eventfd-signal':
      return `eventfd-signal ${k.fd}`;
    case 'vfio-irq':
      return `vfio ${deviceName(k.device)} vector=${k.vector} lpi=${k.hostIntid} fd=${k.fd}`;
    case 'migrate':
      return 'migrate';
  }
}

/**
 * The inner line of a guest action on vCPU `vcpu`: the host's text without what the vCPU implies.
 * An inner action the parser cannot produce inside a guest line is printed as the host line (it
 * will not parse back as a guest line: executeAction refuses it too).
 */
function guestLine(a: Action, vcpu: number): string {
  switch (a.kind) {
    case 'icc-read':
      return `read ${a.reg}`;
    case 'icc-write':
      return `write ${a.reg} ${hex(a.value)}`;
    case 'lpi-config':
      return `lpi-config ${a.intid} ${hex(a.value)}`;
    case 'lpi-pending':
      return `lpi-pending ${a.rd === vcpu ? '' : `rd${a.rd} `}${a.intid} ${a.set ? 'set' : 'clear'}`;
    case 'vtimer':
      return `timer ${a.ns === null ? 'off' : formatDuration(a.ns)}`;
    default:
      return printAction(a);
  }
}

/** Canonical text of an action, which parseLine parses back to an equal action. */
export function printAction(a: Action): string {
  switch (a.kind) {
    case 'mmio-read':
      return `read${a.width ?? ''} ${target(a.target)}`;
    case 'mmio-write':
      return `write${a.width ?? ''} ${target(a.target)} ${a.op === 'set-bits' ? '|= ' : a.op === 'clear-bits' ? '&= ~' : ''}${hex(a.value)}`;
    case 'icc-read':
      return `cpu${a.cpu} read ${a.reg}`;
    case 'icc-write':
      return `cpu${a.cpu} write ${a.reg} ${hex(a.value)}`;
    case 'mem-write':
      return `mem write${a.width} ${hex(a.addr)} ${hex(a.value)}`;
    case 'mem-bytes':
      return `mem write ${hex(a.addr)} ${a.bytes.map(hex).join(' ')}`;
    case 'mem-fill':
      return `mem fill ${hex(a.addr)} ${formatLength(a.len)} ${hex(a.byte)}`;
    case 'lpi-config':
      return `lpi-config ${rdPrefix(a.rd)}${a.intid} ${hex(a.value)}`;
    case 'lpi-pending':
      return `lpi-pending ${rdPrefix(a.rd)}${a.intid} ${a.set ? 'set' : 'clear'}`;
    case 'its-cmd':
      return [itsPrefix(a.its), a.name, ...itsFields(a.name, a.fields)].join(' ');
    case 'its-raw':
      return `${itsPrefix(a.its)} raw ${a.dws.map(hex).join(' ')}`;
    case 'msi':
      return `msi ${a.device.kind === 'rid' ? `rid=${a.device.rid}` : deviceName(a.device.name)} ${a.eventid}`;
    case 'line':
      return `line ${a.intid} ${a.level}${a.cpu !== undefined ? ` cpu${a.cpu}` : ''}`;
    case 'software':
      return `software ${a.cpus === 'all' ? 'all' : a.cpus.map((n) => `cpu${n}`).join(',')} ${a.policy}`;
    case 'run':
      return a.until === 'idle' ? 'run' : `run until ${a.until}`;
    case 'wait':
      return `wait ${formatDuration(a.ns)}`;
    case 'step':
      return a.n === 1 ? 'step' : `step ${a.n}`;
    case 'vtimer':
      return `timer ${a.ns === null ? 'off' : formatDuration(a.ns)}`;
    case 'migrate':
      return 'migrate';
    case 'guest':
      return `vm${a.vm} vcpu${a.vcpu} ${guestLine(a.action, a.vcpu)}`;
    case 'kvm':
      return `vm${a.vm} ${kvmCall(a.call)}`;
    case 'vcpu-pin':
      return `vm${a.vm} vcpu${a.vcpu} ${a.pcpu < 0 ? 'unpin' : `pin pcpu${a.pcpu}`}`;
    case 'expect':
      return `expect ${expectation(a.expect)}`;
  }
}
