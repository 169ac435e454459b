/**
 * Read-only views of the distributor, the redistributors and the CPU interfaces, for the UI's
 * inspectors (and for tests that want to say what the state is in a learner's terms).
 *
 * Rules every view here keeps, because the views run between steps of a recorded history and cross
 * the worker boundary:
 *  - Nothing changes and nothing is emitted. Registers are read through their tables' read
 *    functions (the path `peek` takes, which have no side effects), the ICC registers through
 *    `iccPeek` (reading ICC_IAR1_EL1 that way does not acknowledge), the highest-priority pending
 *    interrupt through `computeHppi`, never through `gicUpdate`.
 *  - Results are plain data: numbers, strings, booleans, arrays and plain objects. 64-bit register
 *    values are hex strings ('0x...') beside their decoded fields; no bigint, Map, Set or typed array.
 *  - Bad arguments (a PE the machine lacks) give `{ ok: false, error }`, never an exception.
 *
 * Where an LPI's configuration and pending state live depends on the profile (lpi.ts): the
 * redistributor view says where, and for each LPI shows the byte in memory beside the byte the
 * redistributor acts on now. When they differ, software changed the property table and has not
 * yet issued INV/INVALL: that is what the invalidation commands are for.
 */

import { memReadU8, PAGE_SIZE } from '../mem/memory';
import { canSignal, preemptionBits } from './priority';
import { computeHppi } from './cpu-interface';
import { GICD_REGISTERS } from './distributor';
import { FIRST_LPI, formatAffinity, SPURIOUS } from './gic-config';
import type { GicMachine } from './gic-machine';
import { iccPeek } from './icc-registers';
import { irqPending, type IrqBank } from './irq-bank';
import {
  configEnabled,
  configPriority,
  effectiveConfig,
  lpiIsPending,
  lpiLimit,
  lpisEnabled,
  pendingLpis,
  pendTableBase,
  propbaserOf,
  propTableBase,
  readConfigByte,
} from './lpi';
import { GICR_REGISTERS } from './redistributor';
import {
  decodeFields,
  findByName,
  mmioRead,
  type AccessWidth,
  type FieldDef,
  type RegisterTable,
} from './registers';
import { irouterIrm, spiTarget } from './spi';

// ---------------------------------------------------------------- shared by every inspector

/** What an inspector returns for arguments the machine cannot answer (a PE it lacks...). */
export interface InspectError {
  ok: false;
  error: string;
}

/** One field of a register value, as the register table defines it. */
export interface DecodedField {
  name: string;
  value: number;
  /** '[4:0]' or '[63]'. */
  bits: string;
}

/** A register value: the hex string (64-bit values cannot be JS numbers) and its fields. */
export interface DecodedRegister {
  value: string;
  fields: DecodedField[];
}

/** Most rows a list in an inspector holds; a view says `capped` when there were more. */
export const INSPECT_ROWS = 4096;

export const hexOf = (v: bigint | number): string => '0x' + v.toString(16);

export function decodedRegister(fields: readonly FieldDef[] | undefined, v: bigint): DecodedRegister {
  return { value: hexOf(v), fields: fields ? decodeFields(fields, v) : [] };
}

/**
 * Reads a register by name through its table, as a full-width read with no side effect (the
 * register tables' read functions change nothing; only the bus makes an access an event).
 * Returns the value and the table's field definitions, or undefined when the register is absent
 * under this profile or write-only.
 */
export function readByName<M, C>(
  m: M,
  c: C,
  table: RegisterTable<M, C>,
  name: string,
): { value: bigint; fields: readonly FieldDef[] | undefined } | undefined {
  const f = findByName(table, name);
  if (!f) return undefined;
  const offset = f.def.offset + f.index * (f.def.stride ?? f.def.size);
  const r = mmioRead(m, c, table, offset, (f.def.size * 8) as AccessWidth);
  return r.ok ? { value: r.value, fields: f.def.fields } : undefined;
}

function decodeByName<M, C>(m: M, c: C, table: RegisterTable<M, C>, name: string): DecodedRegister {
  const r = readByName(m, c, table, name);
  return r ? decodedRegister(r.fields, r.value) : { value: '0x0', fields: [] };
}

export const isIndex = (n: unknown, count: number): boolean =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < count;

function checkCpu(m: GicMachine, cpu: number): InspectError | undefined {
  const n = m.s.gic.cfg.affinity.length;
  return isIndex(cpu, n)
    ? undefined
    : { ok: false, error: `there is no PE ${String(cpu)} (the machine has ${n})` };
}

/** Page numbers of written memory pages overlapping [start, start + len), ascending. */
function writtenPages(m: GicMachine, start: number, len: number): number[] {
  const pages = m.s.mem.pages;
  if (len <= 0 || !Number.isSafeInteger(start) || start < 0) return [];
  const first = Math.floor(start / PAGE_SIZE);
  const last = Math.floor((start + len - 1) / PAGE_SIZE);
  if (last - first < pages.size) {
    const out: number[] = [];
    for (let pn = first; pn <= last; pn++) if (pages.has(pn)) out.push(pn);
    return out;
  }
  return [...pages.keys()].filter((pn) => pn >= first && pn <= last).sort((a, b) => a - b);
}

// ---------------------------------------------------------------- interrupt state

export type IrqState = 'inactive' | 'pending' | 'active' | 'active and pending';

function stateOf(pending: boolean, active: boolean): IrqState {
  return pending ? (active ? 'active and pending' : 'pending') : active ? 'active' : 'inactive';
}

/** Bit g set when the distributor forwards Group g (KVM has one enable for both groups). */
function distributorGroups(m: GicMachine): number {
  const ctlr = m.s.gic.dist.ctlr;
  return m.gicRules.singleDistributorEnable ? (ctlr & 2 ? 3 : 0) : ctlr & 3;
}

/** A sleeping PE's redistributor forwards nothing, where the profile models it (computeHppi). */
function asleep(m: GicMachine, cpu: number): boolean {
  return m.gicRules.waker === 'gates-delivery' && (m.s.gic.rd[cpu]!.waker & 2) !== 0;
}

// ---------------------------------------------------------------- CPU interface

export interface ActivePriority {
  group: 0 | 1;
  /** The group priority the bit stands for. */
  priority: number;
  /** Bit index across ICC_AP<g>R0..3_EL1. */
  bit: number;
}

export interface CpuIrq {
  intid: number;
  kind: 'SGI' | 'PPI' | 'SPI' | 'LPI';
  priority: number;
  group: number;
  enabled: boolean;
  state: Exclude<IrqState, 'inactive'>;
  /** LPIs are always edge-triggered. */
  trigger: 'edge' | 'level';
  /**
   * The distributor or redistributor presents it to this CPU interface now (pending, not active,
   * enabled, its group enabled at the distributor, LPIs enabled at the redistributor): the
   * candidates computeHppi chooses the HPPI among. The CPU interface then applies PMR, the running
   * priority and ICC_IGRPEN<n>.
   */
  forwarded: boolean;
}

export interface CpuInterfaceView {
  ok: true;
  cpu: number;
  affinity: string;
  priorityBits: number;
  pmr: number;
  bpr0: number;
  /** As ICC_BPR1_EL1 reads: with CBPR set it is BPR0 + 1 (saturated at 7). */
  bpr1: number;
  cbpr: boolean;
  eoiMode: 0 | 1;
  ctlr: DecodedRegister;
  igrpen0: boolean;
  igrpen1: boolean;
  /** ICC_RPR_EL1 (0xff: nothing active). */
  runningPriority: number;
  /** ICC_AP0R0..3_EL1 and ICC_AP1R0..3_EL1 as hex. */
  apr: { ap0r: string[]; ap1r: string[] };
  /** The set active-priority bits, highest priority (lowest value) first. */
  activePriorities: ActivePriority[];
  /** The highest-priority pending interrupt as computeHppi finds it now; null when there is none. */
  hppi: { intid: number; priority: number; group: number; signalled: boolean } | null;
  /** The IRQ / FIQ outputs as last driven (a queued update may change them: `updatePending`). */
  irq: boolean;
  fiq: boolean;
  updatePending: boolean;
  /** SGIs/PPIs, SPIs routed here and LPIs pending here that are pending or active, by INTID. */
  interrupts: CpuIrq[];
  capped: boolean;
}

const ICC_CTLR_FIELDS: readonly FieldDef[] = [
  { name: 'CBPR', msb: 0, lsb: 0 },
  { name: 'EOImode', msb: 1, lsb: 1 },
  { name: 'PMHE', msb: 6, lsb: 6 },
  { name: 'PRIbits', msb: 10, lsb: 8 },
  { name: 'IDbits', msb: 13, lsb: 11 },
  { name: 'SEIS', msb: 14, lsb: 14 },
  { name: 'A3V', msb: 15, lsb: 15 },
  { name: 'RSS', msb: 18, lsb: 18 },
  { name: 'ExtRange', msb: 19, lsb: 19 },
];

const icc = (m: GicMachine, cpu: number, name: string): number => Number(iccPeek(m, cpu, name) ?? 0n);

function privateRows(m: GicMachine, cpu: number, groups: number, out: CpuIrq[]): void {
  const bank: IrqBank = m.s.gic.rd[cpu]!.priv;
  const awake = !asleep(m, cpu);
  for (let i = 0; i < 32; i++) {
    const pending = irqPending(bank, i);
    const active = bank.active[i] === 1;
    if (!pending && !active) continue;
    const group = bank.group[i]!;
    const enabled = bank.enabled[i] === 1;
    out.push({
      intid: i,
      kind: i < 16 ? 'SGI' : 'PPI',
      priority: bank.priority[i]!,
      group,
      enabled,
      state: stateOf(pending, active) as CpuIrq['state'],
      trigger: bank.edge[i] ? 'edge' : 'level',
      forwarded: pending && !active && enabled && ((groups >> group) & 1) === 1 && awake,
    });
  }
}

function spiRows(m: GicMachine, cpu: number, groups: number, out: CpuIrq[]): void {
  const spi = m.s.gic.dist.spi;
  const awake = !asleep(m, cpu);
  for (let i = 0; i < spi.count; i++) {
    const pending = irqPending(spi, i);
    const active = spi.active[i] === 1;
    if ((!pending && !active) || spiTarget(m, i) !== cpu) continue;
    const group = spi.group[i]!;
    const enabled = spi.enabled[i] === 1;
    out.push({
      intid: 32 + i,
      kind: 'SPI',
      priority: spi.priority[i]!,
      group,
      enabled,
      state: stateOf(pending, active) as CpuIrq['state'],
      trigger: spi.edge[i] ? 'edge' : 'level',
      forwarded: pending && !active && enabled && ((groups >> group) & 1) === 1 && awake,
    });
  }
}

/** The CPU interface of PE `cpu`: its registers, the HPPI, and the interrupts it holds or may take. */
export function inspectCpu(m: GicMachine, cpu: number): CpuInterfaceView | InspectError {
  const bad = checkCpu(m, cpu);
  if (bad) return bad;
  const gic = m.s.gic;
  const c = gic.cpu[cpu]!;
  const bits = gic.cfg.priorityBits;
  const ctlr = BigInt(icc(m, cpu, 'ICC_CTLR_EL1'));
  const ap0r = [0, 1, 2, 3].map((n) => icc(m, cpu, `ICC_AP0R${n}_EL1`));
  const ap1r = [0, 1, 2, 3].map((n) => icc(m, cpu, `ICC_AP1R${n}_EL1`));
  const activePriorities: ActivePriority[] = [];
  const shift = 8 - preemptionBits(bits);
  [ap0r, ap1r].forEach((words, group) =>
    words.forEach((w, k) => {
      for (let b = 0; b < 32; b++)
        if ((w >>> b) & 1) {
          const bit = k * 32 + b;
          activePriorities.push({ group: group as 0 | 1, priority: (bit << shift) & 0xff, bit });
        }
    }),
  );
  activePriorities.sort((a, b) => a.bit - b.bit || a.group - b.group);

  const h = computeHppi(m, cpu);
  const hppi =
    h.intid === SPURIOUS
      ? null
      : { intid: h.intid, priority: h.prio, group: h.group, signalled: canSignal(c, bits, h.group, h.prio) };

  const groups = distributorGroups(m);
  const interrupts: CpuIrq[] = [];
  privateRows(m, cpu, groups, interrupts);
  spiRows(m, cpu, groups, interrupts);
  let capped = false;
  const lpis = pendingLpis(m, cpu);
  const lpiForward = (groups & 2) !== 0 && lpisEnabled(m, cpu) && !asleep(m, cpu);
  for (const intid of lpis) {
    if (interrupts.length >= INSPECT_ROWS) {
      capped = true;
      break;
    }
    const cfg = effectiveConfig(m, cpu, intid);
    interrupts.push({
      intid,
      kind: 'LPI',
      priority: configPriority(cfg),
      group: 1,
      enabled: configEnabled(cfg),
      state: 'pending', // LPIs have no active state
      trigger: 'edge',
      forwarded: lpiForward && configEnabled(cfg),
    });
  }

  return {
    ok: true,
    cpu,
    affinity: formatAffinity(gic.cfg.affinity[cpu]!),
    priorityBits: bits,
    pmr: icc(m, cpu, 'ICC_PMR_EL1'),
    bpr0: icc(m, cpu, 'ICC_BPR0_EL1'),
    bpr1: icc(m, cpu, 'ICC_BPR1_EL1'),
    cbpr: (ctlr & 1n) === 1n,
    eoiMode: Number((ctlr >> 1n) & 1n) as 0 | 1,
    ctlr: decodedRegister(ICC_CTLR_FIELDS, ctlr),
    igrpen0: icc(m, cpu, 'ICC_IGRPEN0_EL1') === 1,
    igrpen1: icc(m, cpu, 'ICC_IGRPEN1_EL1') === 1,
    runningPriority: icc(m, cpu, 'ICC_RPR_EL1'),
    apr: { ap0r: ap0r.map(hexOf), ap1r: ap1r.map(hexOf) },
    activePriorities,
    hppi,
    irq: c.irq === 1,
    fiq: c.fiq === 1,
    updatePending: c.updateQueued,
    interrupts,
    capped,
  };
}

// ---------------------------------------------------------------- redistributor

/** Where the redistributor takes an LPI's configuration from (gic-rules lpiConfig). */
export type LpiConfigSource = 'kvm LPI copy' | 'spec cache' | 'memory';
/** Where LPI pending state lives (gic-rules lpiPending). */
export type LpiPendingSource = 'kvm latches' | 'redistributor' | 'memory';

export interface LpiView {
  intid: number;
  /** The configuration byte in the property table (null: that address is not RAM). */
  memory: number | null;
  /** The configuration byte the redistributor acts on now. */
  effective: number;
  /** Where `effective` comes from for this LPI. */
  configFrom: LpiConfigSource;
  /** Memory and the redistributor disagree: an INV (or INVALL) would change what happens. */
  differs: boolean;
  /** Of the effective configuration. */
  enabled: boolean;
  priority: number;
  pending: boolean;
  /** kvm: a struct vgic_irq exists for it (some event maps it), and the PE it targets (-1: none). */
  mapped?: boolean;
  target?: number;
  /** spec: the redistributor's configuration cache holds it. */
  cached?: boolean;
}

export interface RedistributorView {
  ok: true;
  cpu: number;
  ctlr: DecodedRegister & { enableLpis: boolean; rwp: boolean };
  waker: DecodedRegister & { processorSleep: boolean; childrenAsleep: boolean };
  propbaser: DecodedRegister & {
    /** Physical address of the LPI property table. */
    base: number;
    idBits: number;
    /** One past the largest LPI INTID the table covers (at most 2^16 in this model). */
    lpiLimit: number;
    /** Bytes of the table: one per LPI from 8192 up to lpiLimit. */
    bytes: number;
    /** kvm: one GICR_PROPBASER for the whole VM. */
    shared: boolean;
  };
  pendbaser: DecodedRegister & {
    base: number;
    /** Bytes of the pending table: one bit per INTID up to lpiLimit (the first KiB is reserved). */
    bytes: number;
    /** PTZ as software last wrote it (it reads as 0 except in QEMU): read at the next EnableLPIs. */
    ptz: boolean;
  };
  configHeldIn: LpiConfigSource;
  pendingHeldIn: LpiPendingSource;
  /** spec: entries in the configuration cache. */
  cacheEntries?: number;
  /** qemu: the cached highest-priority pending LPI (null: none). */
  hpplpi?: { intid: number; priority: number } | null;
  /** Pending, mapped (kvm), cached (spec) or configured (non-zero byte in memory), by INTID. */
  lpis: LpiView[];
  /** How many of `lpis` differ between memory and the redistributor. */
  differing: number;
  capped: boolean;
}

const CONFIG_SOURCE: Record<GicMachine['gicRules']['lpiConfig'], LpiConfigSource> = {
  'captured-at-map': 'kvm LPI copy',
  'redistributor-cache': 'spec cache',
  'hpplpi-rescan': 'memory',
};
const PENDING_SOURCE: Record<GicMachine['gicRules']['lpiPending'], LpiPendingSource> = {
  latch: 'kvm latches',
  redistributor: 'redistributor',
  'pending-table': 'memory',
};

/** INTIDs whose byte in the property table of `cpu` is not zero. */
function configuredLpis(m: GicMachine, cpu: number, into: Set<number>): void {
  const base = propTableBase(m, cpu);
  const len = Math.max(0, lpiLimit(m, cpu) - FIRST_LPI);
  const end = base + len;
  for (const pn of writtenPages(m, base, len)) {
    const from = Math.max(base, pn * PAGE_SIZE);
    const to = Math.min(end, pn * PAGE_SIZE + PAGE_SIZE);
    for (let a = from; a < to; a++) if (memReadU8(m.s.mem, a) !== 0) into.add(FIRST_LPI + (a - base));
  }
}

/** Redistributor `cpu`: its LPI registers and the LPIs worth showing, memory beside what it acts on. */
export function inspectRedistributor(m: GicMachine, cpu: number): RedistributorView | InspectError {
  const bad = checkCpu(m, cpu);
  if (bad) return bad;
  const gic = m.s.gic;
  const rd = gic.rd[cpu]!;
  const rules = m.gicRules;
  const ctlr = decodeByName(m, cpu, GICR_REGISTERS, 'GICR_CTLR');
  const ctlrV = Number(BigInt(ctlr.value));
  const waker = decodeByName(m, cpu, GICR_REGISTERS, 'GICR_WAKER');
  const wakerV = Number(BigInt(waker.value));
  const prop = decodeByName(m, cpu, GICR_REGISTERS, 'GICR_PROPBASER');
  const pend = decodeByName(m, cpu, GICR_REGISTERS, 'GICR_PENDBASER');
  const limit = lpiLimit(m, cpu);

  const ids = new Set<number>(pendingLpis(m, cpu));
  if (rules.lpiConfig === 'captured-at-map')
    for (const [intid, l] of gic.lpis) if (l.target === cpu) ids.add(intid);
  if (rules.lpiConfig === 'redistributor-cache') for (const intid of rd.lpiConfig.keys()) ids.add(intid);
  configuredLpis(m, cpu, ids);
  const sorted = [...ids].sort((a, b) => a - b);
  const capped = sorted.length > INSPECT_ROWS;

  let differing = 0;
  const lpis = sorted.slice(0, INSPECT_ROWS).map((intid): LpiView => {
    const memory = readConfigByte(m, cpu, intid) ?? null;
    const effective = effectiveConfig(m, cpu, intid);
    const l = gic.lpis.get(intid);
    const held =
      rules.lpiConfig === 'captured-at-map'
        ? l !== undefined
        : rules.lpiConfig === 'redistributor-cache'
          ? rd.lpiConfig.has(intid)
          : false;
    const differs = memory !== null && memory !== effective;
    if (differs) differing++;
    const row: LpiView = {
      intid,
      memory,
      effective,
      configFrom: held ? CONFIG_SOURCE[rules.lpiConfig] : 'memory',
      differs,
      enabled: configEnabled(effective),
      priority: configPriority(effective),
      pending: lpiIsPending(m, cpu, intid),
    };
    if (rules.lpiConfig === 'captured-at-map') {
      row.mapped = l !== undefined;
      row.target = l ? l.target : -1;
    }
    if (rules.lpiConfig === 'redistributor-cache') row.cached = held;
    return row;
  });

  const view: RedistributorView = {
    ok: true,
    cpu,
    ctlr: { ...ctlr, enableLpis: (ctlrV & 1) === 1, rwp: ((ctlrV >> 3) & 1) === 1 },
    waker: { ...waker, processorSleep: ((wakerV >> 1) & 1) === 1, childrenAsleep: ((wakerV >> 2) & 1) === 1 },
    propbaser: {
      ...prop,
      base: propTableBase(m, cpu),
      idBits: Number(propbaserOf(m, cpu) & 0x1fn),
      lpiLimit: limit,
      bytes: Math.max(0, limit - FIRST_LPI),
      shared: rules.propbaserScope === 'shared',
    },
    pendbaser: {
      ...pend,
      base: pendTableBase(m, cpu),
      bytes: limit / 8,
      ptz: ((rd.pendbaser >> 62n) & 1n) === 1n,
    },
    configHeldIn: CONFIG_SOURCE[rules.lpiConfig],
    pendingHeldIn: PENDING_SOURCE[rules.lpiPending],
    lpis,
    differing,
    capped,
  };
  if (rules.lpiConfig === 'redistributor-cache') view.cacheEntries = rd.lpiConfig.size;
  if (rules.lpiPending === 'pending-table')
    view.hpplpi = rd.hpplpi.prio === 0xff ? null : { intid: rd.hpplpi.intid, priority: rd.hpplpi.prio };
  return view;
}

// ---------------------------------------------------------------- distributor

export interface SpiView {
  intid: number;
  enabled: boolean;
  pending: boolean;
  active: boolean;
  state: IrqState;
  priority: number;
  group: number;
  trigger: 'edge' | 'level';
  /** The input line's level (level-sensitive SPIs are pending while it is high). */
  line: boolean;
  /** GICD_IROUTER<n> as stored. */
  irouter: string;
  routing: 'targeted' | '1-of-N';
  /** The PE it goes to (-1: no PE has that affinity, or a 1-of-N SPI not chosen yet). */
  target: number;
}

export interface DistributorView {
  ok: true;
  ctlr: DecodedRegister & { enableGrp0: boolean; enableGrp1: boolean; are: boolean; ds: boolean };
  /** kvm: EnableGrp1 alone gates both groups. */
  singleEnable: boolean;
  typer: DecodedRegister & { spis: number; lpis: boolean; idBits: number };
  /** SPIs that are enabled, pending or active, by INTID. */
  spis: SpiView[];
}

/** The distributor: GICD_CTLR and GICD_TYPER decoded, and the SPIs that are enabled, pending or active. */
export function inspectDistributor(m: GicMachine): DistributorView {
  const d = m.s.gic.dist;
  const spi = d.spi;
  const ctlr = decodeByName(m, null, GICD_REGISTERS, 'GICD_CTLR');
  const c = Number(BigInt(ctlr.value));
  const typer = decodeByName(m, null, GICD_REGISTERS, 'GICD_TYPER');
  const t = Number(BigInt(typer.value));
  const spis: SpiView[] = [];
  for (let i = 0; i < spi.count; i++) {
    const enabled = spi.enabled[i] === 1;
    const pending = irqPending(spi, i);
    const active = spi.active[i] === 1;
    if (!enabled && !pending && !active) continue;
    spis.push({
      intid: 32 + i,
      enabled,
      pending,
      active,
      state: stateOf(pending, active),
      priority: spi.priority[i]!,
      group: spi.group[i]!,
      trigger: spi.edge[i] ? 'edge' : 'level',
      line: spi.line[i] === 1,
      irouter: hexOf((BigInt(d.irouterHi[i]!) << 32n) | BigInt(d.irouterLo[i]!)),
      routing: irouterIrm(m, i) ? '1-of-N' : 'targeted',
      target: spiTarget(m, i),
    });
  }
  return {
    ok: true,
    ctlr: {
      ...ctlr,
      enableGrp0: (c & 1) === 1,
      enableGrp1: ((c >> 1) & 1) === 1,
      are: ((c >> 4) & 1) === 1,
      ds: ((c >> 6) & 1) === 1,
    },
    singleEnable: m.gicRules.singleDistributorEnable,
    typer: {
      ...typer,
      spis: spi.count,
      lpis: ((t >> 17) & 1) === 1,
      idBits: ((t >> 19) & 0x1f) + 1,
    },
    spis,
  };
}
