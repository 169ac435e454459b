/**
 * The units that act in events ('cpu3', 'gicr3', 'its0', 'pci nic0', 'mem'...), as small ids.
 *
 * Every event records its unit. The log stores the id and names it only when a record is read,
 * so recording costs a number, not a string lookup or a new string per event. Unit names are few
 * (one per CPU, redistributor, ITS and device, and a handful of fixed ones), so one registry
 * serves every machine of the process: an append-only table of names, not machine state (two
 * machines that share it cannot see each other through it).
 */

/** A unit's id (see unitName). Branded so that a bare number or string is not taken for one. */
export type Unit = number & { readonly __unit: true };

const NAMES: string[] = [];
const IDS = new Map<string, Unit>();

/** The id of the unit called `name`. */
export function unitId(name: string): Unit {
  let id = IDS.get(name);
  if (id === undefined) {
    id = NAMES.length as Unit;
    NAMES.push(name);
    IDS.set(name, id);
  }
  return id;
}

export const unitName = (u: Unit): string => NAMES[u]!;

const tables = { cpu: [] as Unit[], gicr: [] as Unit[], its: [] as Unit[] };

function numbered(kind: keyof typeof tables, n: number): Unit {
  const t = tables[kind];
  return t[n] ?? (t[n] = unitId(`${kind}${n}`));
}

export const cpuUnit = (n: number): Unit => numbered('cpu', n);
export const gicrUnit = (n: number): Unit => numbered('gicr', n);
export const itsUnit = (n: number): Unit => numbered('its', n);

const pci = new Map<string, Unit>();

/** 'pci <device>' for a named endpoint or 'pci <bus:dev.fn>'. */
export function pciUnit(device: string): Unit {
  let u = pci.get(device);
  if (u === undefined) pci.set(device, (u = unitId(`pci ${device}`)));
  return u;
}

/** The fixed units. */
export const UNIT = {
  /** The distributor. */
  gicd: unitId('gicd'),
  /** Guest memory (scenario and software writes, table reads). */
  mem: unitId('mem'),
  /** The interconnect: an access that reached no device. */
  bus: unitId('bus'),
  /** The ITSes as a whole (a flush of every translation cache). */
  its: unitId('its'),
  /** The machine as a whole (migration, policies, bad inputs). */
  machine: unitId('machine'),
  /** The software on several CPUs at once. */
  software: unitId('software'),
  /** A CPU that does not exist (a bad ICC access). */
  noCpu: unitId('cpu?'),
};
