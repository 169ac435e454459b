/**
 * Where everything on the stage goes: a pure function of the machine's shape and the canvas size,
 * so the picture never moves while a scenario plays (frames change what boxes say, never where they
 * are). Reading left to right follows an MSI's architectural path:
 *
 *   devices (PCI endpoints)  ->  ITS (translater, cache, DT, ITT, CT; command queue)  ->  bus  ->
 *   redistributor -> CPU interface -> CPU, one row per CPU
 *
 * The distributor and memory sit under the ITSs in the middle column; SPIs leave the distributor
 * on the same bus as LPIs leave an ITS, one lane per source.
 *
 * Rules (checked by layout.test.ts for 1..64 devices and 2..64 CPUs from 900x340 up):
 * - Devices fill a column top to bottom and wrap into more columns when they no longer fit at
 *   DEVICE_MIN_H; the ITS column, the bus and the CPU grid share what is left.
 * - The CPU grid picks the number of columns whose cells come closest to a readable cell
 *   (CELL_REF_W x CELL_REF_H); CPUs fill columns top to bottom. Cells stop growing at a cap so
 *   two CPUs on a big screen stay a calm size instead of filling it.
 * - Wires never cross a box they do not join: a wire leaving a device or reaching a redistributor
 *   that is not in the column next to the bus runs in the gutters between rows and columns.
 * - Nothing overlaps and everything is inside the canvas. Below 900x340 the layout is made for
 *   900x340 and the SVG's viewBox scales it down. (340 px high is what a laptop screen leaves the
 *   stage beside the inspectors; scaling down from more would shrink its text below legibility.)
 *
 * A machine that runs VMs gets a hypervisor band above all this (layout-vm.ts): the guests over the
 * CPUs they run on, KVM's objects over the ITS column. The host keeps its own layout, in the height
 * the band leaves; a machine without VMs is laid out exactly as before.
 */

import type { MachineShape, Place } from '../worker/api';
import { bandHeight, hypervisorBand, type VcpuLinks } from './layout-vm';

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Size {
  width: number;
  height: number;
}

export type ItsPart = NonNullable<Extract<Place, { node: 'its' }>['part']>;

export type NodeKind =
  | 'device'
  | 'its'
  | 'its-part'
  | 'dist'
  | 'memory'
  | 'rd'
  | 'cpuif'
  | 'cpu'
  /** A VM (a frame around its vCPUs), a vCPU and its parts (ap_list, LRs, guest). */
  | 'vm'
  | 'vcpu'
  | 'vcpu-part'
  /** A column heading over the vCPUs' parts ('ap_list', 'list registers', 'guest'). */
  | 'vm-col'
  /** KVM's frame for a VM, and its objects (irqfd, routing, vITS, vgic). */
  | 'kvm'
  | 'kvm-part';

export interface StageNode extends Rect {
  /** What `data-node` says: 'device:nic0', 'its0', 'its0/dt', 'dist', 'memory', 'rd3', 'cpuif3', 'cpu3'. */
  id: string;
  kind: NodeKind;
  /** The place the node stands for (an ITS box as a whole has none: its parts do). */
  place?: Place;
  /** The top-level box it belongs to (itself, or its ITS for a part): wires join top-level boxes. */
  top: string;
  /** Font size of its text. */
  font: number;
  /** Inner padding. */
  pad: number;
  /** Lines of text the box has room for. */
  lines: number;
  /** Where tokens at this node sit: the part of the box under its text when there is room. */
  tokens: Rect;
  /** The command queue's ring strip (queue parts only). */
  ring?: Rect;
  /** Width its text may take, when less than the box (a vCPU's label column). */
  textW?: number;
  /** A column heading: the vCPU part it names. */
  col?: 'aplist' | 'lr' | 'guest';
}

export type WireKind = 'msi' | 'lpi' | 'spi' | 'local' | 'irq' | 'fiq' | 'kvm' | 'virq';

export interface Wire {
  /** 'device:nic0>its0', 'its0>rd3', 'dist>rd3', 'rd3>cpuif3', 'cpuif3>cpu3:irq'. */
  id: string;
  /** Top-level node ids, in the direction an interrupt travels. */
  from: string;
  to: string;
  kind: WireKind;
  /** A polyline of axis-parallel segments. */
  points: Point[];
}

export interface StageLayout {
  width: number;
  height: number;
  /** Base font size: what a roomy box uses. */
  font: number;
  nodes: StageNode[];
  byId: Map<string, StageNode>;
  wires: Wire[];
  /** Wires by the top-level node at either end. */
  wiresAt: Map<string, Wire[]>;
  token: { h: number; font: number };
  /** Where a vCPU's link to the physical CPU it runs on goes (machines with VMs). */
  links?: VcpuLinks;
}

export const MIN_WIDTH = 900;
export const MIN_HEIGHT = 260;
/**
 * The least height the host gets under a hypervisor band: a laptop's stage (about 880 x 250) cannot
 * give both the band and the host their usual room, and scaling the whole picture down to fit
 * would shrink its text below legibility. A few CPUs and an ITS whose parts still hold a token
 * fit in 180.
 */
export const minHostHeightUnderVms = (shape: MachineShape): number => (shape.cpus.length <= 4 ? 180 : 220);

/** The translation walk, left to right inside an ITS; the command queue runs under it. */
export const WALK: readonly ItsPart[] = ['translater', 'cache', 'dt', 'itt', 'ct'];
/**
 * A GICv4 host's ITS has a vPE table too: a virtual ITE sends the walk there instead of to the
 * Collection Table (then the vLPI goes to the vPE's redistributor).
 */
export const WALK_V4: readonly ItsPart[] = [...WALK, 'vt'];

/** The walk of this machine's ITSs. */
export const walkOf = (shape: MachineShape): readonly ItsPart[] => (shape.gicv4 ? WALK_V4 : WALK);

const DEVICE_MIN_H = 20;
const DEVICE_MIN_GAP = 4;
const CELL_REF_W = 300;
const CELL_REF_H = 110;
/** Lines of text each kind of box shows before its tokens. */
const HEADER_LINES: Record<NodeKind, number> = {
  device: 2,
  its: 1,
  'its-part': 2,
  dist: 2,
  memory: 1,
  rd: 2,
  cpuif: 3,
  cpu: 3,
  vm: 1,
  vcpu: 1,
  'vcpu-part': 0,
  'vm-col': 1,
  kvm: 1,
  'kvm-part': 1,
};

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** The id of the node a place is drawn in. */
export function nodeIdOf(place: Place): string {
  switch (place.node) {
    case 'device':
      return `device:${place.name}`;
    case 'its':
      return place.part ? `its${place.its}/${place.part}` : `its${place.its}`;
    case 'dist':
      return 'dist';
    case 'memory':
      return 'memory';
    case 'rd':
      return `rd${place.cpu}`;
    case 'cpuif':
      return `cpuif${place.cpu}`;
    case 'cpu':
      return `cpu${place.cpu}`;
    case 'vcpu':
      return place.part ? `vm${place.vm}.vcpu${place.vcpu}/${place.part}` : `vm${place.vm}.vcpu${place.vcpu}`;
    case 'kvm':
      return `vm${place.vm}/${place.part}`;
  }
}

/** The node a place is drawn in (undefined: the machine has no such thing). */
export function nodeOf(lay: StageLayout, place: Place): StageNode | undefined {
  return lay.byId.get(nodeIdOf(place));
}

/** Where a token at `place` sits (the middle of the node's token area). */
export function placeXY(lay: StageLayout, place: Place): Point | undefined {
  const n = nodeOf(lay, place);
  return n ? centre(n.tokens) : undefined;
}

export function centre(r: Rect): Point {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

export type AddNode = (
  id: string,
  kind: NodeKind,
  r: Rect,
  font: number,
  topId: string,
  place?: Place,
  extra?: Partial<StageNode>,
) => StageNode;

/** A function that adds nodes to `nodes`; each node's lines and token area follow from its size. */
export function nodeAdder(nodes: StageNode[], tokenH: () => number): AddNode {
  return (id, kind, r, font, topId, place, extra) => {
    const pad = clamp(Math.min(r.w, r.h) * 0.08, 1.5, 6);
    const lineH = font * 1.25;
    const textH = extra?.ring ? extra.ring.y - r.y - pad : r.h - 2 * pad;
    const lines = Math.max(0, Math.floor(textH / lineH));
    const band = Math.min(HEADER_LINES[kind], lines) * lineH;
    const inner = {
      x: r.x + pad,
      y: r.y + pad,
      w: Math.max(0, r.w - 2 * pad),
      h: Math.max(0, r.h - 2 * pad),
    };
    const below = { x: inner.x, y: inner.y + band, w: inner.w, h: inner.h - band };
    const tokens = below.h >= tokenH() ? below : inner;
    const node: StageNode = { id, kind, ...r, font, pad, lines, tokens, top: topId, ...extra };
    if (place) node.place = place;
    nodes.push(node);
    return node;
  };
}

/** Lays out a machine of this shape on a canvas of this size. */
export function layout(shape: MachineShape, size: Size): StageLayout {
  const vms = shape.vms ?? [];
  if (vms.length === 0) return hostLayout(shape, size);
  // The band takes the top of the canvas; the host is laid out in what it leaves, then moved down.
  const W = Math.max(MIN_WIDTH, Number.isFinite(size.width) ? Math.floor(size.width) : 0);
  const offered = Number.isFinite(size.height) ? Math.floor(size.height) : 0;
  const minHost = minHostHeightUnderVms(shape);
  const band = bandHeight(shape, W, offered, minHost);
  const H = Math.max(band.total, offered);
  const host = hostLayout(shape, { width: W, height: Math.max(minHost, H - band.height) }, minHost);
  const dy = H - host.height;
  for (const n of host.nodes) {
    n.y += dy;
    n.tokens = { ...n.tokens, y: n.tokens.y + dy };
    if (n.ring) n.ring = { ...n.ring, y: n.ring.y + dy };
  }
  for (const w of host.wires) w.points = w.points.map((p) => ({ x: p.x, y: p.y + dy }));
  const nodes: StageNode[] = [];
  const wires: Wire[] = [];
  const links = hypervisorBand({
    shape,
    host,
    top: 0,
    bottom: dy,
    add: nodeAdder(nodes, () => host.token.h),
    wires,
  });
  const all = [...nodes, ...host.nodes];
  const allWires = [...wires, ...host.wires];
  // Tokens in the band are as tall as its parts allow, even where a squeezed ITS made the host's
  // smaller (every box still fits tokens to its own height).
  const tokenH = Math.max(host.token.h, Math.min(host.font * 1.4, 18));
  return {
    ...host,
    token: { h: tokenH, font: Math.max(6, tokenH * 0.62) },
    height: H,
    nodes: all,
    byId: new Map(all.map((n) => [n.id, n])),
    wires: allWires,
    wiresAt: wiresAt(allWires),
    links,
  };
}

function wiresAt(wires: Wire[]): Map<string, Wire[]> {
  const at = new Map<string, Wire[]>();
  for (const w of wires) {
    for (const end of [w.from, w.to]) {
      const list = at.get(end);
      if (list) list.push(w);
      else at.set(end, [w]);
    }
  }
  return at;
}

/** The host machine: devices, ITSs, distributor, memory, CPUs. */
function hostLayout(shape: MachineShape, size: Size, minHeight = MIN_HEIGHT): StageLayout {
  const W = Math.max(MIN_WIDTH, Number.isFinite(size.width) ? Math.floor(size.width) : 0);
  const H = Math.max(minHeight, Number.isFinite(size.height) ? Math.floor(size.height) : 0);
  const f = clamp(Math.min(W / 1280, H / 720) * 15, 11, 18);
  const M = clamp(Math.min(W, H) * 0.02, 10, 20);
  const nDev = shape.devices.length;
  const nIts = shape.its.length;
  const nCpu = shape.cpus.length;
  const top = M;
  const Ha = H - 2 * M;

  const nodes: StageNode[] = [];
  const wires: Wire[] = [];

  /** Adds a node; its font, lines and token area follow from its size. */
  const add = nodeAdder(nodes, () => tokenH);

  // ---- Columns: devices | device lanes | ITS column | bus | CPU grid -------------------------
  let devCols = 0;
  let devRows = 0;
  let Wd = 0;
  let devLaneW = 0;
  const devGapX = 14;
  if (nDev > 0) {
    devCols = 1;
    while (Math.ceil(nDev / devCols) * (DEVICE_MIN_H + DEVICE_MIN_GAP) - DEVICE_MIN_GAP > Ha) devCols++;
    devRows = Math.ceil(nDev / devCols);
    const pref = clamp(W * 0.13, 110, 210);
    const maxWd = Math.max(W * (devCols === 1 ? 0.17 : 0.3), devCols * 50 + (devCols - 1) * devGapX);
    Wd = Math.min(devCols * pref + (devCols - 1) * devGapX, maxWd);
    devLaneW = 16 + Math.max(1, nIts) * 6;
  }
  const minWi = nIts > 0 ? 230 : 150;
  let Wi = nIts > 0 ? clamp(W * (nCpu > 16 ? 0.22 : 0.28), minWi, 460) : clamp(W * 0.16, minWi, 260);
  const K = nIts + 1; // sources on the bus: each ITS, then the distributor
  const laneGap = 7;
  const busW = 20 + K * laneGap;
  // The CPUs keep at least a third of the width: take it from the ITS column, then the devices.
  let deficit = W * 0.34 - (W - 2 * M - Wd - devLaneW - Wi - busW);
  if (deficit > 0) {
    const fromIts = Math.min(deficit, Wi - minWi);
    Wi -= fromIts;
    deficit -= fromIts;
    if (deficit > 0 && nDev > 0) {
      const minWd = devCols * 50 + (devCols - 1) * devGapX;
      const fromDev = Math.min(deficit, Wd - minWd);
      Wd -= fromDev;
    }
  }
  const devX = M;
  const devRight = devX + Wd;
  const itsX = nDev > 0 ? devRight + devLaneW : M;
  // Where the ITS column ends and the CPUs begin: settled once the CPU grid knows what it uses.
  let itsRight = itsX + Wi;
  let cpuX = itsRight + busW;
  const busLane = (k: number): number => itsRight + 10 + k * laneGap;
  const devLane = (k: number): number => devRight + 8 + k * 6;

  // ---- The middle column: ITSs, then the distributor, then memory ------------------------------
  const gapV = clamp(Ha * 0.025, 6, 16);
  let itsH = 0;
  let distH: number;
  let memH: number;
  if (nIts > 0) {
    distH = f * 4.2;
    memH = f * 2.2;
    itsH = Math.min(f * 13.5, (Ha - distH - memH - (nIts + 1) * gapV) / nIts);
    if (itsH < f * 5) {
      distH = f * 2.6;
      memH = f * 1.7;
      itsH = Math.min(f * 13.5, (Ha - distH - memH - (nIts + 1) * gapV) / nIts);
    }
  } else {
    distH = Math.min(f * 8, Ha * 0.5);
    memH = f * 2.2;
  }
  const colH = nIts * itsH + distH + memH + (nIts + 1) * gapV;
  let y = top + Math.max(0, (Ha - colH) / 2);

  // The CPU grid comes first in the reckoning (token size depends on the cells), then the boxes.
  const areaW = W - M - cpuX;
  let best = { cols: 1, rows: Math.max(1, nCpu), cw: areaW, ch: Ha, cg: 8, rg: 4, score: -Infinity };
  for (let cols = 1; cols <= Math.max(1, nCpu); cols++) {
    const rows = Math.max(1, Math.ceil(nCpu / cols));
    if (cols > 1 && Math.ceil(nCpu / (cols - 1)) === rows) continue; // same rows, thinner cells
    const cg = clamp((areaW / cols) * 0.07, 8, 28);
    const rg = clamp((Ha / rows) * 0.15, 4, 16);
    const cw = (areaW - (cols - 1) * cg) / cols;
    const ch = (Ha - rows * rg) / rows; // rg/2 kept free above and below the grid for gutters
    const score = Math.min(cw / CELL_REF_W, ch / CELL_REF_H);
    if (score > best.score) best = { cols, rows, cw, ch, cg, rg, score };
  }
  const { rows: cpuRows, cg, rg } = best;
  const cellW = Math.min(best.cw, 540 * (f / 15));
  const cellH = Math.min(best.ch, 140 * (f / 15));
  // Cells stop growing at a cap: the width they leave goes to the ITS column (roomier parts), and
  // what is still left is shared as margins on both sides, so the picture stays centred.
  const spare = areaW - (best.cols * cellW + (best.cols - 1) * cg);
  const give = Math.max(0, Math.min(spare, (nIts > 0 ? 560 : 300) * (f / 15) - Wi));
  Wi += give;
  itsRight += give;
  cpuX += give;
  const shiftX = Math.max(0, spare - give) / 2;
  const gridH = cpuRows * cellH + (cpuRows - 1) * rg;
  const gridTop = top + (Ha - gridH) / 2;
  const cellX = (c: number): number => cpuX + c * (cellW + cg);
  const cellY = (r: number): number => gridTop + r * (cellH + rg);

  const itsPad = clamp(itsH * 0.05, 3, 8);
  const itsHeader = clamp(itsH * 0.16, 10, f * 1.6);
  const itsGap = clamp(Wi * 0.015, 3, 8);
  const itsInnerH = itsH - itsHeader - 2 * itsPad;
  const walkH = (itsInnerH - itsGap) * 0.56;
  const queueH = itsInnerH - itsGap - walkH;

  const devGapY = nDev > 0 ? clamp((Ha / devRows) * 0.25, DEVICE_MIN_GAP, 14) : 0;
  const devH = nDev > 0 ? Math.min(f * 3, (Ha - (devRows - 1) * devGapY) / devRows) : 0;

  const tokenH = clamp(
    Math.min(f * 1.5, cellH * 0.42, nIts > 0 ? walkH * 0.42 : Infinity, nDev > 0 ? devH * 0.8 : Infinity),
    8,
    24,
  );
  const fontFor = (h: number, w: number, chars: number): number =>
    clamp(Math.min(f, h / 1.5, w / (chars * 0.6)), 6, f);

  // ITS boxes with their parts.
  const walk = walkOf(shape);
  const itsNodes: { translater: StageNode; ct: StageNode; box: StageNode }[] = [];
  for (let i = 0; i < nIts; i++) {
    const id = `its${i}`;
    const box = add(id, 'its', { x: itsX, y, w: Wi, h: itsH }, Math.min(f, itsHeader * 0.8), id);
    const innerX = itsX + itsPad;
    const innerW = Wi - 2 * itsPad;
    const partY = y + itsPad + itsHeader;
    const partW = (innerW - (walk.length - 1) * itsGap) / walk.length;
    const partFont = fontFor(walkH / 2, partW, 3);
    const parts = walk.map((part, j) =>
      add(
        `${id}/${part}`,
        'its-part',
        { x: innerX + j * (partW + itsGap), y: partY, w: partW, h: walkH },
        partFont,
        id,
        { node: 'its', its: i, part },
      ),
    );
    const qr = { x: innerX, y: partY + walkH + itsGap, w: innerW, h: queueH };
    const ringH = clamp(queueH * 0.3, 4, 14);
    const qpad = clamp(Math.min(qr.w, qr.h) * 0.08, 1.5, 6);
    const ring = { x: qr.x + qpad, y: qr.y + qr.h - qpad - ringH, w: qr.w - 2 * qpad, h: ringH };
    add(
      `${id}/queue`,
      'its-part',
      qr,
      fontFor((queueH - ringH) / 2, innerW, 30),
      id,
      { node: 'its', its: i, part: 'queue' },
      { ring },
    );
    itsNodes.push({ translater: parts[0]!, ct: parts[walk.length - 1]!, box });
    y += itsH + gapV;
  }
  const dist = add('dist', 'dist', { x: itsX, y, w: Wi, h: distH }, fontFor(distH / 2, Wi, 12), 'dist', {
    node: 'dist',
  });
  y += distH + gapV;
  add('memory', 'memory', { x: itsX, y, w: Wi, h: memH }, fontFor(memH, Wi, 8), 'memory', {
    node: 'memory',
  });

  // ---- Devices --------------------------------------------------------------------------------
  if (nDev > 0) {
    const devW = (Wd - (devCols - 1) * devGapX) / devCols;
    const blockH = devRows * devH + (devRows - 1) * devGapY;
    const devTop = top + (Ha - blockH) / 2;
    const devFont = fontFor(devH / 2 >= f * 1.2 ? devH / 2 : devH, devW, 6);
    shape.devices.forEach((d, i) => {
      const c = Math.floor(i / devRows);
      const r = i % devRows;
      const id = `device:${d.name}`;
      const n = add(
        id,
        'device',
        { x: devX + c * (devW + devGapX), y: devTop + r * (devH + devGapY), w: devW, h: devH },
        devFont,
        id,
        { node: 'device', name: d.name },
      );
      const target = itsNodes[d.its];
      if (!target) return;
      const tr = target.translater;
      const lane = devLane(d.its);
      const cy = n.y + n.h / 2;
      const ty = tr.y + tr.h / 2;
      const points: Point[] = [{ x: n.x + n.w, y: cy }];
      if (c < devCols - 1) {
        // Out through the column gap, along the gutter under this row, to the lane.
        const gx = n.x + n.w + devGapX / 2;
        const gy = n.y + n.h + devGapY / 2;
        points.push({ x: gx, y: cy }, { x: gx, y: gy }, { x: lane, y: gy });
      } else {
        points.push({ x: lane, y: cy });
      }
      points.push({ x: lane, y: ty }, { x: tr.x, y: ty });
      wires.push({ id: `${id}>its${d.its}`, from: id, to: `its${d.its}`, kind: 'msi', points });
    });
  }

  // ---- CPUs: redistributor, CPU interface, core -----------------------------------------------
  const ig = clamp(cellW * 0.06, 4, 24);
  const avail = cellW - 2 * ig;
  const rdW = avail * 0.27;
  const ifW = avail * 0.38;
  const coreW = avail - rdW - ifW;
  const rdFont = fontFor(cellH / 2, rdW, 3);
  const ifFont = fontFor(cellH / 3, ifW, 6);
  const coreFont = fontFor(cellH / 3, coreW, 3);
  const sources = [
    ...itsNodes.map((n, k) => ({
      id: n.box.id,
      kind: 'lpi' as const,
      k,
      x: n.ct.x + n.ct.w,
      y: n.ct.y + n.ct.h / 2,
    })),
    { id: 'dist', kind: 'spi' as const, k: nIts, x: dist.x + dist.w, y: dist.y + dist.h / 2 },
  ];
  const spread = (k: number, room: number, step: number): number =>
    K > 1 ? (k - (K - 1) / 2) * Math.min(step, room / K) : 0;
  for (let i = 0; i < nCpu; i++) {
    const c = Math.floor(i / cpuRows);
    const r = i % cpuRows;
    const x = cellX(c);
    const cy0 = cellY(r);
    const rd = add(`rd${i}`, 'rd', { x, y: cy0, w: rdW, h: cellH }, rdFont, `rd${i}`, { node: 'rd', cpu: i });
    const cif = add(
      `cpuif${i}`,
      'cpuif',
      { x: x + rdW + ig, y: cy0, w: ifW, h: cellH },
      ifFont,
      `cpuif${i}`,
      { node: 'cpuif', cpu: i },
    );
    const core = add(
      `cpu${i}`,
      'cpu',
      { x: x + rdW + ig + ifW + ig, y: cy0, w: coreW, h: cellH },
      coreFont,
      `cpu${i}`,
      { node: 'cpu', cpu: i },
    );
    const midY = cy0 + cellH / 2;
    for (const s of sources) {
      const land = midY + spread(s.k, cellH * 0.5, 6);
      const lane = busLane(s.k);
      const points: Point[] = [
        { x: s.x, y: s.y },
        { x: lane, y: s.y },
      ];
      if (c > 0) {
        // Along the gutter above this row, down the gap left of this column.
        const gy = cy0 - rg / 2 + spread(s.k, rg - 2, 2);
        const gx = x - cg / 2 + spread(s.k, cg - 2, 3);
        points.push({ x: lane, y: gy }, { x: gx, y: gy }, { x: gx, y: land });
      } else {
        points.push({ x: lane, y: land });
      }
      points.push({ x: rd.x, y: land });
      wires.push({ id: `${s.id}>rd${i}`, from: s.id, to: rd.id, kind: s.kind, points });
    }
    wires.push({
      id: `rd${i}>cpuif${i}`,
      from: rd.id,
      to: cif.id,
      kind: 'local',
      points: [
        { x: rd.x + rd.w, y: midY },
        { x: cif.x, y: midY },
      ],
    });
    const off = Math.min(cellH * 0.18, 10);
    for (const [line, dy] of [
      ['irq', -off],
      ['fiq', off],
    ] as const) {
      wires.push({
        id: `cpuif${i}>cpu${i}:${line}`,
        from: cif.id,
        to: core.id,
        kind: line,
        points: [
          { x: cif.x + cif.w, y: midY + dy },
          { x: core.x, y: midY + dy },
        ],
      });
    }
  }

  if (shiftX > 0) {
    for (const n of nodes) {
      n.x += shiftX;
      n.tokens = { ...n.tokens, x: n.tokens.x + shiftX };
      if (n.ring) n.ring = { ...n.ring, x: n.ring.x + shiftX };
    }
    for (const w of wires) w.points = w.points.map((p) => ({ x: p.x + shiftX, y: p.y }));
  }
  return {
    width: W,
    height: H,
    font: f,
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    wires,
    wiresAt: wiresAt(wires),
    token: { h: tokenH, font: Math.max(6, tokenH * 0.62) },
  };
}
