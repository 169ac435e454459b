/**
 * Names of the units that act in events ('cpu3', 'gicr3', 'its0'), made once and shared.
 *
 * Every event records its unit's name; building it with a template string per event would leave
 * one new string per record in the log for the collector to trace. These tables hand out the same
 * string each time.
 */

const tables = { cpu: [] as string[], gicr: [] as string[], its: [] as string[] };

export type UnitKind = keyof typeof tables;

export function unitName(kind: UnitKind, n: number): string {
  const t = tables[kind];
  return t[n] ?? (t[n] = `${kind}${n}`);
}

export const cpuUnit = (n: number): string => unitName('cpu', n);
export const gicrUnit = (n: number): string => unitName('gicr', n);
export const itsUnit = (n: number): string => unitName('its', n);

const pci = new Map<string, string>();

/** 'pci <device>' for a named endpoint or 'pci <bus:dev.fn>'. */
export function pciUnit(device: string): string {
  let u = pci.get(device);
  if (u === undefined) pci.set(device, (u = `pci ${device}`));
  return u;
}
