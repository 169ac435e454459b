/**
 * What the stage shows at a position, derived from the machine's state there and from the event
 * that led to it, never invented: an MSI inside the ITS is a translation task waiting in the
 * model's queue (its stage says which table it is about to read), an LPI on its way to a
 * redistributor is a queued request, and the place each token sits is where that work happens.
 * The last event's places are the focus (what lights up).
 *
 * Interrupts that have arrived are read from the CPU interface inspection: pending ones wait at
 * their redistributor (an SPI at the distributor), the one the CPU interface signals sits at the
 * CPU interface, an active one is with its PE.
 *
 * Token ids follow an interrupt through its life: it is named after the event that started it (the
 * device's write, the INT command, the SGI register write), so a view can move it from the ITS to
 * the redistributor to the CPU instead of drawing a new one at each place.
 */

import { inspectCpu, inspectIts, type Machine, type SimEvent } from '../../engine';
import type { Focus, Place, StageCpu, StageIts, StageModel, Token } from './api';
import { itsEntryOf } from './its-focus';
import { markVpes, v4Focus, v4Tokens } from './v4-stage';
import { markLoaded, vmFocus, vmSummaries, vmTokens } from './vm-stage';

interface Task {
  k: string;
  cause: number;
  a: unknown;
}

interface TranslateArgs {
  its: number;
  devid: number;
  eventid: number;
  stage: 'arrive' | 'cache' | 'dte' | 'ite' | 'vte' | 'cte';
}

interface LpiArgs {
  cpu: number;
  intid: number;
  set: boolean;
}

type ItsPartName = NonNullable<Extract<Place, { node: 'its' }>['part']>;

const STAGE_PART: Record<TranslateArgs['stage'], ItsPartName> = {
  arrive: 'translater',
  cache: 'cache',
  dte: 'dt',
  ite: 'itt',
  vte: 'vt',
  cte: 'ct',
};

/** The event that started the chain `seq` belongs to (a device write, a command, a register write). */
function origin(m: Machine, seq: number): number {
  let s = seq;
  for (let guard = 0; guard < 10_000; guard++) {
    const k = m.log.kindAt(s);
    if (k === 'pci.msi' || k === 'its.cmd') return s;
    const c = m.log.causeAt(s);
    if (c < 0) return s;
    s = c;
  }
  return s;
}

/**
 * Where a queued piece of work sits: at the place of the event that queued it (the step the
 * learner just saw), so the token and the highlight agree; the task's own stage says where it is
 * going next and stands in when that event is not one of the ITS's.
 */
const AFTER: Record<string, ItsPartName | undefined> = {
  'pci.msi': 'translater',
  'its.translater': 'translater',
  'its.cache': 'cache',
  'its.dte': 'dt',
  'its.ite': 'itt',
  'its.cte': 'ct',
  'its.vte': 'vt',
  'its.cmd': 'queue',
};

function inFlight(m: Machine): Token[] {
  const tokens: Token[] = [];
  for (const task of m.s.core.queue.heap as Task[]) {
    const after = AFTER[m.log.kindAt(task.cause) ?? ''];
    if (task.k === 'its.translate') {
      const a = task.a as TranslateArgs;
      tokens.push({
        id: `t${origin(m, task.cause)}`,
        kind: 'msi',
        label: `MSI ${a.devid}/${a.eventid}`,
        at: { node: 'its', its: a.its, part: after ?? STAGE_PART[a.stage] },
        state: 'travelling',
      });
    } else if (task.k === 'gicr.lpi') {
      const a = task.a as LpiArgs;
      if (!a.set) continue;
      const its = m.log.get(task.cause)?.its ?? 0;
      // A GICv4 doorbell on its way is a host LPI of its own, beside the vLPI that rang it.
      const db = m.log.kindAt(task.cause) === 'gicr.doorbell';
      tokens.push({
        id: `${db ? 'db' : 't'}${origin(m, task.cause)}`,
        kind: 'lpi',
        label: `LPI ${a.intid}`,
        intid: a.intid,
        // Leaving the ITS for the redistributor: still at the collection table (or the command
        // queue, for INT), until the redistributor takes it.
        at: after ? { node: 'its', its, part: after } : { node: 'rd', cpu: a.cpu },
        state: 'travelling',
      });
    }
  }
  return tokens;
}

/** How far back the log is searched for the event that made an interrupt pending. */
const ORIGIN_SCAN = 5000;

/** The token id of an interrupt pending or active at `cpu`: named after what made it pending. */
function arrivedId(m: Machine, position: number, cpu: number, intid: number): string {
  const log = m.log;
  for (let seq = position - 1; seq >= Math.max(0, position - ORIGIN_SCAN); seq--) {
    const k = log.kindAt(seq);
    if (k !== 'gicr.lpi.pending' && k !== 'gicr.sgi') continue;
    const e = log.get(seq)!;
    if (e.intid !== intid || e.cpu !== cpu) continue;
    // A GICv4 doorbell is a host LPI of its own, beside the vLPI that rang it (same origin).
    const via = (e.data as { via?: unknown } | undefined)?.via;
    return `${via === 'doorbell' ? 'db' : 't'}${origin(m, seq)}`;
  }
  return `irq${cpu}:${intid}`;
}

const KIND: Record<string, Token['kind']> = { SGI: 'sgi', PPI: 'ppi', SPI: 'spi', LPI: 'lpi' };

function arrived(m: Machine, position: number, moving: Set<string>): Token[] {
  const tokens: Token[] = [];
  for (let cpu = 0; cpu < m.s.gic.cpu.length; cpu++) {
    const v = inspectCpu(m, cpu);
    if (!v.ok) continue;
    for (const irq of v.interrupts) {
      const id = arrivedId(m, position, cpu, irq.intid);
      // Still on its way (a queued request): the in-flight token stands for it.
      if (moving.has(id)) continue;
      const active = irq.state !== 'pending';
      const signalled = !active && v.hppi?.intid === irq.intid && v.irq;
      const at: Place = active
        ? { node: 'cpu', cpu }
        : signalled
          ? { node: 'cpuif', cpu }
          : irq.kind === 'SPI'
            ? { node: 'dist' }
            : { node: 'rd', cpu };
      tokens.push({
        id,
        kind: KIND[irq.kind]!,
        label: `${irq.kind} ${irq.intid}`,
        intid: irq.intid,
        at,
        state: irq.state === 'active and pending' ? 'active+pending' : irq.state,
      });
    }
  }
  return tokens;
}

const ITS_PART: Record<string, 'translater' | 'cache' | 'dt' | 'itt' | 'ct' | 'vt'> = {
  'its.translater': 'translater',
  'its.cache': 'cache',
  'its.dte': 'dt',
  'its.ite': 'itt',
  'its.cte': 'ct',
  'its.vte': 'vt',
};

const TOUCH_TABLE: Record<string, 'dt' | 'itt' | 'ct' | 'vt' | undefined> = {
  device: 'dt',
  itt: 'itt',
  collection: 'ct',
  vpe: 'vt',
};

/** Where event `e` happened, and the entry or register it was about. */
export function focusOf(e: SimEvent): Focus {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const focus: Focus = { seq: e.seq, kind: e.kind, places: [] };
  const its = e.its ?? 0;
  const family = e.kind.split('.')[0];
  if (e.kind === 'pci.msi') {
    focus.places.push({ node: 'device', name: typeof d.device === 'string' ? d.device : '' });
    if (e.its !== undefined) focus.places.push({ node: 'its', its, part: 'translater' });
  } else if (ITS_PART[e.kind]) {
    focus.places.push({ node: 'its', its, part: ITS_PART[e.kind]! });
    const entry = itsEntryOf(e);
    if (entry) focus.entry = entry;
  } else if (e.kind === 'its.cmd') {
    focus.places.push({ node: 'its', its, part: 'queue' });
    focus.entry = itsEntryOf(e);
    // The table entries the command read or wrote light up too.
    for (const t of (d.touches as { table: string; id?: number }[] | undefined) ?? []) {
      const table = TOUCH_TABLE[t.table];
      if (table && !focus.places.some((p) => p.node === 'its' && p.part === table))
        focus.places.push({ node: 'its', its, part: table });
    }
  } else if (family === 'its') {
    focus.places.push({ node: 'its', its, part: 'translater' });
  } else if (family === 'gicr') {
    focus.places.push({ node: 'rd', cpu: e.cpu ?? 0 });
  } else if (family === 'gic' || family === 'icc') {
    focus.places.push({ node: 'cpuif', cpu: e.cpu ?? 0 });
  } else if (family === 'pe' || family === 'sw') {
    focus.places.push({ node: 'cpu', cpu: e.cpu ?? 0 });
  } else if (family === 'gicd') {
    focus.places.push({ node: 'dist' });
  } else if (family === 'mem') {
    focus.places.push({ node: 'memory' });
  } else if (family === 'mmio') {
    const place: Place | undefined = e.unit.startsWith('gicr')
      ? { node: 'rd', cpu: Number(e.unit.slice(4)) }
      : e.unit.startsWith('its')
        ? itsRegisterPlace(Number(e.unit.slice(3)), typeof d.reg === 'string' ? d.reg : '')
        : e.unit === 'gicd'
          ? { node: 'dist' }
          : undefined;
    if (place) focus.places.push(place);
  }
  if (typeof d.reg === 'string') focus.reg = d.reg;
  return focus;
}

/**
 * Where on the ITS a register access lands: the command queue's registers at the queue, the table
 * registers at their table, GITS_TRANSLATER at the translater, the rest (CTLR, TYPER, IIDR...) at
 * the ITS as a whole.
 */
function itsRegisterPlace(its: number, reg: string): Place {
  if (/^GITS_(CBASER|CWRITER|CREADR)/.test(reg)) return { node: 'its', its, part: 'queue' };
  if (reg.startsWith('GITS_TRANSLATER')) return { node: 'its', its, part: 'translater' };
  // GITS_BASER0 holds the device table and GITS_BASER1 the collection table in every profile
  // modelled (their Type fields say so; KVM and QEMU fix them).
  if (reg.startsWith('GITS_BASER0')) return { node: 'its', its, part: 'dt' };
  if (reg.startsWith('GITS_BASER1')) return { node: 'its', its, part: 'ct' };
  return { node: 'its', its };
}

function cpus(m: Machine): StageCpu[] {
  return m.s.gic.cpu.map((_, index) => {
    const v = inspectCpu(m, index);
    if (!v.ok) throw new Error(v.error);
    return {
      index,
      irq: v.irq,
      fiq: v.fiq,
      hppi: v.hppi?.intid ?? 1023,
      hppiPrio: v.hppi?.priority ?? 0xff,
      rpr: v.runningPriority,
      depth: m.s.sw[index]?.depth ?? 0,
    };
  });
}

function itsSummary(m: Machine): StageIts[] {
  return m.s.its.map((_, index) => {
    const v = inspectIts(m, index);
    if (!v.ok) throw new Error(v.error);
    const q = v.queue;
    return {
      index,
      enabled: v.ctlr.enabled,
      waiting: q.waiting,
      stalled: v.creadr.stalled,
      creadrSlot: q.readSlot,
      cwriterSlot: q.writeSlot,
      slots: q.slots,
    };
  });
}

export function stageModel(m: Machine, position: number, last: SimEvent | undefined): StageModel {
  const moving = inFlight(m);
  const ids = new Set(moving.map((t) => t.id));
  const tokens = [...moving, ...arrived(m, position, ids), ...vmTokens(m, position)];
  tokens.push(...v4Tokens(m, position, new Set(tokens.map((t) => t.id))));
  const pcpus = cpus(m);
  markLoaded(m, pcpus);
  const vms = vmSummaries(m);
  markVpes(m, pcpus, vms);
  return {
    position,
    tokens,
    ...(last ? { focus: v4Focus(m, last) ?? vmFocus(m, last) ?? focusOf(last) } : {}),
    cpus: pcpus,
    its: itsSummary(m),
    ...(vms ? { vms } : {}),
  };
}
