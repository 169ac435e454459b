/**
 * The command language's parser: text lines (scenario steps, the sandbox console, recorded
 * sessions) to the Actions of ./actions, following docs/command-language.md.
 *
 * It checks everything that can be known without a machine: the shape of each command, number
 * syntax and widths, ITS command and field names (from the ITS's own encoding table, so the
 * language and the encoder can never disagree), ICC register names, and that a PPI line names
 * its CPU. Whether `rd9` or a device exists is the runner's business. For a VM's lines
 * (`vm<n> ...`) it checks the syntax and the field widths of KVM's structures, never their
 * values: a KVM_IRQ_LINE word KVM refuses parses, and KVM's refusal is what the run records. Every refusal carries the
 * 1-based column of the token at fault; when something is missing at the end of a line, the
 * column is that of the last character read, i.e. the point after which it was expected.
 *
 * The parser must never throw, whatever the input (it runs on every keystroke in the console):
 * failures are values, and an internal exception, which would be a bug, is still turned into an
 * error rather than escaping.
 */

import type {
  AccessWidth,
  Action,
  DeviceRef,
  Expectation,
  MmioTarget,
  RunUntil,
  SoftwarePolicy,
  TableEntryFields,
  Unit,
  ValueCheck,
  ViewExpectation,
} from './actions';
import { lex, type Token } from './lexer';
import {
  COMMAND_BY_NAME,
  ITS_COMMANDS,
  encodeCommand,
  findField,
  type CommandSpec,
} from '../its/command-encoding';
import { ICC_REGISTERS, findIccRegister } from '../gic/icc-registers';
import { irqchipRouteEntry, msiRouteEntry, type KvmIrqRoutingEntryUser } from '../kvm/gsi-routing';
import { encodeKvmArmIrq, KVM_ARM_IRQ_TYPE_PPI, KVM_ARM_IRQ_TYPE_SPI } from '../kvm/irq-line';
import { KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_RESAMPLE } from '../kvm/irqfd';
import type { KvmCall } from '../kvm/kvm-input-types';
import { KVM_MSI_VALID_DEVID } from '../kvm/msi';

export interface ParseError {
  /** 1-based line number. */
  line: number;
  /** 1-based column (UTF-16 code units, as editors count). */
  column: number;
  message: string;
}

export type LineResult = { ok: true; action: Action } | { ok: false; error: ParseError };

export interface ParsedLine {
  line: number;
  /** The line as written, comment included. */
  text: string;
  action: Action;
}

/** 'line 3, column 17: expected a value after ...' */
export const formatParseError = (e: ParseError): string => `line ${e.line}, column ${e.column}: ${e.message}`;

/** INTID ranges the language checks on its own (the model has no extended PPI/SPI ranges). */
export const FIRST_PPI = 16;
export const FIRST_SPI = 32;
export const LAST_SPI = 1019;
export const FIRST_LPI = 8192;

/** Largest address or offset: the architecture's physical addresses are at most 52 bits. */
const ADDRESS_LIMIT = 2 ** 52;
/** Largest unit or CPU number accepted; the machine refuses those it lacks. */
const MAX_INDEX = 0xffff;
const U32_MAX = 0xffff_ffffn;

export const POLICIES: readonly SoftwarePolicy[] = ['eoi', 'deactivate-icactiver', 'hold', 'masked'];
export const RUN_UNTIL: readonly RunUntil[] = ['idle', 'delivery', 'command', 'event'];
export const WIDTHS: readonly AccessWidth[] = [8, 16, 32, 64];

/** Fields of table-entry expectations: canonical (lower-case) key, then the aliases accepted. */
export const TABLE_ENTRY_FIELDS: Readonly<
  Record<'dte' | 'ite' | 'cte', Readonly<Record<string, readonly string[]>>>
> = {
  dte: { valid: ['v'], size: [], itt: ['itt_addr'] },
  ite: { intid: ['pintid', 'lpi'], icid: ['col'] },
  cte: { valid: ['v'], target: ['rdbase', 'rd'] },
};

/** Durations, largest unit first (the printer picks the largest exact one). */
export const TIME_UNITS: readonly { unit: string; ns: bigint }[] = [
  { unit: 's', ns: 1_000_000_000n },
  { unit: 'ms', ns: 1_000_000n },
  { unit: 'us', ns: 1_000n },
  { unit: 'ns', ns: 1n },
];

/** Size suffixes (binary multiples), largest first. */
export const SIZE_UNITS: readonly { unit: string; bytes: number }[] = [
  { unit: 'G', bytes: 2 ** 30 },
  { unit: 'M', bytes: 2 ** 20 },
  { unit: 'K', bytes: 2 ** 10 },
];

const COMMANDS_HELP =
  'read, write, cpu<n>, mem, lpi-config, lpi-pending, its, msi, line, software, vm<n>, run, wait, step, migrate or expect';
const EXPECT_HELP =
  'deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending, events or vm<n> <expectation>';
/** What `expect vm<n>` may be followed by: the forms that have a meaning on a guest's view. */
const GUEST_EXPECT_HELP =
  'deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending or vcpu<m> delivered';

/** What a VMM asks of KVM for a VM (`vm<n> <call> ...`), by the word that names it. */
export const KVM_CALLS: readonly { word: string; doc: string }[] = [
  {
    word: 'irq-line',
    doc: "KVM_IRQ_LINE: raise or lower an SPI or a vCPU's PPI (spi, ppi or the raw irq word)",
  },
  { word: 'signal-msi', doc: "KVM_SIGNAL_MSI: an MSI to the guest's ITS doorbell (addr=, data=, devid=)" },
  { word: 'set-gsi-routing', doc: 'KVM_SET_GSI_ROUTING: replace the GSI table (gsi=<n>:irqchip:<pin> ...)' },
  { word: 'eventfd', doc: 'eventfd(2): a new eventfd in the VMM' },
  { word: 'irqfd', doc: 'KVM_IRQFD: an eventfd fires a GSI (fd=, gsi=, resample=, deassign)' },
  { word: 'eventfd-signal', doc: 'write(2) to an eventfd: signal it' },
  { word: 'vfio', doc: "VFIO_DEVICE_SET_IRQS: an assigned device's MSI vector signals an eventfd" },
  {
    word: 'migrate',
    doc: "save and restore the VM's interrupt state: ITS tables and pending tables to guest memory, then back",
  },
];

/** 'a, b or c'. */
const orList = (xs: readonly string[]): string =>
  xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

/** What the guest's code on a vCPU may do (`vm<n> vcpu<m> <line>`). */
export const GUEST_COMMANDS: readonly string[] = [
  'read',
  'write',
  'mem',
  'its',
  'lpi-config',
  'lpi-pending',
  'timer',
];
const GUEST_HELP = orList([...GUEST_COMMANDS, 'pin', 'unpin']);

/** Host commands that have no meaning inside a guest line (the refusal says so, not 'unknown'). */
const HOST_ONLY = ['msi', 'line', 'software', 'run', 'wait', 'step', 'migrate', 'expect'];

/** The most bytes a guest's `mem fill` may store: the guest's code writes them all (a 'mem' op of that many bytes). */
export const GUEST_FILL_LIMIT = 64 * 1024;

class ParseFailure extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** A token's text as quoted in a message, shortened so a stray paste does not flood the console. */
function show(s: string): string {
  return `'${s.length > 40 ? `${s.slice(0, 37)}...` : s}'`;
}

const NUMBER_RE = /^(?:0x([0-9a-f](?:_?[0-9a-f])*)|0b([01](?:_?[01])*)|([0-9](?:_?[0-9])*))$/i;

/** Number syntax: decimal, 0x hex, 0b binary, single '_' between digits. undefined if malformed. */
export function parseNumberText(text: string): bigint | undefined {
  const m = NUMBER_RE.exec(text);
  if (!m) return undefined;
  if (m[1] !== undefined) return BigInt(`0x${m[1].replace(/_/g, '')}`);
  if (m[2] !== undefined) return BigInt(`0b${m[2].replace(/_/g, '')}`);
  return BigInt((m[3] ?? '').replace(/_/g, ''));
}

const looksNumeric = (text: string): boolean => /^[0-9]/.test(text);

/** Walks a line's tokens; failAt / missing / unexpected build the ParseFailure that parseLine turns into a value. */
class Cursor {
  private i = 0;
  /** Inside `vm<n> vcpu<m> ...`: the guest line's vCPU (register names and refusals differ there). */
  guestVcpu: number | undefined;
  /** Inside `expect vm<n> ...`: the VM whose guest view the expectation reads (CPUs are vcpu<n>). */
  expectVm: number | undefined;

  constructor(
    readonly text: string,
    readonly toks: readonly Token[],
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.toks[this.i + ahead];
  }

  /** Lower-cased text of the next token if it is a word. */
  peekWord(ahead = 0): string | undefined {
    const t = this.peek(ahead);
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t?.kind === 'punct' && t.text === p;
  }

  /** The last token consumed. */
  prev(): Token {
    return this.toks[this.i - 1]!;
  }

  take(): Token {
    const t = this.toks[this.i];
    if (!t) throw this.missing('more');
    this.i++;
    return t;
  }

  atEnd(): boolean {
    return this.i >= this.toks.length;
  }

  /** The line so far, for 'after ...' in messages. */
  context(): string {
    const first = this.toks[0];
    const last = this.toks[this.i - 1];
    if (!first || !last) return '';
    return this.text.slice(first.start, last.end);
  }

  failAt(t: Token | { start: number }, message: string): ParseFailure {
    return new ParseFailure(t.start + 1, message);
  }

  /** Something is missing at the end of the line: point at the last character read. */
  missing(what: string): ParseFailure {
    const last = this.toks[this.i - 1];
    return new ParseFailure(last ? last.end : 1, `expected ${what} after ${show(this.context())}`);
  }

  /** A required part is absent: the whole line was read, so point after its last character. */
  atLineEnd(message: string): ParseFailure {
    const last = this.toks[this.toks.length - 1];
    return new ParseFailure(last ? last.end : 1, message);
  }

  /** The next token is not what was wanted. */
  unexpected(what: string, t: Token): ParseFailure {
    return this.failAt(t, `expected ${what} after ${show(this.context())}, found ${show(t.text)}`);
  }

  /** The next token, which must be a word. */
  word(what: string): Token {
    const t = this.peek();
    if (!t) throw this.missing(what);
    if (t.kind !== 'word') throw this.unexpected(what, t);
    this.i++;
    return t;
  }

  punct(p: string, what = `'${p}'`): Token {
    const t = this.peek();
    if (!t) throw this.missing(what);
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected(what, t);
    this.i++;
    return t;
  }

  /** One of `options` (case-insensitive), returned as written in `options`. */
  keyword<T extends string>(options: readonly T[], what: string): T {
    const t = this.peek();
    if (!t) throw this.missing(what);
    const k = t.kind === 'word' ? t.text.toLowerCase() : undefined;
    const found = options.find((o) => o === k);
    if (found === undefined) throw this.unexpected(what, t);
    this.i++;
    return found;
  }

  /** An unsigned number of at most `bits` bits. */
  number(what: string, bits: number, tooWide?: (t: Token) => string): { value: bigint; tok: Token } {
    const t = this.peek();
    if (!t) throw this.missing(what);
    if (t.kind !== 'word') throw this.unexpected(what, t);
    const v = parseNumberText(t.text);
    if (v === undefined) {
      if (looksNumeric(t.text)) throw this.failAt(t, `malformed number ${show(t.text)}`);
      throw this.unexpected(what, t);
    }
    if (v >> BigInt(bits) !== 0n)
      throw this.failAt(t, tooWide ? tooWide(t) : `${show(t.text)} does not fit in ${bits} bits`);
    this.i++;
    return { value: v, tok: t };
  }

  /** A register or memory value: 64 bits, or the access width. */
  value(width: AccessWidth | undefined, what = 'a value'): bigint {
    return this.number(what, width ?? 64, (t) =>
      width === undefined || width === 64
        ? `${show(t.text)} does not fit in 64 bits`
        : `${show(t.text)} does not fit in ${width === 8 ? 'an' : 'a'} ${width}-bit access`,
    ).value;
  }

  /** A physical address or an offset: a safe integer below 2^52. */
  address(what = 'an address'): number {
    return Number(
      this.number(what, 52, (t) => `${show(t.text)} is beyond the 52-bit physical address space`).value,
    );
  }

  /** An identifier (INTID, EventID, DeviceID, ICID, Requester ID) or a count: 32 bits. */
  id(what: string): { value: number; tok: Token } {
    const r = this.number(what, 32);
    return { value: Number(r.value), tok: r.tok };
  }

  byte(what = 'a byte'): number {
    return Number(this.number(what, 8, (t) => `${show(t.text)} is not a byte (0 to 0xff)`).value);
  }

  /** Nothing may follow a complete command. */
  finish(): void {
    const t = this.peek();
    if (t) throw this.failAt(t, `unexpected ${show(t.text)} after ${show(this.context())}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Units and indices

const INDEXED_RE = /^(rd|gicr|its|cpu)([0-9]+)$/i;

function indexOf(c: Cursor, t: Token, digits: string): number {
  const n = Number(digits);
  if (digits.length > 6 || n > MAX_INDEX)
    throw c.failAt(t, `${show(t.text)}: ${digits} is too large a number (at most ${MAX_INDEX})`);
  return n;
}

/** `gicd`, `rd<n>`, `gicr<n>`, `its<n>`, or undefined if the word is not a unit. */
function unitOfWord(c: Cursor, t: Token): Unit | undefined {
  if (t.kind !== 'word') return undefined;
  if (t.text.toLowerCase() === 'gicd') return { type: 'gicd' };
  const m = INDEXED_RE.exec(t.text);
  if (!m || m[1]!.toLowerCase() === 'cpu') return undefined;
  const n = indexOf(c, t, m[2]!);
  return m[1]!.toLowerCase() === 'its' ? { type: 'its', n } : { type: 'rd', n };
}

/** The number of `cpu<n>`, `rd<n>`/`gicr<n>` or `its<n>` if `t` is one; undefined otherwise. */
function indexedWord(c: Cursor, t: Token | undefined, kind: 'cpu' | 'rd' | 'its'): number | undefined {
  if (t?.kind !== 'word') return undefined;
  const m = INDEXED_RE.exec(t.text);
  if (!m) return undefined;
  const k = m[1]!.toLowerCase();
  if ((k === 'gicr' ? 'rd' : k) !== kind) return undefined;
  return indexOf(c, t, m[2]!);
}

function cpuWord(c: Cursor, what = 'cpu<n>'): number {
  const t = c.peek();
  if (!t) throw c.missing(what);
  const n = indexedWord(c, t, 'cpu');
  if (n === undefined) throw c.unexpected(what, t);
  c.take();
  return n;
}

/** An optional leading `rd<n>` (default rd0). */
function optionalRd(c: Cursor): number {
  const n = indexedWord(c, c.peek(), 'rd');
  if (n === undefined) return 0;
  c.take();
  return n;
}

/** An optional `its<n>` (default its0). */
function optionalIts(c: Cursor): number {
  const n = indexedWord(c, c.peek(), 'its');
  if (n === undefined) return 0;
  c.take();
  return n;
}

// ---------------------------------------------------------------------------------------------
// MMIO targets

const REGISTER_RE = /^(GICD|GICR|GITS)_[A-Z0-9_]+$/i;
const FRAME_OF_PREFIX: Record<string, { unit: Unit['type']; what: string }> = {
  GICD: { unit: 'gicd', what: 'a distributor register: its unit is gicd' },
  GICR: { unit: 'rd', what: 'a redistributor register: its unit is rd<n>' },
  GITS: { unit: 'its', what: 'an ITS register: its unit is its<n>' },
};

const unitText = (u: Unit): string => (u.type === 'gicd' ? 'gicd' : `${u.type}${u.n}`);

/** A plausible MMIO register name, upper-cased (all GICD_/GICR_/GITS_ spec names are upper case). */
function registerName(c: Cursor, t: Token, unit: Unit | undefined): string {
  if (/^ICC_/i.test(t.text))
    throw c.failAt(
      t,
      c.guestVcpu !== undefined
        ? `${show(t.text)} is a system register: it has no unit (write 'read|write ${t.text}')`
        : c.expectVm !== undefined
          ? `${show(t.text)} is a CPU interface system register: use 'expect vm${c.expectVm} icc vcpu<n> ${t.text} ...'`
          : `${show(t.text)} is a CPU interface system register: use 'cpu<n> read|write ${t.text}'`,
    );
  if (!REGISTER_RE.test(t.text)) {
    if (/^(GICD|GICR|GITS)_/i.test(t.text)) throw c.failAt(t, `${show(t.text)} is not a register name`);
    throw c.failAt(
      t,
      `unknown register ${show(t.text)}: MMIO register names start with GICD_, GICR_ or GITS_`,
    );
  }
  const name = t.text.toUpperCase();
  const frame = FRAME_OF_PREFIX[name.slice(0, 4)]!;
  if (unit && unit.type !== frame.unit) throw c.failAt(t, `${name} is ${frame.what}, not ${unitText(unit)}`);
  return name;
}

const looksLikeRegister = (text: string): boolean => /^[A-Za-z][A-Za-z0-9]*_/.test(text);

const TARGET_WHAT = 'a register name, <unit>+<offset> or @<address>';

function parseTarget(c: Cursor): { target: MmioTarget; first: Token; last: Token } {
  const first = c.peek();
  if (!first) throw c.missing(TARGET_WHAT);
  if (first.kind === 'punct' && first.text === '@') {
    c.take();
    const addr = c.address();
    return { target: { kind: 'addr', addr }, first, last: c.prev() };
  }
  if (first.kind !== 'word') throw c.unexpected(TARGET_WHAT, first);
  const unit = unitOfWord(c, first);
  let reg: string;
  if (unit) {
    c.take();
    if (c.isPunct('+')) {
      c.take();
      const offset = c.address('an offset');
      return { target: { kind: 'offset', unit, offset }, first, last: c.prev() };
    }
    const t = c.peek();
    const what = `a register name or '+<offset>'`;
    if (!t) throw c.missing(what);
    if (t.kind !== 'word' || !looksLikeRegister(t.text)) throw c.unexpected(what, t);
    c.take();
    reg = registerName(c, t, unit);
  } else {
    if (!looksLikeRegister(first.text)) {
      if (/^[A-Za-z]/.test(first.text))
        throw c.failAt(first, `unknown unit ${show(first.text)} (units: gicd, rd<n>, gicr<n>, its<n>)`);
      throw c.unexpected(TARGET_WHAT, first);
    }
    c.take();
    reg = registerName(c, first, undefined);
  }
  let plus: number | undefined;
  if (c.isPunct('+')) {
    c.take();
    plus = c.address('an offset');
  }
  const target: MmioTarget = {
    kind: 'reg',
    reg,
    ...(unit ? { unit } : {}),
    ...(plus !== undefined ? { plus } : {}),
  };
  return { target, first, last: c.prev() };
}

/** Offset and address targets have no width of their own. */
function requireWidth(c: Cursor, t: { target: MmioTarget; first: Token; last: Token }, op: string): void {
  if (t.target.kind === 'reg') return;
  const text = c.text.slice(t.first.start, t.last.end);
  throw c.failAt(
    t.first,
    `${show(text)} needs an explicit access width: use ${op}8, ${op}16, ${op}32 or ${op}64`,
  );
}

function widthOf(c: Cursor, t: Token, op: string, digits: string): AccessWidth | undefined {
  if (digits === '') return undefined;
  const w = WIDTHS.find((x) => String(x) === digits);
  if (w === undefined)
    throw c.failAt(t, `unknown access width ${show(t.text)} (widths: ${op}8, ${op}16, ${op}32, ${op}64)`);
  return w;
}

function parseAccess(c: Cursor, op: 'read' | 'write', width: AccessWidth | undefined): Action {
  const t = parseTarget(c);
  if (width === undefined) requireWidth(c, t, op);
  if (op === 'read') return { kind: 'mmio-read', ...(width ? { width } : {}), target: t.target };
  // Read-modify-write forms: `|= bits` sets bits, `&= ~bits` clears them (a read, then a write).
  if (c.guestVcpu !== undefined && (c.isPunct('|=') || c.isPunct('&='))) throw noGuestRmw(c);
  if (c.isPunct('|=')) {
    c.take();
    return {
      kind: 'mmio-write',
      ...(width ? { width } : {}),
      target: t.target,
      value: c.value(width, 'the bits to set'),
      op: 'set-bits',
    };
  }
  if (c.isPunct('&=')) {
    const amp = c.take();
    if (!c.isPunct('~')) throw c.failAt(amp, "'&=' must be followed by '~<bits>' (the bits to clear)");
    c.take();
    return {
      kind: 'mmio-write',
      ...(width ? { width } : {}),
      target: t.target,
      value: c.value(width, 'the bits to clear'),
      op: 'clear-bits',
    };
  }
  const value = c.value(width);
  return { kind: 'mmio-write', ...(width ? { width } : {}), target: t.target, value };
}

/**
 * The runner does a read-modify-write with a real read now, then the write; a guest's accesses
 * run later, when the vCPU runs, so the value read is not known when the line is compiled.
 */
function noGuestRmw(c: Cursor): ParseFailure {
  return c.failAt(
    c.peek()!,
    `a guest line cannot read-modify-write: the guest's code runs later, so the value it would read is not known here; write the whole value`,
  );
}

// ---------------------------------------------------------------------------------------------
// CPU interface

function iccRegister(c: Cursor): string {
  const what = 'an ICC register name';
  const t = c.word(what);
  const reg = findIccRegister(t.text);
  if (!reg) {
    const known = ICC_REGISTERS.map((r) => r.name.replace(/_EL1$/, '')).join(', ');
    throw c.failAt(t, `unknown ICC register ${show(t.text)} (known, with or without _EL1: ${known})`);
  }
  return reg.name;
}

function parseCpu(c: Cursor, cpu: number): Action {
  const op = c.keyword(['read', 'write'], `'read' or 'write'`);
  const reg = iccRegister(c);
  if (op === 'read') return { kind: 'icc-read', cpu, reg };
  return { kind: 'icc-write', cpu, reg, value: c.value(64) };
}

// ---------------------------------------------------------------------------------------------
// Memory

/** A length: a number with an optional K/M/G (KiB/MiB/GiB) suffix. */
function length(c: Cursor, what = 'a length'): number {
  const t = c.peek();
  if (!t) throw c.missing(what);
  if (t.kind !== 'word') throw c.unexpected(what, t);
  const m = /^(.+?)([kmg])(ib)?$/i.exec(t.text);
  const digits = m ? m[1]! : t.text;
  const scale = m ? SIZE_UNITS.find((u) => u.unit === m[2]!.toUpperCase())!.bytes : 1;
  const v = parseNumberText(digits);
  if (v === undefined) {
    if (looksNumeric(t.text)) throw c.failAt(t, `malformed length ${show(t.text)} (e.g. 4096, 0x1000, 64K)`);
    throw c.unexpected(what, t);
  }
  const bytes = v * BigInt(scale);
  if (bytes >= BigInt(ADDRESS_LIMIT))
    throw c.failAt(t, `${show(t.text)} is beyond the 52-bit physical address space`);
  c.take();
  return Number(bytes);
}

function parseMem(c: Cursor): Action {
  const what = `'write8', 'write16', 'write32', 'write64', 'write' or 'fill'`;
  const t = c.word(what);
  const op = t.text.toLowerCase();
  if (op === 'fill') {
    const addr = c.address();
    const len = length(c);
    return { kind: 'mem-fill', addr, len, byte: c.byte() };
  }
  const m = /^write([0-9]*)$/.exec(op);
  if (!m) throw c.failAt(t, `expected ${what} after 'mem', found ${show(t.text)}`);
  const width = widthOf(c, t, 'write', m[1]!);
  const addr = c.address();
  if (width !== undefined) return { kind: 'mem-write', width, addr, value: c.value(width) };
  const bytes = [c.byte()];
  while (!c.atEnd()) bytes.push(c.byte());
  return { kind: 'mem-bytes', addr, bytes };
}

/** An LPI INTID: the language knows where LPIs start, not how many the machine has. */
function lpi(c: Cursor, what = 'an LPI INTID'): number {
  const r = c.id(what);
  if (r.value < FIRST_LPI)
    throw c.failAt(r.tok, `${r.value} is not an LPI (LPI INTIDs start at ${FIRST_LPI})`);
  return r.value;
}

function parseLpiConfig(c: Cursor): Action {
  const rd = optionalRd(c);
  const intid = lpi(c);
  return { kind: 'lpi-config', rd, intid, value: c.byte('a configuration byte') };
}

function parseLpiPending(c: Cursor): Action {
  const rd = optionalRd(c);
  const intid = lpi(c);
  const op = c.keyword(['set', 'clear'], `'set' or 'clear'`);
  return { kind: 'lpi-pending', rd, intid, set: op === 'set' };
}

// ---------------------------------------------------------------------------------------------
// ITS commands

const ITS_NAMES = ITS_COMMANDS.map((s) => s.name).join(', ');

function parseItsCommand(c: Cursor, its: number): Action {
  const what = `an ITS command (${ITS_NAMES}) or 'raw'`;
  const t = c.word(what);
  if (t.text.toLowerCase() === 'raw') {
    const dws: [bigint, bigint, bigint, bigint] = [
      c.value(64, 'doubleword 0'),
      c.value(64, 'doubleword 1'),
      c.value(64, 'doubleword 2'),
      c.value(64, 'doubleword 3'),
    ];
    return { kind: 'its-raw', its, dws };
  }
  const spec = COMMAND_BY_NAME.get(t.text.toUpperCase());
  if (!spec) throw c.failAt(t, `unknown ITS command ${show(t.text)} (known: ${ITS_NAMES})`);
  return { kind: 'its-cmd', its, name: spec.name, fields: itsFields(c, spec) };
}

function itsFields(c: Cursor, spec: CommandSpec): Record<string, bigint> {
  const fields: Record<string, bigint> = {};
  const names = spec.fields.map((f) => f.name).join(', ');
  while (!c.atEnd()) {
    const key = c.word(`a field of ${spec.name} (${names})`);
    const fs = findField(spec, key.text);
    if (!fs) throw c.failAt(key, `${spec.name} has no field ${show(key.text)} (fields: ${names})`);
    if (fields[fs.name] !== undefined) throw c.failAt(key, `${spec.name} ${fs.name} is given twice`);
    c.punct('=', `'=' and a value`);
    const v = c.number(`a value for ${fs.name}`, 64);
    // The encoder is the authority on field widths and address alignment.
    const enc = encodeCommand(spec.name, { [fs.name]: v.value });
    if (!enc.ok) throw c.failAt(v.tok, enc.error);
    fields[fs.name] = v.value;
  }
  return fields;
}

function parseIts(c: Cursor, first: Token): Action {
  let its: number | undefined = indexedWord(c, first, 'its');
  if (its === undefined) {
    // `its [its<n>] <COMMAND>`
    its = optionalIts(c);
  } else if (c.peekWord() === 'its') {
    // `its<n> its <COMMAND>`, the doc's `[its<n>] its` form.
    c.take();
  }
  return parseItsCommand(c, its);
}

// ---------------------------------------------------------------------------------------------
// Devices, lines, software, running

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function parseMsi(c: Cursor): Action {
  const what = 'a device name or rid=<requester-id>';
  const t = c.peek();
  if (!t) throw c.missing(what);
  let device: DeviceRef;
  if (t.kind === 'word' && t.text.toLowerCase() === 'rid' && c.isPunct('=', 1)) {
    c.take();
    c.take();
    device = { kind: 'rid', rid: c.id('a requester ID').value };
  } else device = { kind: 'name', name: deviceName(c, what) };
  return { kind: 'msi', device, eventid: c.id('an EventID').value };
}

/** A device by name: a plain word, or a quoted string for other names. */
function deviceName(c: Cursor, what: string): string {
  const t = c.peek();
  if (!t) throw c.missing(what);
  if (t.kind === 'string') {
    if (t.value === '') throw c.failAt(t, 'a device name cannot be empty');
    c.take();
    return t.value;
  }
  if (t.kind === 'word' && NAME_RE.test(t.text)) {
    c.take();
    return t.text;
  }
  throw c.unexpected(what, t);
}

function parseLineCmd(c: Cursor): Action {
  const { value: intid, tok } = c.id('an INTID');
  const level = c.keyword(['high', 'low', 'pulse'], `'high', 'low' or 'pulse'`);
  const cpuTok = c.peek();
  const cpu = cpuTok ? cpuWord(c) : undefined;
  if (intid < FIRST_PPI)
    throw c.failAt(tok, `INTID ${intid} is an SGI: SGIs are generated through ICC_SGI1R_EL1, not by a line`);
  if (intid > LAST_SPI)
    throw c.failAt(
      tok,
      `INTID ${intid} is neither a PPI (${FIRST_PPI}-${FIRST_SPI - 1}) nor an SPI (${FIRST_SPI}-${LAST_SPI})`,
    );
  if (intid < FIRST_SPI) {
    if (cpu === undefined)
      throw c.failAt(tok, `INTID ${intid} is a PPI: name its CPU, e.g. 'line ${intid} ${level} cpu0'`);
    return { kind: 'line', intid, cpu, level };
  }
  if (cpu !== undefined)
    throw c.failAt(cpuTok!, `INTID ${intid} is an SPI: it belongs to no CPU, remove ${show(cpuTok!.text)}`);
  return { kind: 'line', intid, level };
}

function parseSoftware(c: Cursor): Action {
  const what = `'all' or cpu<n>[,cpu<m>...]`;
  let cpus: number[] | 'all';
  if (c.peekWord() === 'all') {
    c.take();
    cpus = 'all';
  } else {
    cpus = [];
    for (;;) {
      const t = c.peek();
      const n = cpuWord(c, cpus.length ? 'cpu<n>' : what);
      if (cpus.includes(n)) throw c.failAt(t!, `cpu${n} is listed twice`);
      cpus.push(n);
      if (!c.isPunct(',')) break;
      c.take();
    }
  }
  const policy = c.keyword(POLICIES, `a policy (${POLICIES.join(', ')})`);
  return { kind: 'software', cpus, policy };
}

function parseRun(c: Cursor): Action {
  if (c.atEnd()) return { kind: 'run', until: 'idle' };
  c.keyword(['until'], `'until' or the end of the line`);
  return { kind: 'run', until: c.keyword(RUN_UNTIL, `${RUN_UNTIL.join(', ')}`) };
}

/** `5ms`, `100us`, `1.5ms`, `2 s`: a whole number of nanoseconds. */
function duration(c: Cursor): number {
  const what = 'a duration (e.g. 100us, 5ms)';
  const t = c.peek();
  if (!t) throw c.missing(what);
  if (t.kind !== 'word') throw c.unexpected(what, t);
  const m = /^([0-9](?:_?[0-9])*)(?:\.([0-9]+))?([A-Za-z]*)$/.exec(t.text);
  if (!m) {
    if (looksNumeric(t.text)) throw c.failAt(t, `malformed duration ${show(t.text)} (e.g. 100us, 5ms)`);
    throw c.unexpected(what, t);
  }
  c.take();
  let unitTok: Token = t;
  let unitStart = t.start + t.text.length - m[3]!.length;
  let unit = m[3]!;
  if (unit === '') {
    const u = c.peek();
    const uwhat = 'a time unit (ns, us, ms or s)';
    if (!u) throw c.missing(uwhat);
    if (u.kind !== 'word') throw c.unexpected(uwhat, u);
    c.take();
    unitTok = u;
    unitStart = u.start;
    unit = u.text;
  }
  const scale = TIME_UNITS.find((x) => x.unit === unit.toLowerCase());
  if (!scale)
    throw c.failAt({ start: unitStart }, `unknown unit ${show(unit)} (durations take ns, us, ms or s)`);
  const frac = m[2] ?? '';
  const whole = BigInt(m[1]!.replace(/_/g, '')) * scale.ns;
  const fracScaled = frac === '' ? 0n : BigInt(frac) * scale.ns;
  const denom = 10n ** BigInt(frac.length);
  if (fracScaled % denom !== 0n)
    throw c.failAt(t, `${show(c.text.slice(t.start, unitTok.end))} is not a whole number of nanoseconds`);
  const ns = whole + fracScaled / denom;
  if (ns > BigInt(Number.MAX_SAFE_INTEGER))
    throw c.failAt(t, `${show(c.text.slice(t.start, unitTok.end))} is too long a duration`);
  return Number(ns);
}

function parseStep(c: Cursor): Action {
  if (c.atEnd()) return { kind: 'step', n: 1 };
  const r = c.id('a number of events');
  if (r.value < 1) throw c.failAt(r.tok, 'step needs at least 1 event');
  return { kind: 'step', n: r.value };
}

// ---------------------------------------------------------------------------------------------
// VMs: the guest's code on a vCPU, what the VMM asks of KVM, where vCPU threads run

const VM_WORD_RE = /^(vm|vcpu|pcpu)([0-9]+)$/i;

/** The number of `vm<n>`, `vcpu<n>` or `pcpu<n>` if `t` is one; undefined otherwise. */
function vmIndexedWord(c: Cursor, t: Token | undefined, kind: 'vm' | 'vcpu' | 'pcpu'): number | undefined {
  if (t?.kind !== 'word') return undefined;
  const m = VM_WORD_RE.exec(t.text);
  if (!m || m[1]!.toLowerCase() !== kind) return undefined;
  return indexOf(c, t, m[2]!);
}

function numberedWord(c: Cursor, kind: 'vcpu' | 'pcpu', what = `${kind}<n>`): number {
  const t = c.peek();
  if (!t) throw c.missing(what);
  const n = vmIndexedWord(c, t, kind);
  if (n === undefined) throw c.unexpected(what, t);
  c.take();
  return n;
}

const vcpuWord = (c: Cursor, what = 'vcpu<n>'): number => numberedWord(c, 'vcpu', what);

const KVM_CALL_NAMES = KVM_CALLS.map((k) => k.word);

/** `vm<n> vcpu<m> ...` (the guest, or pinning) or `vm<n> <call> ...` (the VMM). */
function parseVm(c: Cursor, vm: number): Action {
  const what = `vcpu<n> or a KVM call (${orList(KVM_CALL_NAMES)})`;
  const t = c.peek();
  if (!t) throw c.missing(what);
  const vcpu = vmIndexedWord(c, t, 'vcpu');
  if (vcpu !== undefined) {
    c.take();
    return parseVcpu(c, vm, vcpu);
  }
  if (t.kind !== 'word') throw c.unexpected(what, t);
  c.take();
  return { kind: 'kvm', vm, call: parseKvmCall(c, t) };
}

function parseVcpu(c: Cursor, vm: number, vcpu: number): Action {
  const t = c.word(`what the guest on vcpu${vcpu} does (${GUEST_HELP})`);
  const k = t.text.toLowerCase();
  if (k === 'pin') return { kind: 'vcpu-pin', vm, vcpu, pcpu: numberedWord(c, 'pcpu') };
  if (k === 'unpin') return { kind: 'vcpu-pin', vm, vcpu, pcpu: -1 };
  c.guestVcpu = vcpu;
  return { kind: 'guest', vm, vcpu, action: parseGuestAction(c, t, vm, vcpu) };
}

/**
 * One line of the guest's code, in the host's line forms, minus what names a CPU: the vCPU is
 * given. ICC_* names reach the vCPU's own (virtual) CPU interface with plain read/write; an
 * `lpi-config` names no redistributor (a VM has one GICR_PROPBASER). Inner actions that carry a
 * CPU or a redistributor carry the issuing vCPU.
 */
function parseGuestAction(c: Cursor, t: Token, vm: number, vcpu: number): Action {
  const k = t.text.toLowerCase();
  const access = /^(read|write)([0-9]*)$/.exec(k);
  if (access) {
    const op = access[1] as 'read' | 'write';
    const width = widthOf(c, t, op, access[2]!);
    const r = c.peek();
    if (r?.kind === 'word' && /^ICC_/i.test(r.text)) {
      if (width !== undefined)
        throw c.failAt(
          t,
          `${show(r.text)} is a 64-bit system register: write '${op} ${r.text}' without a width`,
        );
      const reg = iccRegister(c);
      if (op === 'read') return { kind: 'icc-read', cpu: vcpu, reg };
      if (c.isPunct('|=') || c.isPunct('&=')) throw noGuestRmw(c);
      return { kind: 'icc-write', cpu: vcpu, reg, value: c.value(64) };
    }
    return parseAccess(c, op, width);
  }
  if (indexedWord(c, t, 'cpu') !== undefined)
    throw c.failAt(
      t,
      `a guest line names no cpu<n>: the vCPU is given (write 'vm${vm} vcpu${vcpu} read|write ICC_...' for its CPU interface)`,
    );
  if (k === 'its' || indexedWord(c, t, 'its') !== undefined) return parseIts(c, t);
  if (k === 'mem') return parseMem(c);
  if (k === 'lpi-pending') {
    // `[rd<k>]`: whose pending table (vCPU k's redistributor's GICR_PENDBASER); default the issuing vCPU's.
    const rt = c.peek();
    const rd = indexedWord(c, rt, 'rd');
    if (rd !== undefined) c.take();
    const intid = lpi(c);
    const op = c.keyword(['set', 'clear'], `'set' or 'clear'`);
    return { kind: 'lpi-pending', rd: rd ?? vcpu, intid, set: op === 'set' };
  }
  if (k === 'timer') {
    // The guest's virtual timer: `timer <duration>` (CNTV_CVAL_EL0 = now + duration, ENABLE) or `timer off`.
    const nt = c.peek();
    if (nt && nt.text.toLowerCase() === 'off') {
      c.take();
      return { kind: 'vtimer', ns: null };
    }
    return { kind: 'vtimer', ns: duration(c) };
  }
  if (k === 'lpi-config') {
    const rt = c.peek();
    if (indexedWord(c, rt, 'rd') !== undefined)
      throw c.failAt(
        rt!,
        `a VM has one GICR_PROPBASER for all its redistributors: write 'lpi-config <intid> <byte>' without ${show(rt!.text)}`,
      );
    const intid = lpi(c);
    return { kind: 'lpi-config', rd: vcpu, intid, value: c.byte('a configuration byte') };
  }
  if (vmIndexedWord(c, t, 'vm') !== undefined || vmIndexedWord(c, t, 'vcpu') !== undefined)
    throw c.failAt(t, `a guest line names its VM and vCPU once, at its start ('vm${vm} vcpu${vcpu} ...')`);
  if (HOST_ONLY.includes(k) || KVM_CALLS.some((x) => x.word === k))
    throw c.failAt(
      t,
      `${show(t.text)} is not something the guest's code does on a vCPU (a guest line is ${orList(GUEST_COMMANDS)})`,
    );
  throw c.failAt(t, `unknown guest command ${show(t.text)} (expected ${GUEST_HELP})`);
}

function parseKvmCall(c: Cursor, t: Token): KvmCall {
  const k = t.text.toLowerCase();
  switch (k) {
    case 'irq-line':
      return parseIrqLine(c);
    case 'signal-msi':
      return parseSignalMsi(c);
    case 'set-gsi-routing':
      return parseGsiRouting(c);
    case 'eventfd':
      return { kind: 'eventfd' };
    case 'irqfd':
      return parseIrqfd(c);
    case 'eventfd-signal':
      return { kind: 'eventfd-signal', fd: c.id('an eventfd (its fd number)').value };
    case 'vfio':
      return parseVfio(c);
    case 'migrate':
      return { kind: 'migrate' };
  }
  if (indexedWord(c, t, 'cpu') !== undefined)
    throw c.failAt(t, `a VM's CPUs are vcpu<n>, not ${show(t.text)}`);
  throw c.failAt(t, `unknown KVM call ${show(t.text)} (expected ${orList(['vcpu<n>', ...KVM_CALL_NAMES])})`);
}

/** `key=<value>` fields in any order, each at most once, and bare flag words. */
interface KeySpec {
  key: string;
  bits: number;
  what: string;
}

interface KeyValues {
  values: Map<string, { value: bigint; tok: Token }>;
  flags: Map<string, Token>;
}

function keyValues(
  c: Cursor,
  call: string,
  keys: readonly KeySpec[],
  flags: readonly string[] = [],
): KeyValues {
  const out: KeyValues = { values: new Map(), flags: new Map() };
  const list = [...keys.map((k) => `${k.key}=`), ...flags].join(', ');
  while (!c.atEnd()) {
    const t = c.word(orList([...keys.map((k) => `${k.key}=`), ...flags]));
    const k = t.text.toLowerCase();
    if (flags.includes(k)) {
      if (out.flags.has(k)) throw c.failAt(t, `${k} is given twice`);
      out.flags.set(k, t);
      continue;
    }
    const spec = keys.find((x) => x.key === k);
    if (!spec) throw c.failAt(t, `${call} has no field ${show(t.text)} (fields: ${list})`);
    if (out.values.has(spec.key)) throw c.failAt(t, `${spec.key} is given twice`);
    c.punct('=', `'=' and ${spec.what}`);
    out.values.set(spec.key, c.number(spec.what, spec.bits));
  }
  return out;
}

function required(c: Cursor, call: string, kv: KeyValues, key: KeySpec): bigint {
  const v = kv.values.get(key.key);
  if (v === undefined) throw c.atLineEnd(`${call} needs ${key.key}=<${key.what}>`);
  return v.value;
}

const optional = (kv: KeyValues, key: KeySpec): number | undefined => {
  const v = kv.values.get(key.key);
  return v === undefined ? undefined : Number(v.value);
};

/** The largest vCPU number an irq word holds: vcpu2_index (4 bits) : vcpu_index (8 bits). */
export const IRQ_LINE_MAX_VCPU = 0xfff;

function irqIdOf(c: Cursor): number {
  const what = 'an INTID';
  return Number(c.number(what, 16, (t) => `${show(t.text)} does not fit in irq_id (16 bits)`).value);
}

/** kvm_irq_level.level: `high` (1), `low` (0) or any 32-bit value (KVM asserts on non-zero). */
function irqLevel(c: Cursor): number {
  const w = c.peekWord();
  if (w === 'high' || w === 'low') {
    c.take();
    return w === 'high' ? 1 : 0;
  }
  return Number(c.number(`'high', 'low' or a level (a 32-bit value)`, 32).value);
}

/**
 * `spi <intid>`, `ppi vcpu<n> <intid>` or the raw irq word. The friendly forms only encode
 * (irq_id = the INTID, as KVM reads it for both types); whether KVM accepts the result is KVM's
 * decision when the call is applied, so `spi 5` or a raw word of type 7 parse and fail there.
 */
function parseIrqLine(c: Cursor): KvmCall {
  const what = `'spi <intid>', 'ppi vcpu<n> <intid>' or a kvm_irq_level.irq word`;
  const w = c.peekWord();
  let irq: number;
  if (w === 'spi') {
    c.take();
    irq = encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: irqIdOf(c) });
  } else if (w === 'ppi') {
    c.take();
    const vt = c.peek();
    const vcpu = vcpuWord(c);
    if (vcpu > IRQ_LINE_MAX_VCPU)
      throw c.failAt(
        vt!,
        `${show(vt!.text)}: an irq word holds vCPU numbers up to ${IRQ_LINE_MAX_VCPU} (vcpu2_index:vcpu_index)`,
      );
    irq = encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_PPI, vcpu, irqId: irqIdOf(c) });
  } else irq = Number(c.number(what, 32).value);
  return { kind: 'irq-line', irq, level: irqLevel(c) };
}

const MSI_KEYS = {
  addr: { key: 'addr', bits: 64, what: 'the doorbell address' },
  data: { key: 'data', bits: 32, what: 'the data (the EventID)' },
  devid: { key: 'devid', bits: 32, what: 'a DeviceID' },
  flags: { key: 'flags', bits: 32, what: 'the flags' },
} as const;

/** Without flags=, giving devid= sets KVM_MSI_VALID_DEVID (as a VMM does when it has one). */
function parseSignalMsi(c: Cursor): KvmCall {
  const kv = keyValues(c, 'signal-msi', Object.values(MSI_KEYS));
  const address = required(c, 'signal-msi', kv, MSI_KEYS.addr);
  const data = Number(required(c, 'signal-msi', kv, MSI_KEYS.data));
  const devid = optional(kv, MSI_KEYS.devid);
  const flags = optional(kv, MSI_KEYS.flags) ?? (devid !== undefined ? KVM_MSI_VALID_DEVID : 0);
  return {
    kind: 'signal-msi',
    addressLo: Number(address & 0xffff_ffffn),
    addressHi: Number(address >> 32n),
    data,
    flags,
    devid: devid ?? 0,
  };
}

const ROUTE_WHAT =
  'gsi=<n>:irqchip:<pin>, gsi=<n>:msi:<addr>:<data>[:<devid>] or gsi=<n>:raw:<type>:<flags>[:<u0>...]';
/** struct kvm_irq_routing_entry's union holds 8 words. */
export const ROUTE_WORDS = 8;

/**
 * One KVM_SET_GSI_ROUTING entry. `irqchip` and `msi` build what a VMM builds (pin = the SPI's
 * INTID - 32; a devid sets KVM_MSI_VALID_DEVID); `raw` gives type, flags and the union's words as
 * they are, for the entries KVM refuses.
 */
function routeEntry(c: Cursor, first: boolean): KvmIrqRoutingEntryUser {
  c.keyword(['gsi'], first ? `${ROUTE_WHAT} or 'none'` : ROUTE_WHAT);
  c.punct('=', `'=' and a GSI`);
  const gsi = c.id('a GSI').value;
  c.punct(':', `':irqchip', ':msi' or ':raw'`);
  const kind = c.keyword(['irqchip', 'msi', 'raw'] as const, `'irqchip', 'msi' or 'raw'`);
  if (kind === 'irqchip') {
    c.punct(':', `':<pin>'`);
    return irqchipRouteEntry(gsi, c.id(`a pin (the SPI's INTID - 32)`).value);
  }
  if (kind === 'msi') {
    c.punct(':', `':<address>'`);
    const address = c.number('an MSI address', 64).value;
    c.punct(':', `':<data>'`);
    const data = c.id('the MSI data').value;
    if (!c.isPunct(':')) return msiRouteEntry(gsi, { address, data });
    c.take();
    return msiRouteEntry(gsi, { address, data, devid: c.id('a DeviceID').value });
  }
  c.punct(':', `':<type>'`);
  const type = c.id('an entry type').value;
  c.punct(':', `':<flags>'`);
  const flags = c.id('the entry flags').value;
  const u: number[] = [];
  while (c.isPunct(':')) {
    const colon = c.take();
    if (u.length === ROUTE_WORDS)
      throw c.failAt(colon, `a routing entry has ${ROUTE_WORDS} words of data (u0 to u${ROUTE_WORDS - 1})`);
    u.push(c.id(`word u${u.length}`).value);
  }
  while (u.length < ROUTE_WORDS) u.push(0);
  return { gsi, type, flags, u };
}

function parseGsiRouting(c: Cursor): KvmCall {
  const entries: KvmIrqRoutingEntryUser[] = [];
  if (c.peekWord() === 'none') {
    c.take();
    return { kind: 'set-gsi-routing', entries };
  }
  while (!c.atEnd()) entries.push(routeEntry(c, entries.length === 0));
  return { kind: 'set-gsi-routing', entries };
}

const IRQFD_KEYS = {
  fd: { key: 'fd', bits: 32, what: 'an eventfd' },
  gsi: { key: 'gsi', bits: 32, what: 'a GSI' },
  resample: { key: 'resample', bits: 32, what: 'a resample eventfd' },
  flags: { key: 'flags', bits: 32, what: 'the flags' },
} as const;

/**
 * `resample=` and `deassign` set KVM_IRQFD_FLAG_RESAMPLE / _DEASSIGN; `flags=` gives the flags
 * word as it is instead (then `resample=` only fills resamplefd).
 */
function parseIrqfd(c: Cursor): KvmCall {
  const kv = keyValues(c, 'irqfd', Object.values(IRQFD_KEYS), ['deassign']);
  const fd = Number(required(c, 'irqfd', kv, IRQFD_KEYS.fd));
  const gsi = Number(required(c, 'irqfd', kv, IRQFD_KEYS.gsi));
  const resample = optional(kv, IRQFD_KEYS.resample);
  const raw = optional(kv, IRQFD_KEYS.flags);
  const deassign = kv.flags.get('deassign');
  if (raw !== undefined) {
    if (deassign)
      throw c.failAt(
        deassign,
        `'deassign' with flags=: flags= gives every flag (DEASSIGN is 0x${KVM_IRQFD_FLAG_DEASSIGN.toString(16)})`,
      );
    return { kind: 'irqfd', fd, gsi, flags: raw, resamplefd: resample ?? 0 };
  }
  const flags =
    (deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0) | (resample !== undefined ? KVM_IRQFD_FLAG_RESAMPLE : 0);
  return { kind: 'irqfd', fd, gsi, flags, resamplefd: resample ?? 0 };
}

const VFIO_KEYS = {
  vector: { key: 'vector', bits: 32, what: 'an MSI vector' },
  lpi: { key: 'lpi', bits: 32, what: 'the host LPI' },
  fd: { key: 'fd', bits: 32, what: 'an eventfd' },
} as const;

function parseVfio(c: Cursor): KvmCall {
  const first = c.peek();
  if (first?.kind === 'word' && c.isPunct('=', 1))
    throw c.failAt(
      first,
      `vfio names the assigned device first: 'vfio <device> vector=<n> lpi=<intid> fd=<n>'`,
    );
  const device = deviceName(c, 'an assigned device name');
  const kv = keyValues(c, 'vfio', Object.values(VFIO_KEYS));
  const vector = Number(required(c, 'vfio', kv, VFIO_KEYS.vector));
  const hostIntid = Number(required(c, 'vfio', kv, VFIO_KEYS.lpi));
  if (hostIntid < FIRST_LPI)
    throw c.failAt(
      kv.values.get('lpi')!.tok,
      `${hostIntid} is not an LPI (LPI INTIDs start at ${FIRST_LPI}): VFIO's MSI vectors are host LPIs`,
    );
  const fd = Number(required(c, 'vfio', kv, VFIO_KEYS.fd));
  return { kind: 'vfio-irq', device, vector, hostIntid, fd };
}

// ---------------------------------------------------------------------------------------------
// Expectations

function check(c: Cursor, width: AccessWidth | undefined): ValueCheck {
  let mask: bigint | undefined;
  if (c.isPunct('&')) {
    c.take();
    mask = c.value(width, 'a mask');
  }
  const next = c.peek();
  if (next?.kind === 'word' && next.text.toLowerCase() === 'unchanged') {
    c.take();
    return mask === undefined ? { unchanged: true } : { mask, unchanged: true };
  }
  c.punct('==', mask === undefined ? `'& <mask>', '==' or 'unchanged'` : `'==' or 'unchanged'`);
  const equals = c.value(width);
  return mask === undefined ? { equals } : { mask, equals };
}

/** `8195` or `8195x2` (the count defaults to 1). */
function intidWithCount(c: Cursor, what: string): { intid: number; count: number; counted: boolean } {
  const t = c.peek();
  if (!t) throw c.missing(what);
  if (t.kind !== 'word') throw c.unexpected(what, t);
  const lower = t.text.toLowerCase();
  const from = lower.startsWith('0x') || lower.startsWith('0b') ? 2 : 0;
  const x = lower.indexOf('x', from);
  const idText = x < 0 ? t.text : t.text.slice(0, x);
  const countText = x < 0 ? undefined : t.text.slice(x + 1);
  const intid = parseNumberText(idText);
  if (intid === undefined) {
    if (looksNumeric(t.text)) throw c.failAt(t, `malformed INTID ${show(idText)}`);
    throw c.unexpected(what, t);
  }
  if (intid > U32_MAX) throw c.failAt(t, `${show(idText)} does not fit in 32 bits`);
  let count = 1;
  if (countText !== undefined) {
    const n = parseNumberText(countText);
    const at = { start: t.start + x };
    if (n === undefined) throw c.failAt(at, `malformed count ${show(`x${countText}`)} (e.g. x2)`);
    if (n > U32_MAX) throw c.failAt(at, `${show(countText)} does not fit in 32 bits`);
    count = Number(n);
  }
  c.take();
  return { intid: Number(intid), count, counted: countText !== undefined };
}

/**
 * A CPU of the expectation's view: `cpu<n>` on the host, `vcpu<n>` inside `expect vm<k> ...`
 * (where a `cpu<n>` is refused with the reason).
 */
function viewCpuWord(c: Cursor, what = 'cpu<n>'): number {
  if (c.expectVm === undefined) return cpuWord(c, what);
  const t = c.peek();
  if (t && indexedWord(c, t, 'cpu') !== undefined)
    throw c.failAt(
      t,
      `a VM's CPUs are vcpu<n>, not ${show(t.text)} (expect vm${c.expectVm} reads the guest's view)`,
    );
  return vcpuWord(c, what.replace(/cpu/g, 'vcpu'));
}

function expectDeliveries(c: Cursor): ViewExpectation {
  const what = `'none' or <cpu>:<intid>[x<count>]`;
  if (c.peekWord() === 'none') {
    c.take();
    return { kind: 'deliveries', exact: [] };
  }
  const exact: { cpu: number; intid: number; count: number }[] = [];
  do {
    const first = c.peek();
    const cpu = viewCpuWord(c, exact.length ? `<cpu>:<intid>[x<count>]` : what);
    const name = `${c.expectVm === undefined ? 'cpu' : 'vcpu'}${cpu}`;
    c.punct(':', `':<intid>'`);
    const { intid, count } = intidAndCount(c, 'an INTID');
    if (count < 1)
      throw c.failAt(first!, `a delivery count is at least 1 (leave ${name}:${intid} out instead)`);
    if (exact.some((d) => d.cpu === cpu && d.intid === intid))
      throw c.failAt(first!, `${name}:${intid} is listed twice (write one entry with x<count>)`);
    exact.push({ cpu, intid, count });
  } while (!c.atEnd());
  return { kind: 'deliveries', exact };
}

/**
 * An INTID and its count, the count either attached (`8195x2`) or apart (`8195 x2`). Apart is the
 * only way to count INTID 0: `0x2` reads as the hexadecimal INTID 2.
 */
function intidAndCount(c: Cursor, what: string): { intid: number; count: number } {
  const r = intidWithCount(c, what);
  const t = c.peek();
  if (r.counted || t?.kind !== 'word' || !/^x/i.test(t.text)) return r;
  const n = parseNumberText(t.text.slice(1));
  if (n === undefined) throw c.failAt(t, `malformed count ${show(t.text)} (e.g. x2)`);
  if (n > U32_MAX) throw c.failAt(t, `${show(t.text)} does not fit in 32 bits`);
  c.take();
  return { intid: r.intid, count: Number(n) };
}

function expectDelivered(c: Cursor): ViewExpectation {
  const cpu = viewCpuWord(c);
  const r = intidAndCount(c, c.expectVm === undefined ? 'an INTID' : 'a virtual INTID');
  return { kind: 'delivered', cpu, intid: r.intid, count: r.count };
}

/**
 * `expect vm<n> <expectation>`: one of the view forms, read on VM n's guest view (CPUs are
 * vcpu<m>); or `expect vm<n> vcpu<m> delivered <intid>[x<count>]`, the older spelling of
 * `expect vm<n> delivered vcpu<m> ...`. `events` has no guest form: the event log is the
 * machine's, VM events included.
 */
function expectGuest(c: Cursor, vm: number): Expectation {
  const what = `what to expect of vm${vm}'s guest (${GUEST_EXPECT_HELP})`;
  const t = c.peek();
  if (!t) throw c.missing(what);
  const vcpu = vmIndexedWord(c, t, 'vcpu');
  if (vcpu !== undefined) {
    c.take();
    c.keyword(['delivered'], `'delivered'`);
    const r = intidAndCount(c, 'a virtual INTID');
    return { kind: 'guest', vm, expect: { kind: 'delivered', cpu: vcpu, intid: r.intid, count: r.count } };
  }
  const k = c.word(what);
  const word = k.text.toLowerCase();
  if (word === 'events')
    throw c.failAt(
      k,
      `'events' has no guest form: the event log is the machine's, the VM's events included; filter it by VM: 'expect events <kind> vm=${vm} ...'`,
    );
  if (vmIndexedWord(c, k, 'vm') !== undefined)
    throw c.failAt(k, `an expectation reads one VM: write 'expect ${k.text} ...' on a line of its own`);
  c.expectVm = vm;
  const x = viewExpectation(c, k);
  if (!x)
    throw c.failAt(k, `unknown expectation ${show(k.text)} for a guest (expected ${GUEST_EXPECT_HELP})`);
  return { kind: 'guest', vm, expect: x };
}

function tableFields(c: Cursor, table: 'dte' | 'ite' | 'cte'): { fields: TableEntryFields; absent?: true } {
  const allowed = TABLE_ENTRY_FIELDS[table];
  const keys = Object.keys(allowed);
  const what = `${keys.map((k) => `${k}=<value>`).join(', ')} or 'absent'`;
  if (c.peekWord() === 'absent') {
    c.take();
    return { fields: {}, absent: true };
  }
  const fields: TableEntryFields = {};
  while (!c.atEnd()) {
    const t = c.word(what);
    const k = t.text.toLowerCase();
    if (k === 'absent') throw c.failAt(t, `'absent' cannot be combined with field values`);
    const key = keys.find((name) => name === k || allowed[name]!.includes(k));
    if (key === undefined)
      throw c.failAt(t, `unknown ${table.toUpperCase()} field ${show(t.text)} (fields: ${keys.join(', ')})`);
    if (fields[key] !== undefined) throw c.failAt(t, `${key} is given twice`);
    c.punct('=', `'=' and a value`);
    fields[key] = c.value(64);
  }
  return { fields };
}

const EVENT_KIND_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/i;
const FILTER_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function expectEvents(c: Cursor): Expectation {
  const kt = c.word('an event kind (e.g. its.cmd)');
  if (!EVENT_KIND_RE.test(kt.text))
    throw c.failAt(kt, `${show(kt.text)} is not an event kind (a dotted name like its.cmd)`);
  const filters: Record<string, string> = {};
  while (c.peek()?.kind === 'word') {
    const k = c.take();
    // '__proto__' would not become an own key of a plain object; no event has such a field.
    if (!FILTER_KEY_RE.test(k.text) || k.text === '__proto__')
      throw c.failAt(k, `${show(k.text)} is not a filter name`);
    if (filters[k.text] !== undefined) throw c.failAt(k, `filter ${k.text} is given twice`);
    c.punct('=', `'=' and a value`);
    const v = c.peek();
    if (!v) throw c.missing(`a value for ${k.text}`);
    if (v.kind === 'punct') throw c.unexpected(`a value for ${k.text}`, v);
    c.take();
    filters[k.text] = v.value;
  }
  const opWhat = `<key>=<value>, '==', '>=' or '<='`;
  const ot = c.peek();
  if (!ot) throw c.missing(opWhat);
  if (ot.kind !== 'punct' || (ot.text !== '==' && ot.text !== '>=' && ot.text !== '<='))
    throw c.unexpected(opWhat, ot);
  c.take();
  const op = ot.text;
  const count = c.id('a count').value;
  let total: true | undefined;
  if (!c.atEnd()) {
    c.keyword(['total'], `'total' or the end of the line`);
    total = true;
  }
  return {
    kind: 'events',
    eventKind: kt.text.toLowerCase(),
    filters,
    op,
    count,
    ...(total ? { total } : {}),
  };
}

/** A form that reads a view (the host's, or a guest's inside `expect vm<n>`); undefined if `t` names none. */
function viewExpectation(c: Cursor, t: Token): ViewExpectation | undefined {
  const k = t.text.toLowerCase();
  const regM = /^reg([0-9]*)$/.exec(k);
  if (regM) {
    const width = widthOf(c, t, 'reg', regM[1]!);
    const target = parseTarget(c);
    if (width === undefined) requireWidth(c, target, 'reg');
    return { kind: 'reg', target: target.target, ...(width ? { width } : {}), check: check(c, width) };
  }
  const memM = /^mem([0-9]*)$/.exec(k);
  if (memM) {
    const width = widthOf(c, t, 'mem', memM[1]!);
    const addr = c.address();
    if (width !== undefined) return { kind: 'mem', width, addr, check: check(c, width) };
    const amp = c.peek();
    if (amp?.kind === 'punct' && amp.text === '&')
      throw c.failAt(amp, `a mask needs a width: use 'expect mem8|mem16|mem32|mem64'`);
    c.punct('==', `'=='`);
    const bytes = [c.byte()];
    while (!c.atEnd()) bytes.push(c.byte());
    return { kind: 'mem-bytes', addr, bytes };
  }
  switch (k) {
    case 'deliveries':
      return expectDeliveries(c);
    case 'delivered':
      return expectDelivered(c);
    case 'icc': {
      const cpu = viewCpuWord(c);
      const reg = iccRegister(c);
      return { kind: 'icc', cpu, reg, check: check(c, 64) };
    }
    case 'dte': {
      const its = optionalIts(c);
      const devid = c.id('a DeviceID').value;
      return { kind: 'dte', its, devid, ...tableFields(c, 'dte') };
    }
    case 'ite': {
      const its = optionalIts(c);
      const devid = c.id('a DeviceID').value;
      const eventid = c.id('an EventID').value;
      return { kind: 'ite', its, devid, eventid, ...tableFields(c, 'ite') };
    }
    case 'cte': {
      const its = optionalIts(c);
      const icid = c.id('an ICID').value;
      return { kind: 'cte', its, icid, ...tableFields(c, 'cte') };
    }
    case 'pending':
    case 'not-pending': {
      const rd = optionalRd(c);
      return { kind: 'lpi-pending', rd, intid: lpi(c), pending: k === 'pending' };
    }
  }
  return undefined;
}

function parseExpect(c: Cursor): Action {
  const t = c.word(`what to expect (${EXPECT_HELP})`);
  const wrap = (expect: Expectation): Action => ({ kind: 'expect', expect });
  const vm = vmIndexedWord(c, t, 'vm');
  if (vm !== undefined) return wrap(expectGuest(c, vm));
  if (t.text.toLowerCase() === 'events') return wrap(expectEvents(c));
  const x = viewExpectation(c, t);
  if (x) return wrap(x);
  throw c.failAt(t, `unknown expectation ${show(t.text)} (expected ${EXPECT_HELP})`);
}

// ---------------------------------------------------------------------------------------------
// Lines and scripts

function parseAction(c: Cursor): Action {
  const t = c.word(`a command (${COMMANDS_HELP})`);
  const k = t.text.toLowerCase();
  const access = /^(read|write)([0-9]*)$/.exec(k);
  if (access) {
    const op = access[1] as 'read' | 'write';
    return parseAccess(c, op, widthOf(c, t, op, access[2]!));
  }
  const cpu = indexedWord(c, t, 'cpu');
  if (cpu !== undefined) return parseCpu(c, cpu);
  if (k === 'its' || indexedWord(c, t, 'its') !== undefined) return parseIts(c, t);
  const vm = vmIndexedWord(c, t, 'vm');
  if (vm !== undefined) return parseVm(c, vm);
  switch (k) {
    case 'mem':
      return parseMem(c);
    case 'lpi-config':
      return parseLpiConfig(c);
    case 'lpi-pending':
      return parseLpiPending(c);
    case 'msi':
      return parseMsi(c);
    case 'line':
      return parseLineCmd(c);
    case 'software':
      return parseSoftware(c);
    case 'run':
      return parseRun(c);
    case 'wait':
      return { kind: 'wait', ns: duration(c) };
    case 'step':
      return parseStep(c);
    case 'migrate':
      return { kind: 'migrate' };
    case 'expect':
      return parseExpect(c);
  }
  throw c.failAt(t, `unknown command ${show(t.text)} (expected ${COMMANDS_HELP})`);
}

/** One line of text; returns null for a blank or comment-only line. `line` is the 1-based line number used in errors. */
export function parseLine(text: string, line = 1): LineResult | null {
  try {
    const lx = lex(text);
    if (!lx.ok) return { ok: false, error: { line, column: lx.column, message: lx.message } };
    if (lx.tokens.length === 0) return null;
    const c = new Cursor(text, lx.tokens);
    const action = parseAction(c);
    c.finish();
    return { ok: true, action };
  } catch (e) {
    if (e instanceof ParseFailure)
      return { ok: false, error: { line, column: e.column, message: e.message } };
    // A bug, not a property of the input; still reported as a refusal so the caller never crashes.
    const detail = e instanceof Error ? e.message : 'unknown failure';
    return { ok: false, error: { line, column: 1, message: `internal parser error: ${detail}` } };
  }
}

/** A whole multi-line script: every line parsed; errors collected (all of them, not only the first). */
export function parseScript(text: string, firstLine = 1): { lines: ParsedLine[]; errors: ParseError[] } {
  const lines: ParsedLine[] = [];
  const errors: ParseError[] = [];
  text.split(/\r\n|\r|\n/).forEach((lineText, i) => {
    const line = firstLine + i;
    const r = parseLine(lineText, line);
    if (r === null) return;
    if (r.ok) lines.push({ line, text: lineText, action: r.action });
    else errors.push(r.error);
  });
  return { lines, errors };
}
