/**
 * The stage as a standalone SVG file: what the page shows, drawn the same way in any viewer
 * (a browser tab, Inkscape, a slide deck), outside the page and its stylesheet.
 *
 * The live stage takes its colours and strokes from the page's CSS: custom properties that follow
 * the theme (var(--its)), color-mix(), and rules keyed on classes and data attributes
 * (.stage-node[data-focus='true'] .stage-box). None of that exists once the SVG leaves the page,
 * and most SVG tools understand neither custom properties nor color-mix(). So the export asks the
 * browser what each element's style *computed to*, and writes that onto the element: every rule
 * is then already applied, every variable resolved for the current theme. Colours are written as
 * #rrggbb with their alpha as fill-/stroke-opacity (the form every SVG 1.1 tool reads), lengths
 * without 'px' where SVG takes plain numbers, and only what differs from what the element would
 * inherit, which keeps the file small.
 *
 * The file also gets what a standalone document needs: xmlns, width/height and viewBox, a <title>
 * and <desc> naming the scenario and the position, and the theme's background as a rectangle
 * (a stage in dark theme is light text on a dark panel; without it the text would vanish on a
 * white page). Interactive attributes (tabindex, role="button") are dropped: nothing is clickable
 * in a file.
 *
 * The pure parts (colour parsing, declarations, the title and description) are unit-tested in
 * Node; `standaloneSvg` walks the DOM and needs a browser (e2e/export.spec.ts).
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A CSS property the stage's stylesheet sets, and whether SVG elements inherit it. */
interface StyleProperty {
  name: string;
  inherited: boolean;
}

/**
 * The properties the stage's CSS uses (app/styles.css, "The stage"), and the few that shape text.
 * Nothing else in that stylesheet changes how the drawing looks (cursor, pointer-events,
 * transition do not).
 */
export const STYLE_PROPERTIES: readonly StyleProperty[] = [
  { name: 'fill', inherited: true },
  { name: 'fill-opacity', inherited: true },
  { name: 'stroke', inherited: true },
  { name: 'stroke-opacity', inherited: true },
  { name: 'stroke-width', inherited: true },
  { name: 'stroke-dasharray', inherited: true },
  { name: 'stroke-dashoffset', inherited: true },
  { name: 'stroke-linecap', inherited: true },
  { name: 'stroke-linejoin', inherited: true },
  { name: 'font-family', inherited: true },
  { name: 'font-size', inherited: true },
  { name: 'font-weight', inherited: true },
  { name: 'font-style', inherited: true },
  { name: 'font-variant-numeric', inherited: true },
  { name: 'text-anchor', inherited: true },
  { name: 'visibility', inherited: true },
  { name: 'opacity', inherited: false },
  { name: 'display', inherited: false },
];

/** Computed values by property name (as getComputedStyle gives them). */
export type StyleMap = Readonly<Record<string, string>>;

export interface Rgba {
  /** '#rrggbb'. */
  hex: string;
  /** 0..1. */
  alpha: number;
}

const channel = (v: number): string =>
  Math.round(Math.max(0, Math.min(1, v)) * 255)
    .toString(16)
    .padStart(2, '0');

const unit = (v: number): number => Math.max(0, Math.min(1, v));

/** A number, or a percentage of `full`; NaN when it is neither. */
function component(s: string, full: number): number {
  const t = s.trim();
  if (t.endsWith('%')) return (Number(t.slice(0, -1)) / 100) * full;
  return t === '' ? NaN : Number(t);
}

/**
 * A computed colour as hex and alpha. Chromium computes `rgb(r, g, b)`, `rgba(r, g, b, a)` and,
 * for color-mix() in srgb, `color(srgb r g b / a)` with channels in 0..1. Anything else (none,
 * url(#pattern), a colour in another space) is not a colour this function rewrites: null.
 */
export function parseColor(value: string): Rgba | null {
  const v = value.trim().toLowerCase();
  if (v === 'transparent') return { hex: '#000000', alpha: 0 };
  let m = /^rgba?\(([^)]*)\)$/.exec(v);
  if (m) {
    const parts = m[1]!.split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 3) return null;
    const [r, g, b] = parts.slice(0, 3).map((p) => component(p, 255) / 255);
    const a = parts[3] === undefined ? 1 : component(parts[3], 1);
    if (![r, g, b, a].every((x) => Number.isFinite(x))) return null;
    return { hex: `#${channel(r!)}${channel(g!)}${channel(b!)}`, alpha: unit(a) };
  }
  m = /^color\(srgb\s+([^)]*)\)$/.exec(v);
  if (m) {
    const [rgb, alphaPart] = m[1]!.split('/');
    const parts = rgb!.trim().split(/\s+/);
    if (parts.length !== 3) return null;
    const [r, g, b] = parts.map((p) => component(p, 1));
    const a = alphaPart === undefined ? 1 : component(alphaPart, 1);
    if (![r, g, b, a].every((x) => Number.isFinite(x))) return null;
    return { hex: `#${channel(r!)}${channel(g!)}${channel(b!)}`, alpha: unit(a) };
  }
  return null;
}

/** '1.5px' -> '1.5': SVG attributes and SVG 1.1 tools take user units as plain numbers. */
const stripPx = (v: string): string => v.replace(/(-?[\d.]+(?:e-?\d+)?)px\b/g, '$1');

/** Rounds an opacity product to what a viewer can tell apart. */
const opacity = (v: number): string => String(Math.round(unit(v) * 1000) / 1000);

/**
 * The computed style written the portable way: colours as hex with their alpha folded into
 * fill-/stroke-opacity, lengths without 'px', dash lists with spaces.
 */
export function portableStyle(style: StyleMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name } of STYLE_PROPERTIES) {
    const v = style[name];
    if (v !== undefined && v !== '') out[name] = v.trim();
  }
  for (const paint of ['fill', 'stroke'] as const) {
    const v = out[paint];
    if (v === undefined) continue;
    const c = parseColor(v);
    const own = Number(out[`${paint}-opacity`] ?? '1');
    if (c) {
      out[paint] = c.hex;
      out[`${paint}-opacity`] = opacity(c.alpha * (Number.isFinite(own) ? own : 1));
    } else if (out[`${paint}-opacity`] !== undefined) {
      out[`${paint}-opacity`] = opacity(Number.isFinite(own) ? own : 1);
    }
  }
  for (const length of ['stroke-width', 'stroke-dashoffset']) {
    if (out[length] !== undefined) out[length] = stripPx(out[length]);
  }
  if (out['stroke-dasharray'] !== undefined && out['stroke-dasharray'] !== 'none')
    out['stroke-dasharray'] = stripPx(out['stroke-dasharray']).replace(/\s*,\s*/g, ' ');
  if (out.opacity !== undefined) out.opacity = opacity(Number(out.opacity));
  return out;
}

/**
 * The declarations an element needs, given its portable style and its parent's (null for the
 * root): an inherited property only where it differs from the parent's, opacity only where it is
 * not 1, display only when it hides the element.
 */
export function declarations(own: Record<string, string>, parent: Record<string, string> | null): string {
  const decls: string[] = [];
  for (const { name, inherited } of STYLE_PROPERTIES) {
    const v = own[name];
    if (v === undefined) continue;
    if (name === 'display') {
      if (v === 'none') decls.push('display:none');
      continue;
    }
    if (!inherited) {
      if (name === 'opacity' && Number(v) !== 1) decls.push(`opacity:${v}`);
      continue;
    }
    if (parent && parent[name] === v) continue;
    decls.push(`${name}:${v}`);
  }
  return decls.join(';');
}

export interface StillMeta {
  /** One line: the scenario and the position. */
  title: string;
  /** The step, the event that brought the machine here, and where the file came from. */
  description: string;
}

/** The <title> and <desc> of an exported still. */
export function stillMeta(o: {
  scenario: string;
  position: number;
  length: number;
  step?: string;
  event?: { seq: number; text: string };
  url?: string;
}): StillMeta {
  const lines = [
    o.step ? `Step: ${o.step}.` : '',
    o.event ? `Event #${o.event.seq}: ${o.event.text}` : 'Before the first event.',
    o.url ? `Exported from GIC Lab: ${o.url}` : 'Exported from GIC Lab.',
  ];
  return {
    title: `${o.scenario}, at event ${o.position} of ${o.length} (GIC Lab)`,
    description: lines.filter(Boolean).join('\n'),
  };
}

/** Elements that draw nothing and need no style. */
const UNSTYLED = new Set(['title', 'desc', 'metadata']);

/** Attributes that make sense only on the live page. */
const LIVE_ONLY = ['tabindex', 'role', 'aria-roledescription', 'style'] as const;

export interface StageSize {
  /** The drawing's own coordinates (its viewBox). */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The stage's drawing area: its viewBox, or its size on screen when it has none. */
export function stageSize(svg: SVGSVGElement): StageSize {
  const vb = svg.viewBox.baseVal;
  if (vb && vb.width > 0 && vb.height > 0) return { x: vb.x, y: vb.y, width: vb.width, height: vb.height };
  const r = svg.getBoundingClientRect();
  return { x: 0, y: 0, width: Math.max(1, Math.round(r.width)), height: Math.max(1, Math.round(r.height)) };
}

/**
 * The colour behind the stage: the first ancestor with a background that is not transparent
 * (the panel), else the page's; as #rrggbb.
 */
export function stageBackground(svg: SVGSVGElement): string {
  for (let el: Element | null = svg; el; el = el.parentElement) {
    const c = parseColor(getComputedStyle(el).backgroundColor);
    if (c && c.alpha > 0) return c.hex;
  }
  return '#ffffff';
}

/** The live stage of the page (components/Stage.tsx), or null when none is shown. */
export function findStage(doc: Document = document): SVGSVGElement | null {
  return doc.querySelector<SVGSVGElement>('[data-testid="stage"] svg.stage');
}

/**
 * The live stage as the text of a standalone SVG document, styled as it is on screen now.
 * `scale` multiplies width and height (not the viewBox), so a rasteriser draws it that much
 * sharper.
 */
export function standaloneSvg(live: SVGSVGElement, meta: StillMeta, opts: { scale?: number } = {}): string {
  const size = stageSize(live);
  const scale = opts.scale ?? 1;
  const clone = live.cloneNode(true) as SVGSVGElement;
  const originals: Element[] = [live, ...live.querySelectorAll('*')];
  const copies: Element[] = [clone, ...clone.querySelectorAll('*')];

  // The clone is a deep copy, so both lists are in the same document order.
  const portable = new Map<Element, Record<string, string>>();
  originals.forEach((el, i) => {
    const copy = copies[i]!;
    for (const a of LIVE_ONLY) copy.removeAttribute(a);
    if (UNSTYLED.has(el.localName)) return;
    const cs = getComputedStyle(el);
    const computed: Record<string, string> = {};
    for (const { name } of STYLE_PROPERTIES) computed[name] = cs.getPropertyValue(name);
    const own = portableStyle(computed);
    portable.set(el, own);
    const parent = el === live ? null : (portable.get(el.parentElement!) ?? null);
    const style = declarations(own, parent);
    if (style) copy.setAttribute('style', style);
  });

  // Classes stay on the drawing's elements (a reader of the file can still tell a wire from a
  // box); the root's 'stage' class goes, since on the page it sized the SVG to its container.
  clone.removeAttribute('class');
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('version', '1.1');
  clone.setAttribute('width', String(Math.round(size.width * scale)));
  clone.setAttribute('height', String(Math.round(size.height * scale)));
  clone.setAttribute('viewBox', `${size.x} ${size.y} ${size.width} ${size.height}`);
  clone.setAttribute('role', 'img');
  clone.setAttribute('aria-labelledby', 'giclab-title giclab-desc');
  clone.removeAttribute('aria-label');

  const doc = live.ownerDocument;
  const title = doc.createElementNS(SVG_NS, 'title');
  title.id = 'giclab-title';
  title.textContent = meta.title;
  const desc = doc.createElementNS(SVG_NS, 'desc');
  desc.id = 'giclab-desc';
  desc.textContent = meta.description;
  const bg = doc.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('class', 'background');
  bg.setAttribute('x', String(size.x));
  bg.setAttribute('y', String(size.y));
  bg.setAttribute('width', String(size.width));
  bg.setAttribute('height', String(size.height));
  bg.setAttribute('fill', stageBackground(live));
  clone.prepend(title, desc, bg);

  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}
