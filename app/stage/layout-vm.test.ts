/**
 * The hypervisor band's layout rules, for machines with 1 to 3 VMs of 1 to 8 vCPUs on hosts of 1
 * to 64 CPUs, from a laptop's stage to a 2560x1440 projector: nothing overlaps but a frame and
 * what it holds, everything is inside the canvas, every place of a VM has its box, wires and the
 * vCPU-to-pCPU links run axis-parallel and cross no box they do not join, and a machine without
 * VMs is laid out exactly as before.
 */

import { describe, expect, it } from 'vitest';
import type { MachineShape, Place, VmShape } from '../worker/api';
import { machine } from './fixtures';
import { layout, nodeIdOf, placeXY, type Point, type Rect, type StageLayout, type StageNode } from './layout';
import { vcpuLink } from './layout-vm';

const EPS = 1e-6;
const overlaps = (a: Rect, b: Rect): boolean =>
  a.x < b.x + b.w - EPS && b.x < a.x + a.w - EPS && a.y < b.y + b.h - EPS && b.y < a.y + a.h - EPS;
const contains = (outer: Rect, r: Rect): boolean =>
  r.x >= outer.x - EPS &&
  r.y >= outer.y - EPS &&
  r.x + r.w <= outer.x + outer.w + EPS &&
  r.y + r.h <= outer.y + outer.h + EPS;
const inside = (p: Point, r: Rect): boolean =>
  p.x >= r.x - EPS && p.x <= r.x + r.w + EPS && p.y >= r.y - EPS && p.y <= r.y + r.h + EPS;

function withVms(shape: MachineShape, vcpus: number[], its = true): MachineShape {
  const vms: VmShape[] = vcpus.map((n, index) => ({
    index,
    name: `vm${index}`,
    vcpus: n,
    lrs: 4,
    its: its ? 1 : 0,
  }));
  return { ...shape, vms };
}

/** Every place a VM of this shape has. */
function vmPlaces(shape: MachineShape): Place[] {
  const out: Place[] = [];
  for (const vm of shape.vms ?? []) {
    for (const part of ['irqfd', 'routing', 'vgic', ...(vm.its ? ['its' as const] : [])] as const)
      out.push({ node: 'kvm', vm: vm.index, part });
    for (let v = 0; v < vm.vcpus; v++) {
      out.push({ node: 'vcpu', vm: vm.index, vcpu: v });
      for (const part of ['aplist', 'lr', 'guest'] as const)
        out.push({ node: 'vcpu', vm: vm.index, vcpu: v, part });
    }
  }
  return out;
}

const FRAMES = new Set(['vm', 'kvm']);
/** Parts of a box (held by it): checked inside their holder, not against everything. */
const HELD = new Set(['its-part', 'vcpu-part', 'vm-col']);

/** The box that holds `n`: its ITS, its vCPU, its VM or KVM frame. */
function holderOf(lay: StageLayout, n: StageNode): StageNode | undefined {
  if (n.kind === 'its-part' || n.kind === 'vcpu-part') return lay.byId.get(n.top);
  const vm = /^vm(\d+)/.exec(n.id)?.[1];
  if (n.kind === 'vcpu' || n.kind === 'vm-col') return lay.byId.get(`vm${vm}`);
  if (n.kind === 'kvm-part') return lay.byId.get(`vm${vm}/kvm`);
  return undefined;
}

/** Segments of `points` that pass through a box in `boxes` (other than those in `skip`). */
function crossingsOf(
  id: string,
  points: Point[],
  boxes: StageNode[],
  skip: Set<string>,
  canvas: Rect,
): string[] {
  const out: string[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (Math.abs(a.x - b.x) > EPS && Math.abs(a.y - b.y) > EPS) out.push(`${id}: a diagonal segment`);
    const seg = {
      x: Math.min(a.x, b.x),
      y: Math.min(a.y, b.y),
      w: Math.abs(a.x - b.x),
      h: Math.abs(a.y - b.y),
    };
    if (!contains(canvas, seg)) out.push(`${id} leaves the canvas`);
    for (const n of boxes) {
      if (skip.has(n.id)) continue;
      const core = { x: n.x + 0.5, y: n.y + 0.5, w: n.w - 1, h: n.h - 1 };
      if (
        seg.x <= core.x + core.w &&
        core.x <= seg.x + seg.w &&
        seg.y <= core.y + core.h &&
        core.y <= seg.y + seg.h
      )
        out.push(`${id} crosses ${n.id}`);
    }
  }
  return out;
}

function problems(shape: MachineShape, lay: StageLayout): string[] {
  const out: string[] = [];
  const canvas = { x: 0, y: 0, w: lay.width, h: lay.height };
  for (const n of lay.nodes) {
    if (!(n.w > 0 && n.h > 0)) out.push(`${n.id} has no area (${n.w}x${n.h})`);
    if (!contains(canvas, n)) out.push(`${n.id} is outside the canvas`);
    if (!contains(n, n.tokens)) out.push(`${n.id}: token area outside the box`);
    const holder = holderOf(lay, n);
    if (HELD.has(n.kind) || n.kind === 'vcpu' || n.kind === 'kvm-part') {
      if (!holder) out.push(`${n.id} has no holder`);
      else if (!contains(holder, n)) out.push(`${n.id} sticks out of ${holder.id}`);
    }
  }
  // Boxes that stand on their own: nothing overlaps, except a frame and what it holds.
  const boxes = lay.nodes.filter((n) => !HELD.has(n.kind));
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (!overlaps(a, b)) continue;
      if (holderOf(lay, a) === b || holderOf(lay, b) === a) continue;
      out.push(`${a.id} overlaps ${b.id}`);
    }
  // Parts of one holder do not overlap each other.
  const held = lay.nodes.filter((n) => HELD.has(n.kind));
  for (let i = 0; i < held.length; i++)
    for (let j = i + 1; j < held.length; j++)
      if (holderOf(lay, held[i]!) === holderOf(lay, held[j]!) && overlaps(held[i]!, held[j]!))
        out.push(`${held[i]!.id} overlaps ${held[j]!.id}`);
  for (const place of vmPlaces(shape)) {
    const n = lay.byId.get(nodeIdOf(place));
    const p = placeXY(lay, place);
    if (!n || !p) out.push(`no node for ${nodeIdOf(place)}`);
    else if (!inside(p, n)) out.push(`placeXY(${n.id}) is outside it`);
  }
  // The band's wires cross no box but their ends, the frames they run in, and the parts of the
  // vCPU they enter.
  const solid = lay.nodes.filter((n) => !FRAMES.has(n.kind) && n.kind !== 'vm-col');
  for (const w of lay.wires.filter((x) => x.kind === 'kvm' || x.kind === 'virq')) {
    const skip = new Set([w.from, w.to, ...lay.nodes.filter((n) => n.top === w.to).map((n) => n.id)]);
    out.push(...crossingsOf(w.id, w.points, solid, skip, canvas));
  }
  // Links from every vCPU to every pCPU: they cross no box but their two ends.
  for (const vm of shape.vms ?? [])
    for (let v = 0; v < vm.vcpus; v++)
      shape.cpus.forEach((_, p) => {
        const pts = vcpuLink(lay.links, vm.index, v, p);
        const from = `vm${vm.index}.vcpu${v}`;
        if (!pts) {
          out.push(`no link from ${from} to cpu${p}`);
          return;
        }
        const skip = new Set([from, `cpu${p}`, ...lay.nodes.filter((n) => n.top === from).map((n) => n.id)]);
        out.push(...crossingsOf(`${from}>cpu${p}`, pts, solid, skip, canvas));
      });
  return out;
}

const SIZES = [
  { width: 880, height: 250 },
  { width: 900, height: 340 },
  { width: 1280, height: 720 },
  { width: 1500, height: 560 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
];

describe('the hypervisor band', () => {
  it('keeps every rule for 1..3 VMs of 1..8 vCPUs on hosts of 1..64 CPUs, at every size', () => {
    const bad: string[] = [];
    for (const size of SIZES)
      for (const cpus of [1, 2, 4, 8, 16, 64])
        for (const devices of [0, 1, 8])
          for (const vcpus of [[1], [2], [4], [8], [2, 1], [4, 4, 2]])
            for (const its of [true, false]) {
              const shape = withVms(machine(devices, cpus), vcpus, its);
              const p = problems(shape, layout(shape, size));
              if (p.length)
                bad.push(
                  `${size.width}x${size.height} ${cpus} CPUs ${devices} devices vCPUs ${vcpus.join('+')}${its ? '' : ' no vITS'}: ${p.slice(0, 3).join('; ')}`,
                );
            }
    expect(bad.slice(0, 8)).toEqual([]);
  });

  it('has a checker that sees a box moved onto its neighbour, and a link through a box', () => {
    const shape = withVms(machine(1, 2), [2]);
    const lay = layout(shape, { width: 1500, height: 560 });
    expect(problems(shape, lay)).toEqual([]);
    const v0 = lay.byId.get('vm0.vcpu0')!;
    const v1 = lay.byId.get('vm0.vcpu1')!;
    const moved = { ...lay, nodes: lay.nodes.map((n) => (n === v1 ? { ...n, x: v0.x + 10, y: v0.y } : n)) };
    moved.byId = new Map(moved.nodes.map((n) => [n.id, n]));
    expect(problems(shape, moved).join('\n')).toMatch(
      /vm0\.vcpu0 overlaps vm0\.vcpu1|vm0\.vcpu1 overlaps vm0\.vcpu0/,
    );
    // A gutter moved into the first row of CPUs: the link to CPU 1 would run down through GICR 0.
    const to = new Map(lay.links!.to);
    to.set(1, { ...to.get(1)!, gx: lay.byId.get('rd0')!.x + 5 });
    expect(problems(shape, { ...lay, links: { ...lay.links!, to } }).join('\n')).toMatch(/>cpu1 crosses rd0/);
  });

  it('gives a laptop stage a picture it scales down by at most a fifth (2 vCPUs, 2 CPUs)', () => {
    const shape = withVms(machine(1, 2), [2]);
    const lay = layout(shape, { width: 880, height: 250 });
    const scale = Math.min(880 / lay.width, 250 / lay.height);
    expect(scale).toBeGreaterThanOrEqual(0.8);
  });

  it('puts the VMs over the CPUs and KVM over the ITS column, above the whole host', () => {
    const shape = withVms(machine(2, 4), [2]);
    const lay = layout(shape, { width: 1500, height: 560 });
    const band = ['vm0', 'vm0/kvm'].map((id) => lay.byId.get(id)!);
    const host = lay.nodes.filter((n) => !/^vm/.test(n.id));
    const hostTop = Math.min(...host.map((n) => n.y));
    for (const b of band) expect(b.y + b.h).toBeLessThan(hostTop);
    const its = lay.byId.get('its0')!;
    const kvm = lay.byId.get('vm0/kvm')!;
    expect(kvm.x + kvm.w).toBeCloseTo(its.x + its.w, 6);
    const rd0 = lay.byId.get('rd0')!;
    expect(lay.byId.get('vm0')!.x).toBeCloseTo(rd0.x, 6);
    // A link ends at its CPU's core box, and starts at its vCPU's box.
    const pts = vcpuLink(lay.links, 0, 1, 3)!;
    const core = lay.byId.get('cpu3')!;
    expect(inside(pts.at(-1)!, core)).toBe(true);
    expect(inside(pts[0]!, lay.byId.get('vm0.vcpu1')!)).toBe(true);
  });

  it('lays a machine without VMs out exactly as before: no band, no links', () => {
    for (const size of SIZES) {
      const shape = machine(3, 4);
      const lay = layout(shape, size);
      expect(lay.links).toBeUndefined();
      expect(lay.nodes.some((n) => /^vm/.test(n.id))).toBe(false);
      // Adding VMs leaves the host's boxes in the same order, with the same kinds.
      const vm = layout(withVms(shape, [2]), size);
      expect(vm.nodes.filter((n) => !/^vm/.test(n.id)).map((n) => `${n.id}:${n.kind}`)).toEqual(
        lay.nodes.map((n) => `${n.id}:${n.kind}`),
      );
    }
  });
});
