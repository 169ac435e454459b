/**
 * The SVG paint definitions the d3 drawings share: a hatch (the strips' stretches in KVM's run
 * loop, or blocked in WFI) and an arrowhead (the stage's hot wires, the residency lanes' VMOVP
 * moves). Each drawing names them with an id of its own, because ids are global to the page and
 * several drawings live in it; CSS colours them through the class given.
 */

import type { Selection } from 'd3';

export type Defs = Selection<SVGDefsElement, unknown, null, undefined>;

/** Stripes at 45°, 2 px of `cls` every 4 px. Returns the paint to fill with: `url(#id)`. */
export function hatchPattern(defs: Defs, id: string, cls: string): string {
  defs
    .append('pattern')
    .attr('id', id)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 4)
    .attr('height', 4)
    .attr('patternTransform', 'rotate(45)')
    .append('rect')
    .attr('class', cls)
    .attr('width', 2)
    .attr('height', 4);
  return `url(#${id})`;
}

/**
 * A triangular arrowhead `size` stroke widths long, its tip at the end of the line. `orient`
 * 'auto-start-reverse' also fits it to a marker-start (pointing back). Returns `url(#id)`.
 */
export function arrowMarker(
  defs: Defs,
  id: string,
  cls: string,
  size: number,
  orient: 'auto' | 'auto-start-reverse',
): string {
  defs
    .append('marker')
    .attr('id', id)
    .attr('viewBox', '0 0 10 10')
    .attr('refX', 9)
    .attr('refY', 5)
    .attr('markerWidth', size)
    .attr('markerHeight', size)
    .attr('orient', orient)
    .append('path')
    .attr('class', cls)
    .attr('d', 'M0,0L10,5L0,10z');
  return `url(#${id})`;
}
