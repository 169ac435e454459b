/**
 * The hypervisor band of the stage, for a machine that runs VMs: a row per VM across the top of
 * the canvas, above the host. Reading it the way a virtual interrupt travels:
 *
 *   KVM (over the devices and the ITS column)            the VM (over the CPU grid)
 *   irqfd -> GSI routing -> virtual ITS -> vgic   ->   vCPU: ap_list | LRs | guest   (one per vCPU)
 *
 * KVM_IRQ_LINE lands in the vgic; an eventfd reaches the irqfd, whose route goes to the vgic (an
 * SPI) or through the virtual ITS (an MSI); the vgic queues the interrupt on a vCPU's ap_list;
 * entry puts it in a list register; the guest acknowledges it. A vCPU is linked to the physical
 * CPU it is loaded on by a line drawn each frame (the links: from under the vCPU, along a rail
 * between the band and the host, down the gutter right of the CPU's cell, into the core's box);
 * this module gives the anchors, since where a vCPU runs changes while the boxes never move.
 *
 * Pure geometry, like layout.ts (which calls it with the host already laid out, and the band's
 * height from bandHeight): nothing overlaps but a frame and what it contains, and everything is
 * inside the band.
 */

import type { MachineShape, VcpuPart, VmShape } from '../worker/api';
import type { AddNode, Point, StageLayout, StageNode, Wire } from './layout';

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** The anchors of the vCPU-to-pCPU links. */
export interface VcpuLinks {
  /** The rail between the band and the host. */
  railY: number;
  /** The vertical right of the VM frames, down which links leave the band. */
  exitX: number;
  /**
   * Per vCPU ('0.1': VM 0, vCPU 1): where its link starts, and (a vCPU not in the last column of
   * its VM) the gap under its row, along which it reaches the exit.
   */
  from: Map<string, { x: number; y: number; gapY?: number }>;
  /** Per physical CPU: the middle of its core box's right edge, and the gutter to its right. */
  to: Map<number, { x: number; y: number; gx: number }>;
}

/** The line from vCPU (vm, vcpu) to physical CPU `pcpu`, or undefined when either is not drawn. */
export function vcpuLink(
  links: VcpuLinks | undefined,
  vm: number,
  vcpu: number,
  pcpu: number,
): Point[] | undefined {
  const a = links?.from.get(`${vm}.${vcpu}`);
  const b = links?.to.get(pcpu);
  if (!links || !a || !b) return undefined;
  const pts: Point[] = [{ x: a.x, y: a.y }];
  if (a.gapY !== undefined) pts.push({ x: a.x, y: a.gapY }, { x: links.exitX, y: a.gapY });
  else pts.push({ x: links.exitX, y: a.y });
  pts.push(
    { x: links.exitX, y: links.railY },
    { x: b.gx, y: links.railY },
    { x: b.gx, y: b.y },
    { x: b.x, y: b.y },
  );
  return pts.filter((p, i) => i === 0 || p.x !== pts[i - 1]!.x || p.y !== pts[i - 1]!.y);
}

/** The font of the band's text for a canvas of this size. */
const bandFont = (W: number, H: number): number => clamp(Math.min(W / 1280, H / 720) * 15, 11, 16);

/** The least width of a vCPU: its label, then ap_list, LRs and guest side by side. */
const MIN_VCPU_W = 330;
const ROW_GAP = 8;
/** Gap between vCPU rows (the vgic's wires run in it). */
const VCPU_GAP = 6;
/** The least token height the band plans for (the host's token size is used when larger fits). */
const TOKEN_MIN = 14;

/** vCPU columns of a VM whose frame is `w` wide. */
const vcpuCols = (vm: VmShape, w: number): number =>
  Math.max(1, Math.min(vm.vcpus, Math.floor((w + 8) / (MIN_VCPU_W + 8))));

/** The frames' title height. */
const headOf = (f: number, pad: number): number => f * 1.25 + pad + 6;

/** The least height of one vCPU row: its two-line label, or a token in a part. */
const vcpuMinH = (f: number): number => Math.max(f * 2.5 + 4, TOKEN_MIN + 8);

/** The least height a VM's row needs (its KVM frame, or its VM frame with its vCPU rows). */
function rowMinHeight(vm: VmShape, f: number, w: number): number {
  const rows = Math.ceil(vm.vcpus / vcpuCols(vm, w));
  const head = headOf(f, 6);
  const vmFrame = head + rows * vcpuMinH(f) + (rows - 1) * VCPU_GAP + 6;
  const kvmFrame = head + f * 1.25 + TOKEN_MIN + 8 + 10 + 6;
  return Math.max(vmFrame, kvmFrame);
}

/**
 * How tall the band is on a canvas `W` x `H` (H: what the canvas offers), and the least canvas
 * height that gives the host `minHost` and the band its least.
 */
export function bandHeight(
  shape: MachineShape,
  W: number,
  H: number,
  minHost: number,
): { height: number; total: number } {
  const vms = shape.vms ?? [];
  const f = bandFont(W, Math.max(H, minHost));
  const M = clamp(f, 10, 16);
  // The VM frames get roughly the width the CPU grid has (a little over half the canvas).
  const mins = vms.map((vm) => rowMinHeight(vm, f, W * 0.5));
  const gaps = (vms.length - 1) * ROW_GAP + 2 * M;
  const least = mins.reduce((a, b) => a + b, 0) + gaps;
  const most = mins.reduce((a, b) => a + b * 1.8, 0) + gaps;
  const total = minHost + least;
  const canvas = Math.max(H, total);
  return { height: clamp(canvas * 0.4, least, Math.min(most, canvas - minHost)), total };
}

const KVM_PARTS = (vm: VmShape): ('irqfd' | 'routing' | 'its' | 'vgic')[] =>
  vm.its > 0 ? ['irqfd', 'routing', 'its', 'vgic'] : ['irqfd', 'routing', 'vgic'];

const VCPU_PARTS: readonly VcpuPart[] = ['aplist', 'lr', 'guest'];

export interface BandArgs {
  shape: MachineShape;
  /** The host, already laid out below the band. */
  host: StageLayout;
  /** The band is [top, bottom) of the canvas. */
  top: number;
  bottom: number;
  add: AddNode;
  wires: Wire[];
}

/** Lays out the band's boxes and wires (through `add` and `wires`); returns the link anchors. */
export function hypervisorBand({ shape, host, top, bottom, add, wires }: BandArgs): VcpuLinks {
  const vms = shape.vms ?? [];
  const W = host.width;
  const f = bandFont(W, host.height + bottom - top);
  const M = clamp(f, 10, 16);
  const byKind = (k: StageNode['kind']): StageNode[] => host.nodes.filter((n) => n.kind === k);
  const dist = host.byId.get('dist')!;
  const rds = byKind('rd');
  const cores = byKind('cpu');
  const hostLeft = Math.min(...host.nodes.map((n) => n.x));
  const lx0 = Math.min(hostLeft, dist.x);
  const lx1 = dist.x + dist.w;
  const rx0 = rds.length ? Math.min(...rds.map((n) => n.x)) : lx1 + 40;
  const rx1 = cores.length ? Math.max(...cores.map((n) => n.x + n.w)) : W - M;
  const laneX = (lx1 + rx0) / 2;
  const y0 = top + M;
  const avail = bottom - top - 2 * M;
  const rowH = (avail - (vms.length - 1) * ROW_GAP) / Math.max(1, vms.length);
  const from: VcpuLinks['from'] = new Map();
  const fontFor = (h: number, w: number, chars: number): number =>
    clamp(Math.min(f, h / 1.5, w / (chars * 0.6)), 6, f);

  vms.forEach((vm, row) => {
    const y = y0 + row * (rowH + ROW_GAP);
    const pad = clamp(rowH * 0.05, 4, 6);
    // The frame's title, then room for the wires that run above the vCPUs.
    const head = headOf(f, pad);

    // ---- KVM's frame and objects ----------------------------------------------------------------
    const kvmId = `vm${vm.index}/kvm`;
    add(kvmId, 'kvm', { x: lx0, y, w: lx1 - lx0, h: rowH }, Math.min(f, head * 0.75), kvmId);
    const parts = KVM_PARTS(vm);
    const innerW = lx1 - lx0 - 2 * pad;
    const gap = clamp(innerW * 0.05, 12, 28);
    const pw = (innerW - (parts.length - 1) * gap) / parts.length;
    const wireGap = 10;
    const py = y + head;
    const ph = Math.max(8, rowH - head - pad - wireGap);
    const partFont = fontFor(ph / 2, pw, 12);
    const kvm = new Map<string, StageNode>();
    // A tall part says more (its counts, the last event's note) above its tokens; a short one, its
    // name only.
    const lineH = partFont * 1.25;
    const ppad = clamp(Math.min(pw, ph) * 0.08, 1.5, 6);
    const textLines = ph - 2 * ppad >= 4 * lineH + 18 ? 4 : 1;
    parts.forEach((part, j) => {
      const id = `vm${vm.index}/${part}`;
      const x = lx0 + pad + j * (pw + gap);
      const tokens = {
        x: x + ppad,
        y: py + ppad + textLines * lineH,
        w: pw - 2 * ppad,
        h: Math.max(0, ph - 2 * ppad - textLines * lineH),
      };
      kvm.set(
        part,
        add(
          id,
          'kvm-part',
          { x, y: py, w: pw, h: ph },
          partFont,
          id,
          { node: 'kvm', vm: vm.index, part },
          tokens.h >= 8 ? { tokens } : undefined,
        ),
      );
    });
    const mid = py + ph / 2;
    const join = (a: string, b: string): void => {
      const na = kvm.get(a);
      const nb = kvm.get(b);
      if (!na || !nb) return;
      const points =
        nb.x - (na.x + na.w) <= gap + 1
          ? [
              { x: na.x + na.w, y: mid },
              { x: nb.x, y: mid },
            ]
          : // Past the parts in between, under them.
            [
              { x: na.x + na.w / 2, y: na.y + na.h },
              { x: na.x + na.w / 2, y: py + ph + wireGap / 2 },
              { x: nb.x + nb.w / 2, y: py + ph + wireGap / 2 },
              { x: nb.x + nb.w / 2, y: nb.y + nb.h },
            ];
      wires.push({ id: `${na.id}>${nb.id}`, from: na.id, to: nb.id, kind: 'kvm', points });
    };
    join('irqfd', 'routing');
    if (vm.its > 0) {
      join('routing', 'its');
      join('its', 'vgic');
    }
    join('routing', 'vgic');

    // ---- The VM's frame and vCPUs: one row per vCPU (columns when the frame is wide) ---------
    const vmId = `vm${vm.index}`;
    const ax = rx0 + pad;
    const aw = rx1 - rx0 - 2 * pad;
    const ay = y + head;
    const ah = rowH - head - pad;
    const g = 8;
    const cols = vcpuCols(vm, aw);
    const rows = Math.ceil(vm.vcpus / cols);
    const vw = (aw - (cols - 1) * g) / cols;
    const vh = (ah - (rows - 1) * VCPU_GAP) / rows;
    const vgic = kvm.get('vgic')!;
    const labelW = clamp(vw * 0.26, 64, 150);
    // The frame's title sits over the vCPUs' labels; the parts' column headings share its line.
    add(vmId, 'vm', { x: rx0, y, w: rx1 - rx0, h: rowH }, Math.min(f, head * 0.75), vmId, undefined, {
      textW: labelW + pad,
    });
    /** Where the three parts of a vCPU at x (w wide) go: after its label, LRs widest. */
    const partColumns = (bx: number, w: number): { part: VcpuPart; x: number; w: number }[] => {
      const sg = 4;
      const weights = [1, 1.15, 0.85];
      const total = weights.reduce((a, b) => a + b, 0);
      const room = w - labelW - 4 - 2 * sg;
      let x = bx + labelW;
      return VCPU_PARTS.map((part, j) => {
        const pw2 = (room * weights[j]!) / total;
        const out = { part, x, w: pw2 };
        x += pw2 + sg;
        return out;
      });
    };
    for (let v = 0; v < vm.vcpus; v++) {
      const c = v % cols;
      const r = Math.floor(v / cols);
      const bx = ax + c * (vw + g);
      const by = ay + r * (vh + VCPU_GAP);
      const id = `vm${vm.index}.vcpu${v}`;
      const vf = fontFor(vh / 2.6, labelW, 9);
      add(
        id,
        'vcpu',
        { x: bx, y: by, w: vw, h: vh },
        vf,
        id,
        { node: 'vcpu', vm: vm.index, vcpu: v },
        { textW: labelW },
      );
      const ip = clamp(Math.min(vw, vh) * 0.06, 2, 4);
      const sy = by + ip;
      const sh = Math.max(6, vh - 2 * ip);
      const subs = partColumns(bx, vw).map(({ part, x, w }) =>
        add(`${id}/${part}`, 'vcpu-part', { x, y: sy, w, h: sh }, vf, id, {
          node: 'vcpu',
          vm: vm.index,
          vcpu: v,
          part,
        }),
      );
      // Column headings over the first row of vCPUs, in the frame's title line.
      if (r === 0)
        for (const { part, x, w } of partColumns(bx, vw))
          add(
            `vm${vm.index}/col${c}/${part}`,
            'vm-col',
            { x, y: y + 2, w, h: head - 5 },
            clamp(Math.min(f * 0.9, (head - 8) / 1.3, w / (14 * 0.6)), 6, f),
            `vm${vm.index}/col${c}/${part}`,
            undefined,
            { col: part },
          );
      const ap = subs[0]!;
      // vgic -> the vCPU's ap_list: across to the lane, up or down it to the gap above this
      // vCPU's row, along that gap, and down into the ap_list.
      const gapY = by - VCPU_GAP / 2;
      const apX = ap.x + ap.w / 2;
      wires.push({
        id: `${vgic.id}>${id}`,
        from: vgic.id,
        to: id,
        kind: 'virq',
        points: [
          { x: vgic.x + vgic.w, y: mid },
          { x: laneX, y: mid },
          { x: laneX, y: gapY },
          { x: apX, y: gapY },
          { x: apX, y: ap.y },
        ],
      });
      // The link to its pCPU leaves from its right edge, or (when another vCPU is to its right)
      // from under it, along the gap under its row.
      from.set(
        `${vm.index}.${v}`,
        c === cols - 1 || v === vm.vcpus - 1
          ? { x: bx + vw, y: by + vh / 2 }
          : { x: bx + vw / 2, y: by + vh, gapY: by + vh + Math.min(VCPU_GAP, pad) / 2 },
      );
    }
  });

  // ---- Anchors of the links to the physical CPUs ------------------------------------------------
  const hostTop = Math.min(...host.nodes.filter((n) => n.y >= bottom).map((n) => n.y), bottom + 2 * M);
  const railY = (bottom - M / 2 + hostTop) / 2;
  const exitX = Math.min(rx1 + M / 2, W - 2);
  const to = new Map<number, { x: number; y: number; gx: number }>();
  for (const core of cores) {
    const cpu = core.place?.node === 'cpu' ? core.place.cpu : -1;
    const right = core.x + core.w;
    const next = rds.filter((n) => n.x > right).map((n) => n.x);
    const gx = next.length ? (right + Math.min(...next)) / 2 : Math.min(right + M / 2, W - 2);
    // Under the core's text, so the link does not run through its first lines.
    to.set(cpu, { x: right, y: core.y + core.h * 0.62, gx });
  }
  return { railY, exitX, from, to };
}
