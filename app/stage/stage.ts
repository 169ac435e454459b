/**
 * The stage: the machine drawn in SVG with d3, interrupts as tokens moving along the architectural
 * path. React-free (ARCHITECTURE.md §5): `createStage(svg, opts)` returns `{update, resize,
 * destroy}` and components/Stage.tsx drives it.
 *
 * Everything the stage decides (layout, text, where tokens go and how they get there, which wires
 * light up) is computed by the pure modules layout.ts and view.ts; this file applies it to the DOM.
 * Boxes are drawn once per layout (a resize or another machine), so playing never moves them; a
 * frame only changes their text, their focus, and the tokens.
 *
 * Test hooks: data-node on every box ('device:nic0', 'its0', 'its0/dt', 'dist', 'rd3', 'cpuif3',
 * 'cpu3', 'memory'), data-focus="true" on the last event's places, data-irq/data-fiq/data-depth on
 * CPUs, data-waiting/data-stalled/data-creadr/data-cwriter on command queues, data-wire (and
 * class "hot") on wires, data-token-id/-kind/-state/-at/-intid on tokens.
 *
 * A machine with VMs adds (layout-vm.ts): the frames 'vm0' and 'vm0/kvm' (drawn under the wires),
 * the vCPUs 'vm0.vcpu1' (data-mode, data-pcpu, data-aplist, data-lrs) and their parts
 * 'vm0.vcpu1/aplist' | '/lr' | '/guest', KVM's 'vm0/irqfd', 'vm0/routing', 'vm0/its', 'vm0/vgic',
 * data-vcpu / data-vcpu-mode on CPUs, and a link per loaded vCPU to its CPU (data-link
 * 'vm0.vcpu1>cpu0', data-mode guest | host).
 */

// `interrupt` is used by name: d3 declares itself free of side effects, so a bundler keeps
// d3-transition (which adds .transition() to selections) only when something is imported from it.
import { easeCubicInOut, interrupt, select, type Selection } from 'd3';
import type { PathView } from '../store/views-slice';
import type { MachineShape, Place, StageModel, Token } from '../worker/api';
import { layout, type Point, type Size, type StageLayout, type StageNode, type Wire } from './layout';
import { vcpuLink } from './layout-vm';
import { arrowMarker } from './svg-defs';
import {
  diffTokens,
  hotWires,
  nodeViews,
  placeTokens,
  pointAlong,
  type Drawn,
  type Leave,
  type Move,
  type NodeView,
  type TokenView,
} from './view';

export interface StageFrame {
  shape: MachineShape;
  stage: StageModel;
  /**
   * GICv4: which way of a device MSI to a guest to bring forward ('direct': the host ITS, the
   * vPE's redistributor and the guest; 'software': VFIO, irqfd, the vITS, the vgic and the list
   * registers); the other is dimmed. 'both' (or absent): neither is.
   */
  path?: PathView;
}

export type { PathView };

export interface StageOptions {
  size: Size;
  /** Called when the user clicks a box, or presses Enter or Space on it. */
  onSelectPlace?: (place: Place) => void;
  /** Called when the user clicks an interrupt token. */
  onSelectToken?: (token: Token) => void;
}

export interface StageHandle {
  /** Shows a frame; tokens move to it in `durationMs` (0: at once). */
  update(frame: StageFrame, opts: { durationMs: number }): void;
  resize(size: Size): void;
  destroy(): void;
}

let instances = 0;

/** Stops a token's move (or fade) where it is. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function stop(sel: Selection<SVGGElement, any, any, any>): void {
  sel.each(function () {
    interrupt(this, 'move');
  });
}

const translate = (p: Point): string => `translate(${p.x.toFixed(2)},${p.y.toFixed(2)})`;
const pathD = (points: readonly Point[]): string =>
  points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');

/** Boxes whose text is centred (narrow ones); the others read from the left. */
const CENTRED = new Set<StageNode['kind']>(['its-part', 'rd', 'kvm-part', 'vm-col']);

/** Frames: boxes that hold other boxes, drawn under the wires that run inside them. */
const FRAMES = new Set<StageNode['kind']>(['vm', 'kvm']);

interface Link {
  id: string;
  mode: 'guest' | 'host';
  /** GICv4: the vCPU's vPE is resident on the redistributor of the pCPU it runs on. */
  direct: boolean;
  points: Point[];
}

type G = Selection<SVGGElement, unknown, null, undefined>;

export function createStage(svg: SVGSVGElement, opts: StageOptions): StageHandle {
  const uid = `stage${++instances}`;
  const root = select(svg);
  root
    .classed('stage', true)
    .attr('role', 'group')
    .attr('aria-roledescription', 'machine diagram')
    .attr(
      'aria-label',
      'The machine: PCI devices, ITS, distributor, redistributors, CPU interfaces and CPUs, with interrupts as tokens',
    );
  const defs = root.append('defs');
  const arrow = arrowMarker(defs, `${uid}-arrow`, 'stage-arrow', 5, 'auto-start-reverse');
  const gFrames: G = root.append('g').attr('class', 'stage-frames');
  const gLinks: G = root.append('g').attr('class', 'stage-links');
  const gWires: G = root.append('g').attr('class', 'stage-wires');
  const gNodes: G = root.append('g').attr('class', 'stage-nodes');
  const gTokens: G = root.append('g').attr('class', 'stage-tokens');

  let size = opts.size;
  let shape: MachineShape | undefined;
  let shapeKey = '';
  let lay: StageLayout | undefined;
  let model: StageModel | undefined;
  let position: number | undefined;
  /** Where each token is drawn (the target of its last move). */
  const drawn = new Map<string, Drawn>();
  /** What each node last showed, so an unchanged box is not touched. */
  const painted = new Map<string, string>();
  /**
   * What each token element last showed, and the elements still moving: an MSI storm keeps
   * hundreds of tokens on stage, and rewriting every attribute of each one every frame was most
   * of a frame's time (npm run bench:ui). A token that neither changed nor moves is not touched.
   */
  let tokenPainted = new WeakMap<Element, string>();
  const animating = new WeakSet<Element>();

  const choose = (n: StageNode): void => {
    if (n.place) opts.onSelectPlace?.(n.place);
  };

  function drawLayout(): void {
    if (!shape) return;
    lay = layout(shape, size);
    const L = lay;
    painted.clear();
    root.attr('viewBox', `0 0 ${L.width} ${L.height}`).attr('preserveAspectRatio', 'xMidYMid meet');

    gWires
      .selectAll<SVGPathElement, Wire>('path.stage-wire')
      .data(L.wires, (w) => w.id)
      .join('path')
      .attr('class', (w) => `stage-wire wire-${w.kind}`)
      .attr('data-wire', (w) => w.id)
      .attr('d', (w) => pathD(w.points));

    const boxes = (group: G, list: StageNode[]) =>
      group
        .selectAll<SVGGElement, StageNode>('g.stage-node')
        .data(list, (n) => n.id)
        .join((enter) => {
          const g = enter.append('g').attr('class', 'stage-node');
          g.append('title');
          g.append('rect').attr('class', 'stage-box');
          g.append('text').attr('class', 'stage-text');
          return g;
        })
        .order();
    boxes(
      gFrames,
      L.nodes.filter((n) => FRAMES.has(n.kind)),
    );
    boxes(
      gNodes,
      L.nodes.filter((n) => !FRAMES.has(n.kind)),
    );
    gLinks.selectAll('path.stage-link').remove();
    const nodes = root
      .selectAll<SVGGElement, StageNode>('g.stage-node')
      .attr('class', (n) => `stage-node node-${n.kind}`)
      .attr('data-node', (n) => n.id)
      .attr('tabindex', (n) => (n.place ? 0 : null))
      .attr('role', (n) => (n.place ? 'button' : 'group'))
      .on('click', (_e: MouseEvent, n) => choose(n))
      .on('keydown', (e: KeyboardEvent, n) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          choose(n);
        }
      });
    nodes
      .select('rect.stage-box')
      .attr('x', (n) => n.x)
      .attr('y', (n) => n.y)
      .attr('width', (n) => n.w)
      .attr('height', (n) => n.h)
      .attr('rx', (n) => Math.min(6, n.h / 4));
    nodes
      .select('text.stage-text')
      .attr('font-size', (n) => n.font)
      .attr('text-anchor', (n) => (CENTRED.has(n.kind) && !n.ring ? 'middle' : 'start'));
    // The command queue's ring: its strip, the waiting commands, CREADR and CWRITER, the slot.
    nodes.each(function (n) {
      const g = select(this);
      g.selectAll('g.stage-ring').remove();
      if (!n.ring) return;
      const ring = g.append('g').attr('class', 'stage-ring').attr('aria-hidden', 'true');
      ring
        .append('rect')
        .attr('class', 'stage-ring-bg')
        .attr('x', n.ring.x)
        .attr('y', n.ring.y)
        .attr('width', n.ring.w)
        .attr('height', n.ring.h);
      ring.append('g').attr('class', 'stage-ring-fill');
      ring.append('text').attr('class', 'stage-stalled');
    });
  }

  function paintNodes(L: StageLayout, s: StageModel): void {
    if (!shape) return;
    const views = new Map<string, NodeView>(nodeViews(L, shape, s).map((v) => [v.id, v]));
    const its = new Map(s.its.map((x) => [x.index, x]));
    root.selectAll<SVGGElement, StageNode>('g.stage-node').each(function (n) {
      const v = views.get(n.id);
      if (!v) return;
      const q = n.ring && n.place?.node === 'its' ? its.get(n.place.its) : undefined;
      const sig = JSON.stringify([v, q]);
      if (painted.get(n.id) === sig) return;
      painted.set(n.id, sig);
      const g = select(this);
      g.attr('data-focus', v.focus ? 'true' : null);
      for (const [k, val] of Object.entries(v.data)) g.attr(`data-${k}`, val);
      g.select('title').text(v.aria);
      const lineH = n.font * 1.25;
      const centred = CENTRED.has(n.kind) && !n.ring;
      const x = centred ? n.x + n.w / 2 : n.x + n.pad + 1;
      g.select('text.stage-text')
        .selectAll('tspan')
        .data(v.lines)
        .join('tspan')
        .attr('x', x)
        .attr('y', (_l, i) => n.y + n.pad + n.font * 0.95 + i * lineH)
        .attr('class', (l, i) => (v.note !== undefined && l === v.note ? 'note' : i === 0 ? 'title' : null))
        .text((l) => l);
      if (n.ring && q) paintRing(g, n, q, v);
      const shown = Array.from(this.querySelectorAll('text'), (t) => t.textContent ?? '').join(' ');
      g.attr('aria-label', labelWithText(shown, v.aria));
    });
  }

  function paintRing(g: G, n: StageNode, q: StageModel['its'][number], v: NodeView): void {
    const r = n.ring!;
    const slots = Math.max(1, q.slots);
    const sx = (slot: number): number => r.x + (slot / slots) * r.w;
    const fill = g.select<SVGGElement>('g.stage-ring-fill');
    fill.selectAll('*').remove();
    // Waiting commands: CREADR up to CWRITER, wrapping around the end of the ring.
    const spans: [number, number][] =
      q.waiting === 0
        ? []
        : q.cwriterSlot > q.creadrSlot
          ? [[q.creadrSlot, q.cwriterSlot]]
          : [
              [q.creadrSlot, slots],
              [0, q.cwriterSlot],
            ];
    for (const [a, b] of spans) {
      if (b <= a) continue;
      fill
        .append('rect')
        .attr('class', 'stage-ring-waiting')
        .attr('x', sx(a))
        .attr('y', r.y)
        .attr('width', sx(b) - sx(a))
        .attr('height', r.h);
    }
    if (slots <= 64) {
      const ticks: string[] = [];
      for (let i = 1; i < slots; i++) ticks.push(`M${sx(i).toFixed(1)},${r.y}v${r.h}`);
      fill.append('path').attr('class', 'stage-ring-ticks').attr('d', ticks.join(''));
    }
    const slotText = v.note?.startsWith('slot ') ? Number(v.note.slice(5)) : NaN;
    if (Number.isFinite(slotText)) {
      fill
        .append('rect')
        .attr('class', 'stage-ring-slot')
        .attr('x', sx(slotText) - 1)
        .attr('y', r.y - 2)
        .attr('width', Math.max(2, r.w / slots) + 2)
        .attr('height', r.h + 4);
    }
    fill
      .append('path')
      .attr('class', 'stage-ring-r')
      .attr('d', `M${sx(q.creadrSlot).toFixed(1)},${r.y - 3}v${r.h + 6}`);
    fill
      .append('path')
      .attr('class', 'stage-ring-w')
      .attr('d', `M${sx(q.cwriterSlot).toFixed(1)},${r.y - 3}v${r.h + 6}`);
    g.select('text.stage-stalled')
      .attr('x', n.x + n.w - n.pad - 1)
      .attr('y', n.y + n.pad + n.font * 0.95)
      .attr('font-size', n.font)
      .attr('text-anchor', 'end')
      .text(q.stalled ? (n.w > n.font * 14 ? '⚠ STALLED' : '⚠') : '');
  }

  /** Each loaded vCPU's link to the physical CPU it runs on. */
  function paintLinks(L: StageLayout, s: StageModel): void {
    const links: Link[] = [];
    for (const vm of s.vms ?? [])
      for (const v of vm.vcpus) {
        if (v.pcpu < 0 || (v.mode !== 'guest' && v.mode !== 'host')) continue;
        const points = vcpuLink(L.links, vm.index, v.vcpu, v.pcpu);
        const direct = v.vpe !== undefined && v.vpe.residentOn === v.pcpu;
        if (points)
          links.push({ id: `vm${vm.index}.vcpu${v.vcpu}>cpu${v.pcpu}`, mode: v.mode, direct, points });
      }
    gLinks
      .selectAll<SVGPathElement, Link>('path.stage-link')
      .data(links, (l) => l.id)
      .join('path')
      .attr('class', (l) => `stage-link mode-${l.mode}${l.direct ? ' direct' : ''}`)
      .attr('data-link', (l) => l.id)
      .attr('data-mode', (l) => l.mode)
      .attr('data-direct', (l) => (l.direct ? 'true' : null))
      .attr('d', (l) => pathD(l.points));
  }

  function paintWires(s: StageModel, hot: Set<string>): void {
    const cpus = new Map(s.cpus.map((c) => [c.index, c]));
    gWires
      .selectAll<SVGPathElement, Wire>('path.stage-wire')
      .classed('hot', (w) => hot.has(w.id))
      .attr('marker-end', (w) => (hot.has(w.id) ? arrow : null))
      .each(function (w) {
        if (w.kind !== 'irq' && w.kind !== 'fiq') return;
        const c = cpus.get(Number(w.to.slice(3)));
        const on = c ? (w.kind === 'irq' ? c.irq : c.fiq) : false;
        select(this).classed('asserted', on).attr('data-asserted', String(on));
      });
    gWires.selectAll('path.stage-wire.hot').raise();
  }

  /** Everything paintToken writes, as one string. */
  const tokenSignature = (d: TokenView): string =>
    `${d.id}|${d.token.kind}|${d.token.state}|${d.node}|${d.token.intid ?? ''}|${d.aria}|${d.w}|${d.h}|${d.mark}|${d.label}|${d.font}|${d.token.direct ?? ''}`;

  function paintToken(g: Selection<SVGGElement, TokenView, null, undefined>, d: TokenView): void {
    const state = d.token.state.replace('+', '-');
    g.attr('class', `stage-token kind-${d.token.kind} state-${state}${d.token.direct ? ' direct' : ''}`)
      .attr('data-token-id', d.id)
      .attr('data-token-direct', d.token.direct ? 'true' : null)
      .attr('data-token-kind', d.token.kind)
      .attr('data-token-state', d.token.state)
      .attr('data-token-at', d.node)
      .attr('data-token-intid', d.token.intid ?? null)
      .attr('role', 'img')
      .attr('aria-label', d.aria);
    const left = -d.w / 2;
    g.select('title').text(d.aria);
    g.select('rect.stage-token-ring')
      .attr('x', left - 2.5)
      .attr('y', -d.h / 2 - 2.5)
      .attr('width', d.w + 5)
      .attr('height', d.h + 5)
      .attr('rx', (d.h + 5) / 2);
    g.select('rect.stage-token-body')
      .attr('x', left)
      .attr('y', -d.h / 2)
      .attr('width', d.w)
      .attr('height', d.h)
      .attr('rx', d.h / 2);
    g.select('circle.stage-token-badge')
      .attr('cx', left + d.h / 2)
      .attr('cy', 0)
      .attr('r', Math.max(1, d.h / 2 - 1.5));
    g.select('text.stage-token-mark')
      .attr('x', left + d.h / 2)
      .attr('y', 0)
      .attr('dy', '0.35em')
      .attr('font-size', d.mark.length > 1 ? d.h * 0.4 : d.h * 0.55)
      .text(d.mark);
    g.select('text.stage-token-label')
      .attr('x', left + d.h * 1.1)
      .attr('y', 0)
      .attr('dy', '0.35em')
      .attr('font-size', d.font)
      .text(d.label);
  }

  function paintTokens(L: StageLayout, s: StageModel, durationMs: number): ReturnType<typeof diffTokens> {
    const views = placeTokens(L, s.tokens);
    const diff = diffTokens(L, drawn, views, s.focus);
    const moves = new Map<string, Move>();
    for (const m of diff.enter) moves.set(m.view.id, m);
    for (const m of diff.update) moves.set(m.view.id, m);
    const entering = new Set(diff.enter.map((m) => m.view.id));
    const leaving = new Map<string, Leave>(diff.exit.map((l) => [l.id, l]));

    gTokens
      .selectAll<SVGGElement, TokenView>('g.stage-token:not(.leaving)')
      .data(views, (d) => d.id)
      .join(
        (enter) => {
          const g = enter.append('g');
          // The datum is read at click time: a token keeps its element as it moves.
          g.on('click', function () {
            const d = select<SVGGElement, TokenView>(this).datum();
            opts.onSelectToken?.(d.token);
          });
          g.append('title');
          g.append('rect').attr('class', 'stage-token-ring');
          g.append('rect').attr('class', 'stage-token-body');
          g.append('circle').attr('class', 'stage-token-badge');
          g.append('text').attr('class', 'stage-token-mark');
          g.append('text').attr('class', 'stage-token-label');
          return g;
        },
        (update) => update,
        (exit) =>
          exit.each(function (d) {
            const el = select(this);
            const l = leaving.get(d.id);
            drawn.delete(d.id);
            stop(el);
            el.classed('leaving', true).attr('data-token-id', null).attr('data-token-leaving', d.id);
            if (durationMs <= 0 || !l) {
              el.remove();
              return;
            }
            const route = l.route;
            el.transition('move')
              .duration(durationMs)
              .ease(easeCubicInOut)
              .attrTween('transform', () => (t) => translate(pointAlong(route, t)))
              .style('opacity', 0)
              .remove();
          }),
      )
      .each(function (d) {
        const el = select<SVGGElement, TokenView>(this);
        const sig = tokenSignature(d);
        if (tokenPainted.get(this) !== sig) {
          paintToken(el, d);
          tokenPainted.set(this, sig);
        }
        const m = moves.get(d.id);
        const route = m?.route ?? [{ x: d.x, y: d.y }];
        const target = { x: d.x, y: d.y };
        const before = drawn.get(d.id);
        drawn.set(d.id, { ...target, node: d.node });
        const isNew = entering.has(d.id);
        const still = route.length < 2 && !isNew;
        // Already standing where it belongs: nothing to write.
        if (still && !animating.has(this) && before && before.x === target.x && before.y === target.y) return;
        stop(el);
        animating.delete(this);
        if (durationMs <= 0 || still) {
          el.attr('transform', translate(target)).style('opacity', null);
          return;
        }
        el.attr('transform', translate(route[0]!));
        if (isNew) el.style('opacity', route.length < 2 ? 0 : 1);
        animating.add(this);
        const node = el.node();
        el.transition('move')
          .duration(durationMs)
          .ease(easeCubicInOut)
          .attrTween('transform', () => (t) => translate(pointAlong(route, t)))
          .style('opacity', 1)
          .on('end interrupt', () => {
            if (node) animating.delete(node);
          });
      });
    return diff;
  }

  function render(durationMs: number): void {
    if (!lay || !model) return;
    paintNodes(lay, model);
    paintLinks(lay, model);
    const step = position !== undefined && Math.abs(model.position - position) === 1 && durationMs > 0;
    const diff = paintTokens(lay, model, durationMs);
    paintWires(model, hotWires(lay, model, step ? diff : undefined));
    position = model.position;
  }

  return {
    update(frame, o) {
      const key = JSON.stringify(frame.shape);
      let durationMs = Math.max(0, o.durationMs);
      if (key !== shapeKey) {
        // Another machine: new boxes, and no token of the old one moves into them.
        shapeKey = key;
        shape = frame.shape;
        const old = gTokens.selectAll<SVGGElement, unknown>('g.stage-token');
        stop(old);
        old.remove();
        drawn.clear();
        tokenPainted = new WeakMap();
        position = undefined;
        drawLayout();
        durationMs = 0;
      }
      model = frame.stage;
      root.attr('data-path', frame.path && frame.path !== 'both' ? frame.path : null);
      render(durationMs);
    },
    resize(next) {
      if (next.width === size.width && next.height === size.height) return;
      size = next;
      if (!shape) return;
      tokenPainted = new WeakMap();
      drawLayout();
      position = undefined;
      render(0);
    },
    destroy() {
      stop(gTokens.selectAll<SVGGElement, unknown>('g.stage-token'));
      defs.remove();
      gFrames.remove();
      gLinks.remove();
      gWires.remove();
      gNodes.remove();
      gTokens.remove();
      root
        .classed('stage', false)
        .attr('role', null)
        .attr('aria-roledescription', null)
        .attr('aria-label', null)
        .attr('viewBox', null);
      drawn.clear();
      painted.clear();
    },
  };
}

/**
 * A box's accessible name: the words it says (`aria`), led by the text it shows (unless they
 * already start with it), so the name a sighted user reads ("DT") is also one a voice-control user
 * can say (WCAG 2.5.3, label in name).
 */
export function labelWithText(shown: string, aria: string): string {
  const text = shown.replace(/\s+/g, ' ').trim();
  if (!text) return aria;
  return aria.toLowerCase().startsWith(text.toLowerCase()) ? aria : `${text}: ${aria}`;
}
