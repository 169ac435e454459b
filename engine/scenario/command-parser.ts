/**
 * The command language's parser: text lines (scenario steps, the sandbox console, recorded
 * sessions) to the Actions of ./actions, following docs/command-language.md.
 *
 * It checks everything that can be known without a machine: the shape of each command, number
 * syntax and widths, ITS command and field names (from the ITS's own encoding table, so the
 * language and the encoder can never disagree), ICC register names, and that a PPI line names
 * its CPU. Whether `rd9` or a device exists is the runner's business. Every refusal carries the
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
  'read, write, cpu<n>, mem, lpi-config, lpi-pending, its, msi, line, software, run, wait, step, migrate or expect';
const EXPECT_HELP = 'deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending or events';

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
      `${show(t.text)} is a CPU interface system register: use 'cpu<n> read|write ${t.text}'`,
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
  } else if (t.kind === 'string') {
    if (t.value === '') throw c.failAt(t, 'a device name cannot be empty');
    c.take();
    device = { kind: 'name', name: t.value };
  } else if (t.kind === 'word' && NAME_RE.test(t.text)) {
    c.take();
    device = { kind: 'name', name: t.text };
  } else {
    throw c.unexpected(what, t);
  }
  return { kind: 'msi', device, eventid: c.id('an EventID').value };
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

function expectDeliveries(c: Cursor): Expectation {
  const what = `'none' or <cpu>:<intid>[x<count>]`;
  if (c.peekWord() === 'none') {
    c.take();
    return { kind: 'deliveries', exact: [] };
  }
  const exact: { cpu: number; intid: number; count: number }[] = [];
  do {
    const first = c.peek();
    const cpu = cpuWord(c, exact.length ? `<cpu>:<intid>[x<count>]` : what);
    c.punct(':', `':<intid>'`);
    const { intid, count } = intidAndCount(c, 'an INTID');
    if (count < 1)
      throw c.failAt(first!, `a delivery count is at least 1 (leave cpu${cpu}:${intid} out instead)`);
    if (exact.some((d) => d.cpu === cpu && d.intid === intid))
      throw c.failAt(first!, `cpu${cpu}:${intid} is listed twice (write one entry with x<count>)`);
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

function expectDelivered(c: Cursor): Expectation {
  const cpu = cpuWord(c);
  const r = intidAndCount(c, 'an INTID');
  return { kind: 'delivered', cpu, intid: r.intid, count: r.count };
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

function parseExpect(c: Cursor): Action {
  const t = c.word(`what to expect (${EXPECT_HELP})`);
  const k = t.text.toLowerCase();
  const wrap = (expect: Expectation): Action => ({ kind: 'expect', expect });
  const regM = /^reg([0-9]*)$/.exec(k);
  if (regM) {
    const width = widthOf(c, t, 'reg', regM[1]!);
    const target = parseTarget(c);
    if (width === undefined) requireWidth(c, target, 'reg');
    return wrap({ kind: 'reg', target: target.target, ...(width ? { width } : {}), check: check(c, width) });
  }
  const memM = /^mem([0-9]*)$/.exec(k);
  if (memM) {
    const width = widthOf(c, t, 'mem', memM[1]!);
    const addr = c.address();
    if (width !== undefined) return wrap({ kind: 'mem', width, addr, check: check(c, width) });
    const amp = c.peek();
    if (amp?.kind === 'punct' && amp.text === '&')
      throw c.failAt(amp, `a mask needs a width: use 'expect mem8|mem16|mem32|mem64'`);
    c.punct('==', `'=='`);
    const bytes = [c.byte()];
    while (!c.atEnd()) bytes.push(c.byte());
    return wrap({ kind: 'mem-bytes', addr, bytes });
  }
  switch (k) {
    case 'deliveries':
      return wrap(expectDeliveries(c));
    case 'delivered':
      return wrap(expectDelivered(c));
    case 'icc': {
      const cpu = cpuWord(c);
      const reg = iccRegister(c);
      return wrap({ kind: 'icc', cpu, reg, check: check(c, 64) });
    }
    case 'dte': {
      const its = optionalIts(c);
      const devid = c.id('a DeviceID').value;
      return wrap({ kind: 'dte', its, devid, ...tableFields(c, 'dte') });
    }
    case 'ite': {
      const its = optionalIts(c);
      const devid = c.id('a DeviceID').value;
      const eventid = c.id('an EventID').value;
      return wrap({ kind: 'ite', its, devid, eventid, ...tableFields(c, 'ite') });
    }
    case 'cte': {
      const its = optionalIts(c);
      const icid = c.id('an ICID').value;
      return wrap({ kind: 'cte', its, icid, ...tableFields(c, 'cte') });
    }
    case 'pending':
    case 'not-pending': {
      const rd = optionalRd(c);
      return wrap({ kind: 'lpi-pending', rd, intid: lpi(c), pending: k === 'pending' });
    }
    case 'events':
      return wrap(expectEvents(c));
  }
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
