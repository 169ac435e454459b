/**
 * What the stage draws for a frame, decided without the DOM so it can be tested in Node: the text
 * and accessible name of every box, where each token sits, how tokens move between two frames
 * (enter / update / exit, each with the route it follows along the wires), which wires light up,
 * and how long a transition lasts. stage.ts only applies these to SVG elements.
 */

import type {
  Focus,
  MachineShape,
  StageCpu,
  StageIts,
  StageModel,
  StageVcpu,
  StageVm,
  Token,
  VcpuMode,
} from '../worker/api';
import {
  centre,
  nodeIdOf,
  type Point,
  type Rect,
  type StageLayout,
  type StageNode,
  type Wire,
} from './layout';

// ---- Text --------------------------------------------------------------------------------------

/** A conservative width of `text` in a proportional sans at `font` px (no DOM to measure with). */
export function textWidth(text: string, font: number): number {
  return text.length * font * 0.6;
}

/**
 * The first candidate that fits `width`, else the last one cut short with an ellipsis (unless
 * `cut` is false), else ''.
 */
export function fitText(candidates: readonly string[], width: number, font: number, cut = true): string {
  for (const c of candidates) if (textWidth(c, font) <= width) return c;
  if (!cut) return '';
  const last = candidates[candidates.length - 1] ?? '';
  const n = Math.floor(width / (font * 0.6)) - 1;
  return n >= 1 && last.length > 0 ? `${last.slice(0, n)}…` : '';
}

export const hex = (v: number, digits = 2): string => `0x${v.toString(16).padStart(digits, '0')}`;

/** PCI Requester ID as bus:device.function. */
export const bdf = (rid: number): string =>
  `${((rid >> 8) & 0xff).toString(16).padStart(2, '0')}:${((rid >> 3) & 0x1f).toString(16).padStart(2, '0')}.${rid & 7}`;

const PART_TITLES: Record<string, { full: string; names: string[] }> = {
  translater: {
    full: 'GITS_TRANSLATER, where MSIs arrive',
    names: ['GITS_TRANSLATER', 'TRANSLATER', 'TRANS', 'TR'],
  },
  cache: { full: 'translation cache', names: ['Cache', 'Cch', 'C$'] },
  dt: { full: 'Device Table', names: ['Device Table', 'DT'] },
  itt: { full: 'Interrupt Translation Tables', names: ['ITT'] },
  ct: { full: 'Collection Table', names: ['Collection Table', 'CT'] },
  vt: {
    full: 'vPE Table (GICv4): where a virtual ITE sends the walk',
    names: ['vPE Table', 'vPE T', 'VPET', 'VT'],
  },
  queue: { full: 'command queue', names: ['Command queue', 'Queue', 'CMDQ', 'Q'] },
};

export const STATE_MARK: Record<Token['state'], string> = {
  travelling: '→',
  pending: 'P',
  active: 'A',
  'active+pending': 'AP',
};

const STATE_WORDS: Record<Token['state'], string> = {
  travelling: 'travelling',
  pending: 'pending',
  active: 'active',
  'active+pending': 'active and pending',
};

/** The text of a focused table entry: 'DT[2]', 'ITT[20]', 'CT[3]', 'slot 6', 'cache 2/20'. */
export function entryText(entry: NonNullable<Focus['entry']>): string {
  switch (entry.table) {
    case 'dt':
      return `DT[${entry.id}]`;
    case 'itt':
      return `ITT[${entry.id}]`;
    case 'ct':
      return `CT[${entry.id}]`;
    case 'queue':
      return `slot ${entry.id}`;
    case 'cache':
      return entry.devid !== undefined ? `cache ${entry.devid}/${entry.id}` : `cache ${entry.id}`;
  }
}

export interface NodeView {
  id: string;
  /** Lines of text, already fitted to the box. */
  lines: string[];
  /** Accessible name (and tooltip): everything the box says, in words. */
  aria: string;
  focus: boolean;
  /** The entry or register the last event touched here, also the last line. */
  note?: string;
  /** Extra data-* attributes (without the prefix). */
  data: Record<string, string>;
}

interface Ctx {
  shape: MachineShape;
  stage: StageModel;
  focused: Set<string>;
  notes: Map<string, string>;
  tokensAt: Map<string, Token[]>;
  cpus: Map<number, StageCpu>;
  its: Map<number, StageIts>;
  vms: Map<number, StageVm>;
}

/** What a vCPU is doing, in words: long, then shorter. */
const MODE_WORDS: Record<VcpuMode, string[]> = {
  guest: ['in the guest', 'guest'],
  host: ["in KVM's run loop", 'in KVM', 'KVM'],
  blocked: ['blocked in WFI', 'blocked', 'WFI'],
  runnable: ['runnable, waiting for a pCPU', 'runnable', 'ready'],
  stopped: ['stopped', 'off'],
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The VM and vCPU a node id names ('vm0', 'vm0.vcpu1', 'vm0.vcpu1/lr', 'vm0/vgic'). */
function vmIds(id: string): { vm: number; vcpu: number } {
  const m = /^vm(\d+)(?:\.vcpu(\d+))?/.exec(id);
  return { vm: Number(m?.[1] ?? -1), vcpu: m?.[2] !== undefined ? Number(m[2]) : -1 };
}

function vcpuOf(
  ctx: Ctx,
  id: string,
): { vm?: StageVm; v?: StageVcpu; name: string; vm0: number; vcpu: number } {
  const { vm, vcpu } = vmIds(id);
  const sv = ctx.vms.get(vm);
  return { vm: sv, v: sv?.vcpus[vcpu], name: ctx.shape.vms?.[vm]?.name ?? `vm${vm}`, vm0: vm, vcpu };
}

/** Node ids of the focus's places, and the note each shows (an entry, else the register). */
export function focusOf(
  lay: StageLayout,
  focus: Focus | undefined,
): { ids: Set<string>; notes: Map<string, string> } {
  const ids = new Set<string>();
  const notes = new Map<string, string>();
  if (!focus) return { ids, notes };
  for (const p of focus.places) {
    const id = nodeIdOf(p);
    if (lay.byId.has(id)) ids.add(id);
  }
  if (focus.entry) {
    const part = focus.entry.table;
    const host = focus.places.find((p) => p.node === 'its' && p.part === part);
    if (host) notes.set(nodeIdOf(host), entryText(focus.entry));
  }
  const said = focus.note ?? focus.reg;
  if (said) {
    const first = [...ids].find((id) => !notes.has(id));
    if (first) notes.set(first, said);
  }
  return { ids, notes };
}

/** Fits each line's candidates to the node, keeping at most `node.lines` lines (the note last). */
function fitLines(node: StageNode, rows: string[][], note?: string): string[] {
  const width = (node.textW ?? node.w) - 2 * node.pad;
  const room = Math.max(node.lines, 0);
  const all = note ? [...rows.slice(0, Math.max(0, room - 1)), [note]] : rows.slice(0, room);
  return all.map((c) => fitText(c, width, node.font)).filter((l) => l.length > 0);
}

function tokensText(list: Token[] | undefined): string {
  if (!list?.length) return '';
  return `; holds ${list.map((t) => `${t.label} (${STATE_WORDS[t.state]})`).join(', ')}`;
}

function describe(node: StageNode, ctx: Ctx): NodeView {
  const focus = ctx.focused.has(node.id);
  const note = ctx.notes.get(node.id);
  const data: Record<string, string> = {};
  let rows: string[][] = [];
  let aria = '';
  let inlineNote = false;
  const here = ctx.tokensAt.get(node.id);
  switch (node.kind) {
    case 'device': {
      const d = ctx.shape.devices.find((x) => `device:${x.name}` === node.id);
      if (!d) break;
      data.devid = String(d.devid);
      aria = `PCI endpoint ${d.name}: Requester ID ${bdf(d.rid)}, DeviceID ${d.devid}, sends MSIs to ITS ${d.its}`;
      rows =
        node.lines >= 2
          ? [[d.name], [`DeviceID ${d.devid}`, `DevID ${d.devid}`, `ID ${d.devid}`, `${d.devid}`]]
          : [[`${d.name} · DevID ${d.devid}`, `${d.name} · ${d.devid}`, d.name]];
      break;
    }
    case 'its': {
      const i = Number(node.id.slice(3));
      const s = ctx.its.get(i);
      const base = ctx.shape.its.find((x) => x.index === i)?.base ?? 0;
      const on = s?.enabled ?? false;
      data.enabled = String(on);
      aria = `ITS ${i} at ${hex(base, 8)}: ${on ? 'enabled' : 'disabled'}`;
      rows = [
        [
          `ITS ${i} · ${hex(base, 8)} · ${on ? 'enabled' : 'disabled'}`,
          `ITS ${i} · ${on ? 'enabled' : 'disabled'}`,
          `ITS ${i} · ${on ? 'on' : 'off'}`,
          `ITS ${i}`,
          `${i}`,
        ],
      ];
      break;
    }
    case 'its-part': {
      if (node.place?.node !== 'its' || !node.place.part) break;
      const { its: i, part } = node.place;
      const t = PART_TITLES[part]!;
      if (part === 'queue') {
        const s = ctx.its.get(i);
        const waiting = s?.waiting ?? 0;
        data.waiting = String(waiting);
        data.stalled = String(s?.stalled ?? false);
        data.creadr = String(s?.creadrSlot ?? 0);
        data.cwriter = String(s?.cwriterSlot ?? 0);
        const r = s?.creadrSlot ?? 0;
        const w = s?.cwriterSlot ?? 0;
        aria =
          `ITS ${i} command queue: GITS_CREADR at slot ${r}, GITS_CWRITER at slot ${w} of ${s?.slots ?? 0}, ` +
          `${waiting} command${waiting === 1 ? '' : 's'} waiting${s?.stalled ? ', STALLED' : ''}`;
        // The focused slot joins the title, so the registers stay in view while commands run.
        const at = note ? ` · ${note}` : '';
        rows = [
          [`Command queue${at}`, `Queue${at}`, note ?? 'Q', note ?? 'Q'],
          [
            `CREADR ${r} · CWRITER ${w} · ${waiting} waiting`,
            `CREADR ${r} · CWRITER ${w}`,
            `R${r} W${w} · ${waiting}`,
            `R${r} W${w}`,
          ],
        ];
        inlineNote = true;
      } else {
        aria = `ITS ${i} ${t.full}`;
        rows = [t.names];
      }
      break;
    }
    case 'dist':
      aria = 'Distributor (GICD): SPIs';
      rows = [['Distributor (GICD)', 'Distributor', 'GICD', 'D']];
      break;
    case 'memory':
      aria = 'Memory: the ITS tables, command queues and LPI tables live here';
      rows = [['Memory: tables and queues', 'Memory', 'Mem', 'M']];
      break;
    case 'rd': {
      const i = Number(node.id.slice(2));
      aria = `Redistributor ${i} (GICR ${i})`;
      rows = [[`GICR ${i}`, `GICR${i}`, `R${i}`, `${i}`]];
      if (ctx.shape.gicv4) {
        // GICv4: the vPE GICR_VPENDBASER names (Valid = 1), whose vLPIs it presents to its CPU.
        const v = ctx.cpus.get(i)?.vpe;
        data.vpe = v ? String(v.vpeid) : '';
        data['vpe-vcpu'] = v && v.vm >= 0 ? `vm${v.vm}.vcpu${v.vcpu}` : '';
        data['vpe-dirty'] = String(v?.dirty ?? false);
        if (v) {
          const who = v.vm >= 0 ? `${ctx.shape.vms?.[v.vm]?.name ?? `vm${v.vm}`} vCPU ${v.vcpu}` : 'no VM';
          const dirty = v.dirty ? ' …' : '';
          rows.push([`vPE ${v.vpeid}${dirty}`, `vPE${v.vpeid}${dirty}`, `v${v.vpeid}`]);
          aria +=
            `; vPE ${v.vpeid} (${who}) resident: GICR_VPENDBASER.Valid = 1` +
            (v.dirty ? ', its virtual pending table still being parsed (Dirty = 1)' : '');
        } else {
          rows.push(['no vPE', '–']);
          aria += '; no vPE resident (GICR_VPENDBASER.Valid = 0)';
        }
      }
      break;
    }
    case 'cpuif': {
      const i = Number(node.id.slice(5));
      const c = ctx.cpus.get(i);
      const rpr = c?.rpr ?? 0xff;
      const hppi = c?.hppi ?? 1023;
      data.rpr = String(rpr);
      data.hppi = String(hppi);
      const rprLong = rpr === 0xff ? `RPR ${hex(rpr)} (idle)` : `RPR ${hex(rpr)}`;
      const rprShort = `R ${rpr.toString(16)}`;
      const none = hppi === 1023;
      const hpLong = none ? 'HPPI none (1023)' : `HPPI ${hppi} @ ${hex(c?.hppiPrio ?? 0)}`;
      const hpMid = none ? 'HPPI none' : `HPPI ${hppi}`;
      const hpShort = none ? 'H –' : `H ${hppi}`;
      aria =
        `CPU interface ${i}: running priority ${hex(rpr)}${rpr === 0xff ? ' (idle)' : ''}, ` +
        (none ? 'nothing pending' : `highest pending INTID ${hppi} at priority ${hex(c?.hppiPrio ?? 0)}`);
      if (node.lines >= 3)
        rows = [
          ['CPU interface', 'CPU i/f', 'ICC'],
          [rprLong, rprShort],
          [hpLong, hpMid, hpShort],
        ];
      else if (node.lines === 2)
        rows = [
          [rprLong, rprShort],
          [hpLong, hpMid, hpShort],
        ];
      else rows = [[`${rprShort} ${hpShort}`, hpShort]];
      break;
    }
    case 'cpu': {
      const i = Number(node.id.slice(3));
      const c = ctx.cpus.get(i);
      const aff = ctx.shape.cpus[i] ?? '';
      const depth = c?.depth ?? 0;
      const irq = c?.irq ?? false;
      const fiq = c?.fiq ?? false;
      data.irq = String(irq);
      data.fiq = String(fiq);
      data.depth = String(depth);
      aria =
        `CPU ${i}${aff ? ` (affinity ${aff})` : ''}: IRQ ${irq ? 'asserted' : 'not asserted'}, ` +
        `FIQ ${fiq ? 'asserted' : 'not asserted'}, ${depth ? `in its interrupt handler (depth ${depth})` : 'not in a handler'}`;
      const lines = `IRQ ${irq ? '●' : '○'} FIQ ${fiq ? '●' : '○'}`;
      const handler = depth
        ? [`in handler, depth ${depth}`, `handler depth ${depth}`, `depth ${depth}`, `×${depth}`]
        : ['not in a handler', 'no handler', '–'];
      rows = [
        [aff ? `CPU ${i} · ${aff}` : `CPU ${i}`, `CPU ${i}`, `CPU${i}`, `${i}`],
        handler,
        [lines, `I${irq ? '●' : '○'} F${fiq ? '●' : '○'}`],
      ];
      if (ctx.shape.vms?.length) {
        // A hypervisor's CPU: which vCPU it has loaded, if any (the host's handler, if it is in one).
        const lv = c?.vcpu;
        data.vcpu = lv ? `vm${lv.vm}.vcpu${lv.vcpu}` : '';
        data['vcpu-mode'] = lv?.mode ?? '';
        if (lv) {
          const name = ctx.shape.vms[lv.vm]?.name ?? `vm${lv.vm}`;
          const what = lv.mode === 'guest' ? 'guest' : 'KVM';
          const h = depth ? ` · ×${depth}` : '';
          rows[1] = [
            `${name} vCPU ${lv.vcpu} · ${lv.mode === 'guest' ? 'in the guest' : 'in KVM'}${h}`,
            `${name} vCPU ${lv.vcpu} · ${what}${h}`,
            `vCPU ${lv.vcpu} · ${what}${h}`,
            `v${lv.vcpu} ${what[0]}`,
          ];
          aria += `; runs ${name} vCPU ${lv.vcpu} (${lv.mode === 'guest' ? 'in the guest' : "in KVM's run loop"})`;
        } else aria += '; runs no vCPU';
      }
      break;
    }
    case 'vm': {
      const { vm, name } = vcpuOf(ctx, node.id);
      const shapeVm = ctx.shape.vms?.find((x) => `vm${x.index}` === node.id);
      const n = shapeVm?.vcpus ?? 0;
      const on = vm?.enabled ?? false;
      data.enabled = String(on);
      aria = `VM ${name}: ${plural(n, 'vCPU')}, ${plural(shapeVm?.lrs ?? 0, 'list register')} each; the guest's distributor is ${on ? 'enabled' : 'disabled'}`;
      rows = [[`${name} · guest`, name]];
      break;
    }
    case 'kvm': {
      const { name } = vcpuOf(ctx, node.id);
      aria = `KVM's objects for ${name}: irqfds, GSI routing, the virtual ITS, the vgic`;
      rows = [[`KVM (host kernel) · for ${name}`, `KVM · for ${name}`, 'KVM']];
      break;
    }
    case 'kvm-part': {
      if (node.place?.node !== 'kvm') break;
      const { vm, name } = vcpuOf(ctx, node.id);
      switch (node.place.part) {
        case 'irqfd': {
          const irqfds = vm?.irqfds ?? 0;
          const efds = vm?.eventfds ?? 0;
          data.irqfds = String(irqfds);
          data.eventfds = String(efds);
          aria = `${name} irqfds: ${plural(irqfds, 'irqfd')}, ${plural(efds, 'eventfd')}`;
          rows = [
            ['irqfd'],
            [plural(irqfds, 'irqfd'), `${irqfds} irqfd`],
            [plural(efds, 'eventfd'), `${efds} efd`],
          ];
          break;
        }
        case 'routing': {
          const routes = vm?.routes ?? 0;
          data.routes = String(routes);
          aria = `${name} GSI routing table: ${plural(routes, 'entry', 'entries')}`;
          rows = [
            ['GSI routing', 'routing', 'GSI'],
            [plural(routes, 'entry', 'entries'), `${routes}`],
          ];
          break;
        }
        case 'its': {
          const s = vm?.its[0];
          const on = s?.enabled ?? false;
          const waiting = s?.waiting ?? 0;
          data.enabled = String(on);
          data.waiting = String(waiting);
          data.creadr = String(s?.creadrSlot ?? 0);
          data.cwriter = String(s?.cwriterSlot ?? 0);
          data.stalled = String(s?.stalled ?? false);
          aria =
            `${name} virtual ITS: ${on ? 'enabled' : 'disabled'}, command queue CREADR at slot ${s?.creadrSlot ?? 0}, ` +
            `CWRITER at slot ${s?.cwriterSlot ?? 0}, ${plural(waiting, 'command')} waiting${s?.stalled ? ', STALLED' : ''}`;
          rows = [
            [`vITS · ${on ? 'on' : 'off'}`, 'vITS'],
            [`R${s?.creadrSlot ?? 0} W${s?.cwriterSlot ?? 0}`],
            waiting ? [`${waiting} waiting`, `${waiting}`] : [],
          ];
          break;
        }
        case 'vgic': {
          const on = vm?.enabled ?? false;
          data.enabled = String(on);
          aria = `${name} vgic (KVM's emulated distributor): GICD_CTLR ${on ? 'enabled' : 'disabled'}`;
          rows = [
            ['vgic'],
            [`GICD ${on ? 'enabled' : 'disabled'}`, `GICD ${on ? 'on' : 'off'}`, on ? 'on' : 'off'],
          ];
          break;
        }
      }
      break;
    }
    case 'vcpu': {
      const { v, name, vcpu } = vcpuOf(ctx, node.id);
      const mode = v?.mode ?? 'runnable';
      const pcpu = v?.pcpu ?? -1;
      data.mode = mode;
      data.pcpu = String(pcpu);
      data.aplist = String(v?.apList ?? 0);
      data.lrs = String(v?.lrsUsed ?? 0);
      data.virq = String(v?.virq ?? false);
      const on = pcpu >= 0 ? ` · pCPU ${pcpu}` : '';
      const words = MODE_WORDS[mode];
      aria =
        `${name} vCPU ${vcpu}: ${words[0]}${pcpu >= 0 ? ` on physical CPU ${pcpu}` : ''}; ` +
        `${plural(v?.apList ?? 0, 'interrupt')} on its ap_list, ${plural(v?.lrsUsed ?? 0, 'list register')} in use; ` +
        `${plural(v?.entries ?? 0, 'entry', 'entries')}, ${plural(v?.exits ?? 0, 'exit')}`;
      const lrs = ctx.shape.vms?.[vmIds(node.id).vm]?.lrs ?? 0;
      const vpe = v?.vpe;
      const at = vpe && vpe.residentOn >= 0 ? ` @GICR${vpe.residentOn}` : '';
      rows = [
        [`vCPU ${vcpu}`, `v${vcpu}`],
        [...words.map((w) => `${w}${on}`), ...words.slice(1), pcpu >= 0 ? `p${pcpu}` : '–'],
        [
          ...(vpe
            ? [
                `ap_list ${v?.apList ?? 0} · LRs ${v?.lrsUsed ?? 0}/${lrs} · vPE ${vpe.vpeid}${at}`,
                `ap ${v?.apList ?? 0} · LR ${v?.lrsUsed ?? 0}/${lrs} · vPE ${vpe.vpeid}`,
              ]
            : []),
          `ap_list ${v?.apList ?? 0} · LRs ${v?.lrsUsed ?? 0}/${lrs}`,
          `ap ${v?.apList ?? 0} · LR ${v?.lrsUsed ?? 0}/${lrs}`,
        ],
      ];
      if (vpe) {
        data.vpe = String(vpe.vpeid);
        data['vpe-resident'] = String(vpe.residentOn);
        data['vpt-pending'] = String(vpe.pending);
        aria +=
          `; its vPE ${vpe.vpeid} is ${vpe.residentOn >= 0 ? `resident on redistributor ${vpe.residentOn}` : 'not resident'}` +
          `, ${plural(vpe.pending, 'vLPI')} pending in its virtual pending table, doorbell LPI ${vpe.doorbell}`;
      }
      break;
    }
    case 'vm-col': {
      // The heading over a column of vCPU parts: what the tokens below it are in.
      const words: Record<string, string[]> = {
        aplist: ["KVM's ap_list", 'ap_list', 'ap'],
        lr: ['list registers', 'LRs', 'LR'],
        guest: ['guest (ICV)', 'guest', 'G'],
      };
      rows = [words[node.col ?? ''] ?? []];
      aria = rows[0]!.join(', ');
      break;
    }
    case 'vcpu-part': {
      if (node.place?.node !== 'vcpu' || !node.place.part) break;
      const { v, name, vcpu, vm0 } = vcpuOf(ctx, node.id);
      const lrs = ctx.shape.vms?.[vm0]?.lrs ?? 0;
      switch (node.place.part) {
        case 'aplist': {
          const n = v?.apList ?? 0;
          aria = `${name} vCPU ${vcpu} ap_list: ${plural(n, 'interrupt')} queued by KVM`;

          break;
        }
        case 'lr': {
          const used = v?.lrsUsed ?? 0;
          aria = `${name} vCPU ${vcpu} list registers: ${used} of ${lrs} hold an interrupt`;

          break;
        }
        case 'guest': {
          const depth = v?.depth ?? 0;
          const irq = v?.virq ?? false;
          data.depth = String(depth);
          aria =
            `${name} vCPU ${vcpu} guest: ${depth ? `in its interrupt handler (depth ${depth})` : 'not in a handler'}, ` +
            `virtual IRQ ${irq ? 'signalled' : 'not signalled'}`;
          data.virq = String(irq);
          break;
        }
      }
      break;
    }
  }
  // KVM's objects say more only when they are tall enough that their tokens stay clear of it.
  if (node.kind === 'kvm-part') {
    // Only the lines above its tokens (the note, when there is one, is the last of them).
    const room = Math.floor((node.tokens.y - node.y - node.pad + 0.5) / (node.font * 1.25));
    rows = rows.slice(0, Math.max(note ? 0 : 1, room - (note ? 1 : 0)));
  }
  if (note) aria += `; last event here: ${note}`;
  aria += tokensText(here);
  return {
    id: node.id,
    lines: fitLines(node, rows, inlineNote ? undefined : note),
    aria,
    focus,
    ...(note ? { note } : {}),
    data,
  };
}

/** The text, focus and accessible name of every node for this frame. */
export function nodeViews(lay: StageLayout, shape: MachineShape, stage: StageModel): NodeView[] {
  const { ids, notes } = focusOf(lay, stage.focus);
  const tokensAt = new Map<string, Token[]>();
  for (const t of stage.tokens) {
    const id = nodeIdOf(t.at);
    const list = tokensAt.get(id);
    if (list) list.push(t);
    else tokensAt.set(id, [t]);
  }
  const ctx: Ctx = {
    shape,
    stage,
    focused: ids,
    notes,
    tokensAt,
    cpus: new Map(stage.cpus.map((c) => [c.index, c])),
    its: new Map(stage.its.map((s) => [s.index, s])),
    vms: new Map((stage.vms ?? []).map((v) => [v.index, v])),
  };
  return lay.nodes.map((n) => describe(n, ctx));
}

// ---- Tokens ------------------------------------------------------------------------------------

export interface TokenView {
  id: string;
  token: Token;
  /** The node it sits in. */
  node: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The label, fitted to the node ('' when only the state mark fits). */
  label: string;
  font: number;
  mark: string;
  /** Accessible description. */
  aria: string;
}

/** A token's label, then shorter ones: 'MSI 8/0', '8/0'; 'LPI 8195', '8195'. */
export function tokenLabels(t: Token): string[] {
  const out = [t.label];
  const rest = t.label.split(' ').slice(1).join(' ');
  if (rest) out.push(rest);
  if (t.intid !== undefined && !out.includes(String(t.intid))) out.push(String(t.intid));
  return out;
}

const KIND_ORDER: Record<Token['kind'], number> = { sgi: 0, ppi: 1, spi: 2, lpi: 3, msi: 4, eventfd: 5 };

function tokenOrder(a: Token, b: Token): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.intid ?? -1) - (b.intid ?? -1) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Where each token sits: tokens sharing a node are spread over its token area in rows (as many
 * side by side as fit), squeezed together when there are more than the area holds, never outside
 * it. Tokens at places the machine does not have are left out.
 */
/** Id prefix of the token that stands for the ones a crowded box has no room to show. */
export const MORE = 'more:';

/** Tokens a box always shows before it summarises the rest, even if they must overlap. */
export const CROWD = 8;

/**
 * A box holds as many tokens as fit side by side (at least CROWD, overlapping if they must); when
 * more are there (an MSI storm leaves dozens pending at each redistributor), the last slot becomes
 * "+k", standing for the rest. Overlapping
 * tokens could not be read anyway, and drawing hundreds of them made every frame slow.
 * `list` is sorted (what matters first) and is cut in place.
 */
function crowd(list: Token[], area: Rect, h: number, tw: number, gap: number, id: string): boolean {
  const side =
    Math.max(1, Math.floor((area.w + gap) / (tw + gap))) *
    Math.max(1, Math.floor((area.h + gap) / (h + gap)));
  // A few may overlap a little (a lesson's handful always shows whole); a crowd is summarised.
  const fit = Math.max(side, CROWD);
  if (list.length <= fit) return false;
  // Active and travelling interrupts are what is happening: they stay; pending ones are folded.
  const keep = new Set(
    [...list].sort((a, b) => Number(a.state === 'pending') - Number(b.state === 'pending')).slice(0, fit - 1),
  );
  const hidden = list.filter((t) => !keep.has(t));
  const shown = list.filter((t) => keep.has(t));
  list.length = 0;
  list.push(...shown, {
    id: `${MORE}${id}`,
    kind: hidden[0]!.kind,
    label: `+${hidden.length}`,
    at: hidden[0]!.at,
    state: 'pending',
  });
  return true;
}

export function placeTokens(lay: StageLayout, tokens: readonly Token[]): TokenView[] {
  const groups = new Map<string, Token[]>();
  for (const t of tokens) {
    const id = nodeIdOf(t.at);
    if (!lay.byId.has(id)) continue;
    const list = groups.get(id);
    if (list) list.push(t);
    else groups.set(id, [t]);
  }
  const out: TokenView[] = [];
  const gap = 3;
  for (const [id, list] of groups) {
    const node = lay.byId.get(id)!;
    const area = node.tokens;
    list.sort(tokenOrder);
    const h = Math.min(lay.token.h, Math.max(6, node.h - 2));
    const font = Math.min(lay.token.font, h * 0.7);
    const measure = (): { labels: string[]; widths: number[]; tw: number } => {
      const labels = list.map((t) => fitText(tokenLabels(t), area.w - h * 1.5, font, false));
      const widths = labels.map((l) =>
        Math.max(h, Math.min(area.w, h + (l ? textWidth(l, font) + h * 0.5 : 0))),
      );
      return { labels, widths, tw: Math.max(...widths) };
    };
    let m = measure();
    if (crowd(list, area, h, m.tw, gap, id)) m = measure();
    const { labels, widths, tw } = m;
    const cols = Math.max(1, Math.min(list.length, Math.floor((area.w + gap) / (tw + gap))));
    const rows = Math.ceil(list.length / cols);
    const stepX = cols > 1 ? Math.min(tw + gap, (area.w - tw) / (cols - 1)) : 0;
    const stepY = rows > 1 ? Math.max(0, Math.min(h + gap, (area.h - h) / (rows - 1))) : 0;
    const c0 = centre(area);
    list.forEach((t, i) => {
      const c = i % cols;
      const r = Math.floor(i / cols);
      out.push({
        id: t.id,
        token: t,
        node: id,
        x: c0.x + (c - (cols - 1) / 2) * stepX,
        y: c0.y + (r - (rows - 1) / 2) * stepY,
        w: widths[i]!,
        h,
        label: labels[i]!,
        font,
        mark: t.id.startsWith(MORE) ? '+' : STATE_MARK[t.state],
        aria: t.id.startsWith(MORE)
          ? `${t.label.slice(1)} more interrupts at ${node.id}`
          : `${t.label}, ${STATE_WORDS[t.state]}, at ${node.id}${t.direct ? ' (GICv4 direct path)' : ''}`,
      });
    });
  }
  return out;
}

// ---- Moving between frames ---------------------------------------------------------------------

/** Where a token is drawn now (its last target, or where an interrupted move left it). */
export interface Drawn {
  x: number;
  y: number;
  node: string;
}

export interface Move {
  view: TokenView;
  /** From where it is (or comes from) to where it goes; one point: it stays. */
  route: Point[];
  /** Wires the route runs along. */
  wires: string[];
}

export interface Leave {
  id: string;
  route: Point[];
  wires: string[];
}

export interface TokenDiff {
  enter: Move[];
  update: Move[];
  exit: Leave[];
}

const topOf = (lay: StageLayout, id: string): string => lay.byId.get(id)?.top ?? id;

/**
 * The wires from top-level node `a` to `b`, shortest first (at most `maxHops`), each oriented
 * from a towards b; undefined when they are not connected that closely.
 */
export function wirePath(
  lay: StageLayout,
  a: string,
  b: string,
  maxHops = 3,
): { wire: Wire; forward: boolean }[] | undefined {
  if (a === b) return [];
  const back = new Map<string, { wire: Wire; prev: string }>();
  let frontier = [a];
  const seen = new Set([a]);
  for (let hop = 0; hop < maxHops && frontier.length; hop++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const w of lay.wiresAt.get(n) ?? []) {
        const other = w.from === n ? w.to : w.from;
        if (seen.has(other)) continue;
        seen.add(other);
        back.set(other, { wire: w, prev: n });
        if (other === b) {
          const path: { wire: Wire; forward: boolean }[] = [];
          let cur = b;
          while (cur !== a) {
            const step = back.get(cur)!;
            path.unshift({ wire: step.wire, forward: step.wire.to === cur });
            cur = step.prev;
          }
          return path;
        }
        next.push(other);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** The polyline from `from` (in node `fromId`) to `to` (in `toId`), along the wires between them. */
export function routeBetween(
  lay: StageLayout,
  fromId: string,
  from: Point,
  toId: string,
  to: Point,
): { points: Point[]; wires: string[] } {
  const path = wirePath(lay, topOf(lay, fromId), topOf(lay, toId));
  const points: Point[] = [from];
  const wires: string[] = [];
  for (const { wire, forward } of path ?? []) {
    wires.push(wire.id);
    points.push(...(forward ? wire.points : [...wire.points].reverse()));
  }
  points.push(to);
  return {
    points: points.filter((p, i) => i === 0 || p.x !== points[i - 1]!.x || p.y !== points[i - 1]!.y),
    wires,
  };
}

/** Focused top-level nodes one wire away from `node` (not itself). */
function focusNeighbour(lay: StageLayout, node: string, focusIds: Set<string>): string | undefined {
  const top = topOf(lay, node);
  for (const id of focusIds) {
    const t = topOf(lay, id);
    if (t === top) continue;
    const p = wirePath(lay, t, top, 1);
    if (p?.length === 1) return id;
  }
  return undefined;
}

/**
 * How tokens move from what is drawn to `views`: a token present before moves along the wires
 * from where it is to its new place; a new one comes in from the focused place next to it (an
 * MSI from the device that wrote it) or appears where it is; one that is gone leaves towards the
 * focused place next to it (an LPI taken by its CPU interface) or fades where it was.
 */
export function diffTokens(
  lay: StageLayout,
  drawn: ReadonlyMap<string, Drawn>,
  views: readonly TokenView[],
  focus: Focus | undefined,
): TokenDiff {
  const { ids } = focusOf(lay, focus);
  const diff: TokenDiff = { enter: [], update: [], exit: [] };
  const present = new Set<string>();
  for (const v of views) {
    present.add(v.id);
    const to = { x: v.x, y: v.y };
    const d = drawn.get(v.id);
    if (d) {
      if (d.x === to.x && d.y === to.y) diff.update.push({ view: v, route: [to], wires: [] });
      else {
        const r = routeBetween(lay, d.node, d, v.node, to);
        diff.update.push({ view: v, route: r.points, wires: r.wires });
      }
      continue;
    }
    const src = focusNeighbour(lay, v.node, ids);
    const srcNode = src ? lay.byId.get(src) : undefined;
    if (src && srcNode) {
      const r = routeBetween(lay, src, centre(srcNode.tokens), v.node, to);
      diff.enter.push({ view: v, route: r.points, wires: r.wires });
    } else diff.enter.push({ view: v, route: [to], wires: [] });
  }
  for (const [id, d] of drawn) {
    if (present.has(id)) continue;
    const dst = focusNeighbour(lay, d.node, ids);
    const dstNode = dst ? lay.byId.get(dst) : undefined;
    if (dst && dstNode) {
      const r = routeBetween(lay, d.node, d, dst, centre(dstNode.tokens));
      diff.exit.push({ id, route: r.points, wires: r.wires });
    } else diff.exit.push({ id, route: [{ x: d.x, y: d.y }], wires: [] });
  }
  return diff;
}

/**
 * The wires the last event lit: those joining two of its places (a device's write to its ITS),
 * those joining one of its places to a travelling token (the LPI an ITS just sent to a
 * redistributor), the redistributor-to-CPU-interface wire when the CPU interface acts on what its
 * redistributor holds (signalling it, acknowledging it), and, when the frame is the next or
 * previous event, the wires tokens moved along.
 */
export function hotWires(lay: StageLayout, stage: StageModel, diff?: TokenDiff): Set<string> {
  const hot = new Set<string>();
  const { ids } = focusOf(lay, stage.focus);
  const tops = new Set([...ids].map((id) => topOf(lay, id)));
  for (const t of tops) {
    for (const w of lay.wiresAt.get(t) ?? []) if (tops.has(w.from) && tops.has(w.to)) hot.add(w.id);
  }
  for (const tok of stage.tokens) {
    const top = topOf(lay, nodeIdOf(tok.at));
    for (const w of lay.wiresAt.get(top) ?? []) {
      if (tok.state !== 'travelling' && w.kind !== 'local') continue;
      const other = w.from === top ? w.to : w.from;
      if (tops.has(other)) hot.add(w.id);
    }
  }
  if (diff)
    for (const m of [...diff.enter, ...diff.update, ...diff.exit]) for (const w of m.wires) hot.add(w);
  return hot;
}

/** The point a fraction `t` (0..1) of the way along a polyline, by length. */
export function pointAlong(route: readonly Point[], t: number): Point {
  if (route.length === 0) return { x: 0, y: 0 };
  if (route.length === 1 || t <= 0) return route[0]!;
  let total = 0;
  for (let i = 1; i < route.length; i++)
    total += Math.hypot(route[i]!.x - route[i - 1]!.x, route[i]!.y - route[i - 1]!.y);
  if (total === 0 || t >= 1) return route[route.length - 1]!;
  let left = t * total;
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1]!;
    const b = route[i]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (left <= len && len > 0)
      return { x: a.x + ((b.x - a.x) * left) / len, y: a.y + ((b.y - a.y) * left) / len };
    left -= len;
  }
  return route[route.length - 1]!;
}

// ---- Timing ------------------------------------------------------------------------------------

/**
 * How long a frame's transition lasts: none for jumps (more than one event), scrubbing or reduced
 * motion; 250 ms for a single step; while playing, most of the time to the next event (speed is in
 * events per second), at most 600 ms; under a frame's worth of time it is not worth animating.
 */
export function transitionMs(o: {
  delta: number;
  playing: boolean;
  speed: number;
  reducedMotion: boolean;
}): number {
  if (o.reducedMotion || Math.abs(o.delta) !== 1) return 0;
  if (!o.playing) return 250;
  const ms = Math.min(600, (0.8 * 1000) / Math.max(o.speed, 1e-3));
  return ms < 16 ? 0 : Math.round(ms);
}
