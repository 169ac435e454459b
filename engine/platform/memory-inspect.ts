/**
 * The memory inspector: a map of the structures the GIC and the ITSs keep in guest RAM, and a hex
 * view of any range with those structures (and the entries in them) named.
 *
 * The structures are found the way the hardware finds them: each ITS's command queue from
 * GITS_CBASER, its tables from GITS_BASER<n> (a two-level table's level-1 table and every level-2
 * page a valid level-1 entry points at), each mapped device's ITT from its DTE (or, under the kvm
 * profile, from KVM's device list), and each redistributor's LPI property and pending tables from
 * GICR_PROPBASER / GICR_PENDBASER. The entries named in a range come from the ITS views
 * (its-inspect.ts), so they carry the same `source`: under 'kvm lists' an entry's address is where
 * KVM would write it when saving the tables, and memory may hold something else there until then.
 *
 * The machine is any ITS machine: the host, or a VM's context (engine/kvm/vm-context.ts), whose
 * memory is the guest's RAM and whose ITSs are the virtual ITSs KVM emulates for it. The LPI tables
 * are passed in because only the caller knows whose redistributors point at them: the host's by
 * default (hostLpiTables), the vgic's for a guest (kvm/guest-inspect.ts guestMemoryMap).
 *
 * Read-only like every inspector: bytes are read without creating pages, nothing is emitted.
 */

import { FIRST_LPI, isGicV4, isGicV41 } from '../gic/gic-config';
import { vpropBits, vpropTable } from '../gic/vlpi';
import type { InspectError } from '../gic/gic-inspect';
import type { GicMachine } from '../gic/gic-machine';
import { lpiLimit, pendTableBase, propTableBase } from '../gic/lpi';
import { memReadU8, memVisible, memVisiblePrefix } from '../mem/memory';
import { queueGeometry } from '../its/command-queue';
import {
  baserTypeName,
  collections,
  devices,
  itt,
  queueSlots,
  vpes,
  type ItsCollectionsView,
  type ItsDevicesView,
  type ItsSource,
} from '../its/its-inspect';
import type { ItsMachine } from '../its/its-machine';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, BASER_TYPE_VPE } from '../its/its-state';
import { findTable } from '../its/tables';
import { entryBytes } from '../its/table-formats';
import { unitName } from '../sim/unit-names';

/** Most bytes one readMemory call returns. */
export const MEMORY_WINDOW = 4096;

export type StructureKind =
  | 'its-command-queue'
  | 'its-device-table'
  | 'its-device-l1'
  | 'its-device-l2'
  | 'its-collection-table'
  | 'its-collection-l1'
  | 'its-collection-l2'
  | 'its-table'
  | 'its-itt'
  | 'lpi-property-table'
  | 'lpi-pending-table';

export interface MemoryStructure {
  name: string;
  kind: StructureKind;
  base: number;
  size: number;
  /**
   * The units it belongs to: 'its0' (a VM's virtual ITS: 'vm0.its0'), or the redistributors
   * sharing it ('rd0 rd1'; a guest's: 'vm0.vcpu0 vm0.vcpu1').
   */
  owner: string;
  /** DeviceID of an ITT; level-1 index of a level-2 page. */
  id?: number;
  /** ITS tables: where the ITS keeps what the table holds (see its-inspect.ts). */
  source?: ItsSource;
  note?: string;
}

export interface MemoryMapView {
  ok: true;
  ram: { name: string; base: number; size: number }[];
  /** By base address. Structures whose base is not RAM (registers still at reset) are left out. */
  structures: MemoryStructure[];
  /** Some ITS view was capped: not every ITT or level-2 page is listed. */
  capped: boolean;
}

/**
 * An LPI table a redistributor points at: the property table of GICR_PROPBASER, or the pending
 * table of GICR_PENDBASER. Several redistributors pointing at one table make one structure.
 */
export interface LpiTableRef {
  kind: 'lpi-property-table' | 'lpi-pending-table';
  base: number;
  /** Bytes; 0 leaves the table out. */
  size: number;
  /** The redistributor: 'rd0', or a guest's 'vm0.vcpu1'. */
  owner: string;
  note: string;
}

/** The LPI tables the host's redistributors point at (the profile says whether PROPBASER is shared). */
export function hostLpiTables(m: GicMachine): LpiTableRef[] {
  return m.s.gic.rd.flatMap((_, cpu): LpiTableRef[] => {
    const limit = lpiLimit(m, cpu);
    const owner = `rd${cpu}`;
    return [
      {
        kind: 'lpi-property-table',
        base: propTableBase(m, cpu),
        size: limit - FIRST_LPI,
        owner,
        note: `byte n configures LPI ${FIRST_LPI} + n (INTIDs below ${limit})`,
      },
      {
        kind: 'lpi-pending-table',
        base: pendTableBase(m, cpu),
        size: limit / 8,
        owner,
        note: 'bit n is INTID n; the first KiB (INTIDs below 8192) is reserved',
      },
    ];
  });
}

interface ItsParts {
  index: number;
  devs?: ItsDevicesView;
  cols?: ItsCollectionsView;
}

function itsParts(m: ItsMachine): ItsParts[] {
  return m.s.its.map((_, index) => {
    const d = devices(m, index);
    const c = collections(m, index);
    return { index, ...(d.ok ? { devs: d } : {}), ...(c.ok ? { cols: c } : {}) };
  });
}

/** What ITS `index` is called in names and owners: 'its0', or a virtual ITS's 'vm0.its0'. */
const itsName = (m: ItsMachine, index: number): string => unitName(m.itsUnit(index));

function tableStructures(
  owner: string,
  view: ItsDevicesView | ItsCollectionsView | undefined,
  what: 'device' | 'collection',
  out: MemoryStructure[],
): void {
  const t = view?.table;
  if (!view || !t || !t.valid) return;
  const source = view.source;
  if (!t.indirect) {
    out.push({
      name: `${owner} ${what} table`,
      kind: `its-${what}-table`,
      base: t.base,
      size: t.bytes,
      owner,
      source,
    });
    return;
  }
  out.push({
    name: `${owner} ${what} table, level 1`,
    kind: `its-${what}-l1`,
    base: t.base,
    size: t.bytes,
    owner,
    source,
  });
  for (const e of view.level1 ?? []) {
    if (e.l2 === undefined) continue;
    out.push({
      name: `${owner} ${what} table, level-2 page of level-1 entry ${e.index}`,
      kind: `its-${what}-l2`,
      base: e.l2,
      size: t.level2PageSize ?? t.pageSize,
      owner,
      id: e.index,
      source,
      note: `IDs ${e.firstId} to ${e.firstId + e.ids - 1}`,
    });
  }
}

function collectStructures(
  m: ItsMachine,
  parts: ItsParts[],
  lpi: readonly LpiTableRef[],
): { list: MemoryStructure[]; capped: boolean } {
  const out: MemoryStructure[] = [];
  let capped = false;
  for (const p of parts) {
    const its = m.s.its[p.index]!;
    const owner = itsName(m, p.index);
    const q = queueGeometry(its);
    if (q.valid)
      out.push({
        name: `${owner} command queue`,
        kind: 'its-command-queue',
        base: q.base,
        size: q.size,
        owner,
        note: `${q.size / 32} slots of 32 bytes`,
      });
    tableStructures(owner, p.devs, 'device', out);
    tableStructures(owner, p.cols, 'collection', out);
    for (const g of its.geom)
      if (g.valid && g.type !== BASER_TYPE_DEVICE && g.type !== BASER_TYPE_COLLECTION && g.type !== 0)
        out.push({
          name: `${owner} GITS_BASER${g.n} table (${baserTypeName(g.type)})`,
          kind: 'its-table',
          base: g.base,
          size: g.pages * g.pageSize,
          owner,
        });
    if (p.devs) {
      capped ||= p.devs.capped;
      // KVM's lists hold ITEs of 8 bytes (ABI revision 0); the tables in memory use the profile's format.
      const ite = p.devs.source === 'kvm lists' ? 8 : entryBytes(m.itsRules.tableFormat, 'ite');
      for (const d of p.devs.devices)
        out.push({
          name: `${owner} ITT of DeviceID ${d.devid}`,
          kind: 'its-itt',
          base: d.itt,
          size: 2 ** d.eventIdBits * ite,
          owner,
          id: d.devid,
          source: p.devs.source,
          note: `${2 ** d.eventIdBits} events of ${ite} bytes`,
        });
    }
    if (p.cols) capped ||= p.cols.capped;
    // GICv4: each mapped vPE's virtual pending table, as the ITS's vPE table names it.
    const v =
      m.itsRules.state === 'tables-in-memory' && findTable(its, BASER_TYPE_VPE)?.valid
        ? vpes(m, p.index)
        : undefined;
    if (v && v.ok) {
      capped ||= v.capped;
      for (const e of v.vpes)
        out.push({
          name: `virtual pending table of vPE ${e.vpeid}`,
          kind: 'lpi-pending-table',
          base: e.vpt,
          size: 2 ** e.vptBits / 8,
          owner: `vPE ${e.vpeid}`,
          id: e.vpeid,
          note:
            `bit n is vINTID n (the first KiB is the implementation's); ` +
            (e.residentOn.length ? `resident on redistributor ${e.residentOn.join(', ')}` : 'not resident'),
        });
    }
  }
  // GICv4.0: the vLPI configuration table each redistributor's GICR_VPROPBASER names (v4.1 keeps
  // it in the GIC's vPE configuration, from VMAPP).
  // (A VM's context has no GIC of its own; KVM's profile has no GICv4 anyway.)
  if (m.profile !== 'kvm' && isGicV4(m.s.gic.cfg) && !isGicV41(m.s.gic.cfg))
    m.s.gic.rd.forEach((rd, cpu) => {
      if (rd.vpropbaser === 0n) return;
      const base = vpropTable(rd.vpropbaser);
      if (base === 0 || out.some((x) => x.base === base && x.kind === 'lpi-property-table')) return;
      out.push({
        name: `vLPI property table (GICR_VPROPBASER of rd${cpu})`,
        kind: 'lpi-property-table',
        base,
        size: 2 ** vpropBits(rd.vpropbaser) - FIRST_LPI,
        owner: `rd${cpu}`,
        note: `byte n configures vLPI ${FIRST_LPI} + n of the vPEs resident with this table`,
      });
    });
  // LPI tables, one structure per distinct table (KVM's property table is shared by every PE).
  const lpiTables = new Map<string, MemoryStructure>();
  for (const { kind, base, size, owner, note } of lpi) {
    if (size <= 0 || !memVisible(m.s.mem, base, 1)) continue;
    const key = `${kind}:${base}:${size}`;
    const have = lpiTables.get(key);
    if (have) {
      have.owner += ` ${owner}`;
      continue;
    }
    lpiTables.set(key, {
      name: kind === 'lpi-property-table' ? 'LPI property table' : 'LPI pending table',
      kind,
      base,
      size,
      owner,
      note,
    });
  }
  for (const s of lpiTables.values()) {
    s.name += ` of ${s.owner.split(' ').join(', ')}`;
    out.push(s);
  }
  out.sort((a, b) => a.base - b.base || a.size - b.size);
  return { list: out.filter((s) => memVisible(m.s.mem, s.base, 1)), capped };
}

/**
 * The known structures in the machine's memory. `lpi`: the LPI tables to name (default: the host
 * redistributors'; a VM's context has no redistributors of its own, see guestMemoryMap).
 */
export function memoryMap(m: ItsMachine, lpi: readonly LpiTableRef[] = hostLpiTables(m)): MemoryMapView {
  const { list, capped } = collectStructures(m, itsParts(m), lpi);
  return {
    ok: true,
    ram: m.s.mem.regions.map((r) => ({ name: r.name, base: r.base, size: r.size })),
    structures: list,
    capped,
  };
}

export interface MemoryEntry {
  addr: number;
  size: number;
  kind: 'command' | 'dte' | 'ite' | 'cte' | 'l1';
  label: string;
  source: ItsSource;
}

export interface MemoryDump {
  ok: true;
  addr: number;
  /** Bytes returned (at most MEMORY_WINDOW); `requested` is what was asked. */
  len: number;
  requested: number;
  capped: boolean;
  /** One number 0..255 per byte; bytes outside RAM read as 0 (see `ram`). */
  bytes: number[];
  /** The parts of the range that are RAM. */
  ram: { addr: number; len: number }[];
  /** Structures overlapping the range. */
  structures: MemoryStructure[];
  /** Table entries and queue slots in the range, by address. */
  entries: MemoryEntry[];
}

/** Labels of entries KVM keeps in its lists say that memory holds them only after a save. */
const fromLists = (source: ItsSource): string =>
  source === 'kvm lists' ? " (KVM's lists: written here when the tables are saved)" : '';

const overlaps = (a: number, alen: number, b: number, blen: number): boolean => a < b + blen && b < a + alen;
const hex = (n: number): string => '0x' + n.toString(16);

function ramSpans(m: ItsMachine, addr: number, len: number): { addr: number; len: number }[] {
  const out: { addr: number; len: number }[] = [];
  const end = addr + len;
  let a = addr;
  while (a < end) {
    const n = memVisiblePrefix(m.s.mem, a, end - a);
    if (n > 0) {
      const last = out[out.length - 1];
      if (last && last.addr + last.len === a) last.len += n;
      else out.push({ addr: a, len: n });
      a += n;
      continue;
    }
    // Not RAM here: skip to the next region that starts inside the range.
    let next = end;
    for (const r of m.s.mem.regions) if (r.base > a && r.base < next) next = r.base;
    a = next;
  }
  return out;
}

function entriesIn(m: ItsMachine, parts: ItsParts[], addr: number, len: number): MemoryEntry[] {
  const out: MemoryEntry[] = [];
  for (const p of parts) {
    const its = m.s.its[p.index]!;
    const name = itsName(m, p.index);
    const q = queueGeometry(its);
    if (q.valid && overlaps(addr, len, q.base, q.size)) {
      const first = Math.floor((Math.max(addr, q.base) - q.base) / 32);
      const last = Math.floor((Math.min(addr + len, q.base + q.size) - 1 - q.base) / 32);
      const w = queueSlots(m, p.index, first, last - first + 1);
      if (w.ok)
        for (const s of w.window)
          if (!s.empty)
            out.push({
              addr: s.addr,
              size: 32,
              kind: 'command',
              label: `${name} queue slot ${s.slot} (${s.state}): ${s.text}`,
              source: 'memory',
            });
    }
    const devs = p.devs;
    if (devs) {
      for (const e of devs.level1 ?? [])
        if (overlaps(addr, len, e.addr, 8))
          out.push({
            addr: e.addr,
            size: 8,
            kind: 'l1',
            label: `${name} device table level-1 entry ${e.index}: ${e.l2 !== undefined ? `level-2 page ${hex(e.l2)}` : (e.problem ?? 'valid')}`,
            source: 'memory',
          });
      for (const d of devs.devices) {
        if (d.dte !== undefined && overlaps(addr, len, d.dte, 8))
          out.push({
            addr: d.dte,
            size: 8,
            kind: 'dte',
            label: `${name} DTE of DeviceID ${d.devid}: ITT ${hex(d.itt)}, ${d.eventIdBits} EventID bits${fromLists(devs.source)}`,
            source: devs.source,
          });
        const ite = devs.source === 'kvm lists' ? 8 : entryBytes(m.itsRules.tableFormat, 'ite');
        if (!overlaps(addr, len, d.itt, 2 ** d.eventIdBits * ite)) continue;
        const t = itt(m, p.index, d.devid);
        if (!t.ok) continue;
        for (const e of t.events)
          if (overlaps(addr, len, e.addr, t.entrySize))
            out.push({
              addr: e.addr,
              size: t.entrySize,
              kind: 'ite',
              label: `${name} ITE of DeviceID ${d.devid} EventID ${e.eventid}: LPI ${e.intid}, collection ${e.icid}${fromLists(t.source)}`,
              source: t.source,
            });
      }
    }
    const cols = p.cols;
    if (cols) {
      for (const e of cols.level1 ?? [])
        if (overlaps(addr, len, e.addr, 8))
          out.push({
            addr: e.addr,
            size: 8,
            kind: 'l1',
            label: `${name} collection table level-1 entry ${e.index}: ${e.l2 !== undefined ? `level-2 page ${hex(e.l2)}` : (e.problem ?? 'valid')}`,
            source: 'memory',
          });
      for (const c of cols.collections)
        if (c.addr !== undefined && overlaps(addr, len, c.addr, 8))
          out.push({
            addr: c.addr,
            size: 8,
            kind: 'cte',
            label: `${name} CTE of collection ${c.icid}: ${c.target >= 0 ? `PE ${c.target}` : 'no target'}${fromLists(cols.source)}`,
            source: cols.source,
          });
    }
  }
  out.sort((a, b) => a.addr - b.addr);
  return out;
}

/**
 * Up to MEMORY_WINDOW bytes of the machine's memory from `addr`, with the structures and the
 * entries in the range (`lpi` as for memoryMap). Reading is free of side effects: unwritten RAM and
 * addresses outside RAM read as 0.
 */
export function readMemory(
  m: ItsMachine,
  addr: number,
  len: number,
  lpi: readonly LpiTableRef[] = hostLpiTables(m),
): MemoryDump | InspectError {
  if (typeof addr !== 'number' || !Number.isSafeInteger(addr) || addr < 0)
    return { ok: false, error: `${String(addr)} is not a physical address` };
  if (typeof len !== 'number' || Number.isNaN(len) || len < 0)
    return { ok: false, error: `${String(len)} is not a length` };
  const want = Math.min(Math.floor(len), MEMORY_WINDOW);
  const n = Math.max(0, Math.min(want, Number.MAX_SAFE_INTEGER - addr));
  const bytes = Array.from({ length: n }, (_, i) => memReadU8(m.s.mem, addr + i));
  const parts = itsParts(m);
  const structures =
    n > 0 ? collectStructures(m, parts, lpi).list.filter((s) => overlaps(addr, n, s.base, s.size)) : [];
  return {
    ok: true,
    addr,
    len: n,
    requested: len,
    capped: n < Math.floor(len),
    bytes,
    ram: ramSpans(m, addr, n),
    structures,
    entries: n > 0 ? entriesIn(m, parts, addr, n) : [],
  };
}
