/**
 * Register tables and the MMIO dispatcher shared by the distributor, the redistributors and the
 * ITS (compare KVM's vgic-mmio-v3.c: one table per frame, in spec names).
 *
 * A table lists each register once with its architected offset, width, the access widths it
 * accepts and its fields. Arrays (GICD_IPRIORITYR<n>, GITS_BASER<n>) are one entry with a count and
 * a stride. The dispatcher finds the register for an offset, checks the access width, and turns a
 * narrower access (a byte of IPRIORITYR, the upper half of a 64-bit register) into a full-register
 * read or a masked write, so each register's code sees whole-register values only.
 *
 * Values are bigint here: register accesses are not the model's hot path, and 64-bit registers
 * then need no special cases. An access the table does not accept is not an exception: it returns
 * a reason and the caller makes it RAZ/WI and records an event that says why.
 */

export type AccessWidth = 8 | 16 | 32 | 64;

export interface FieldDef {
  name: string;
  /** Most significant bit (inclusive). */
  msb: number;
  /** Least significant bit. */
  lsb: number;
  /** Short meaning, for inspectors. */
  doc?: string;
}

export interface RegisterDef<M, C> {
  /** Spec name; arrays use <n>: 'GICD_IPRIORITYR<n>'. */
  name: string;
  offset: number;
  /** Register size in bytes. */
  size: 4 | 8;
  /** Access widths (bits) the register accepts. */
  widths: readonly AccessWidth[];
  access: 'rw' | 'ro' | 'wo';
  /** Array registers: number of instances and byte stride (defaults to size). */
  count?: number;
  stride?: number;
  fields?: readonly FieldDef[];
  doc?: string;
  /** Whether the register exists under the machine's profile (absent registers are unmapped). */
  present?: (m: M) => boolean;
  read?: (m: M, c: C, index: number) => bigint;
  /** `value` holds the new bits where `mask` is set; other bits must be left as they are. */
  write?: (m: M, c: C, index: number, value: bigint, mask: bigint) => void;
}

export interface RegisterTable<M, C> {
  frame: string;
  regs: readonly RegisterDef<M, C>[];
  /** Sorted index for lookups. */
  byOffset: { start: number; end: number; def: RegisterDef<M, C> }[];
}

export function defineTable<M, C>(frame: string, regs: readonly RegisterDef<M, C>[]): RegisterTable<M, C> {
  const byOffset = regs
    .map((def) => ({ start: def.offset, end: def.offset + (def.count ?? 1) * (def.stride ?? def.size), def }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i]!.start < byOffset[i - 1]!.end)
      throw new Error(`${frame}: ${byOffset[i]!.def.name} overlaps ${byOffset[i - 1]!.def.name}`);
  }
  return { frame, regs, byOffset };
}

export interface Located<M, C> {
  def: RegisterDef<M, C>;
  index: number;
  /** Byte offset of the access inside the register. */
  within: number;
  /** Instance name: 'GICD_IPRIORITYR8'. */
  name: string;
}

export function instanceName(def: { name: string; count?: number }, index: number): string {
  return def.count !== undefined ? def.name.replace('<n>', String(index)) : def.name;
}

export function locate<M, C>(table: RegisterTable<M, C>, offset: number): Located<M, C> | undefined {
  const list = table.byOffset;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = list[mid]!;
    if (offset < e.start) hi = mid - 1;
    else if (offset >= e.end) lo = mid + 1;
    else {
      const stride = e.def.stride ?? e.def.size;
      const index = Math.floor((offset - e.start) / stride);
      const within = offset - e.start - index * stride;
      if (within >= e.def.size) return undefined; // a gap inside a strided array
      return { def: e.def, index, within, name: instanceName(e.def, index) };
    }
  }
  return undefined;
}

/** Finds a register by instance name ('GICD_IROUTER40', 'GITS_BASER1', 'GICR_CTLR'). */
export function findByName<M, C>(
  table: RegisterTable<M, C>,
  name: string,
): { def: RegisterDef<M, C>; index: number } | undefined {
  const upper = name.toUpperCase();
  for (const def of table.regs) {
    if (def.count === undefined) {
      if (def.name === upper) return { def, index: 0 };
      continue;
    }
    const prefix = def.name.replace('<n>', '');
    if (upper.startsWith(prefix)) {
      const rest = upper.slice(prefix.length);
      if (/^\d+$/.test(rest)) {
        const index = Number(rest);
        if (index < def.count) return { def, index };
      }
    }
  }
  return undefined;
}

export type AccessProblem =
  | 'unmapped offset'
  | 'unaligned access'
  | 'access width not allowed'
  | 'write to a read-only register'
  | 'read of a write-only register';

export type ReadResult =
  { ok: true; value: bigint; name: string } | { ok: false; problem: AccessProblem; name?: string };
export type WriteResult = { ok: true; name: string } | { ok: false; problem: AccessProblem; name?: string };

const maskOf = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

function check<M, C>(loc: Located<M, C> | undefined, width: AccessWidth): AccessProblem | undefined {
  if (!loc) return 'unmapped offset';
  if ((loc.within * 8) % width !== 0) return 'unaligned access';
  if (!loc.def.widths.includes(width) || width > loc.def.size * 8) return 'access width not allowed';
  return undefined;
}

function locateFor<M, C>(m: M, table: RegisterTable<M, C>, offset: number): Located<M, C> | undefined {
  const loc = locate(table, offset);
  return loc && loc.def.present && !loc.def.present(m) ? undefined : loc;
}

export function mmioRead<M, C>(
  m: M,
  c: C,
  table: RegisterTable<M, C>,
  offset: number,
  width: AccessWidth,
): ReadResult {
  const loc = locateFor(m, table, offset);
  const problem = check(loc, width);
  if (problem || !loc) return { ok: false, problem: problem ?? 'unmapped offset', name: loc?.name };
  if (loc.def.access === 'wo' || !loc.def.read)
    return { ok: false, problem: 'read of a write-only register', name: loc.name };
  const full = loc.def.read(m, c, loc.index);
  return { ok: true, value: (full >> BigInt(loc.within * 8)) & maskOf(width), name: loc.name };
}

export function mmioWrite<M, C>(
  m: M,
  c: C,
  table: RegisterTable<M, C>,
  offset: number,
  width: AccessWidth,
  value: bigint,
): WriteResult {
  const loc = locateFor(m, table, offset);
  const problem = check(loc, width);
  if (problem || !loc) return { ok: false, problem: problem ?? 'unmapped offset', name: loc?.name };
  if (loc.def.access === 'ro' || !loc.def.write)
    return { ok: false, problem: 'write to a read-only register', name: loc.name };
  const shift = BigInt(loc.within * 8);
  const mask = maskOf(width) << shift;
  loc.def.write(m, c, loc.index, (value << shift) & mask, mask);
  return { ok: true, name: loc.name };
}

/** Merges a masked write into a current value. */
export const merge = (cur: bigint, value: bigint, mask: bigint): bigint => (cur & ~mask) | (value & mask);

export function field(v: bigint, msb: number, lsb: number): number {
  return Number((v >> BigInt(lsb)) & maskOf(msb - lsb + 1));
}

export function withField(v: bigint, msb: number, lsb: number, x: number | bigint): bigint {
  const m = maskOf(msb - lsb + 1) << BigInt(lsb);
  return (v & ~m) | ((BigInt(x) << BigInt(lsb)) & m);
}

/** Decodes a value field by field, for inspectors and event narration. */
export function decodeFields(
  fields: readonly FieldDef[],
  v: bigint,
): { name: string; value: number; bits: string }[] {
  return fields.map((f) => ({
    name: f.name,
    value: field(v, f.msb, f.lsb),
    bits: f.msb === f.lsb ? `[${f.msb}]` : `[${f.msb}:${f.lsb}]`,
  }));
}

export const hex = (v: bigint | number): string => '0x' + v.toString(16);

/**
 * CoreSight identification registers at the top of a 64 KiB frame: PIDR4..7 at 0xFFD0,
 * PIDR0..3 at 0xFFE0, CIDR0..3 at 0xFFF0. `pidr` gives [PIDR0, PIDR1, PIDR2, PIDR4].
 */
export function coresightIdRegisters<M, C>(
  prefix: string,
  pidr: (m: M) => readonly [number, number, number, number],
  cidr: (m: M) => readonly number[],
): RegisterDef<M, C>[] {
  const pid = (m: M, k: number): number => {
    const [p0, p1, p2, p4] = pidr(m);
    return [p0, p1, p2, 0, p4, 0, 0, 0][k]!;
  };
  const reg = (name: string, offset: number, read: (m: M) => number): RegisterDef<M, C> => ({
    name: `${prefix}_${name}`,
    offset,
    size: 4,
    widths: [32],
    access: 'ro',
    read: (m) => BigInt(read(m)),
  });
  return [
    ...[4, 5, 6, 7].map((k, j) => reg(`PIDR${k}`, 0xffd0 + 4 * j, (m) => pid(m, k))),
    ...[0, 1, 2, 3].map((k) => reg(`PIDR${k}`, 0xffe0 + 4 * k, (m) => pid(m, k))),
    ...[0, 1, 2, 3].map((k) => reg(`CIDR${k}`, 0xfff0 + 4 * k, (m) => cidr(m)[k] ?? 0)),
  ];
}
