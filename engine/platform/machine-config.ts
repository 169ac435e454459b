/**
 * The machine description a scenario gives, and how it resolves into the GIC's and ITSs' shapes.
 * Everything has a default so that `{}` is a working machine: four PEs, one ITS, 1 GiB of RAM at
 * 0x40000000 and the GIC where QEMU's `virt` board puts it, behaviour profile `spec`.
 */

import {
  checkGicConfig,
  defaultAffinity,
  GICD_SIZE,
  redistStride,
  type GicConfig,
  type GicVersion,
} from '../gic/gic-config';
import { GIC_RULES, type ProfileName } from '../gic/gic-rules';
import type { MemoryRegion } from '../mem/memory';
import { checkItsConfig, itsFrameBytes, type ItsConfig } from '../its/its-config';
import { itsRulesFor } from '../its/its-rules';
import { machineExtensions } from './machine-extension';
import { parseBdf, type PciEndpointConfig } from './pci';
import type { SoftwarePolicy } from './software';

export interface ItsOptions {
  base?: number;
  pta?: boolean;
  devBits?: number;
  eventIdBits?: number;
  cidBits?: number;
  cil?: boolean;
  hcc?: number;
  cacheEntries?: number;
  /** GICv4: GITS_TYPER.VMOVP (default 1: one VMOVP moves a vPE in every ITS). */
  vmovp?: boolean;
}

export interface DeviceOptions {
  /** Name used by `msi <name> ...`. */
  name: string;
  /** PCI bus/device/function, 'BB:DD.F' (hex), from which the Requester ID follows. */
  bdf?: string;
  /** Or the Requester ID directly. */
  rid?: number;
  /** The ITS its MSIs go to (default 0). */
  its?: number;
  /** DeviceID = RID + this (an msi-map / IORT offset; default 0). */
  deviceIdOffset?: number;
}

export interface MachineOptions {
  gic?: GicVersion;
  profile?: ProfileName;
  seed?: number;
  /** Number of PEs (affinity Aff1.Aff0 = n/16.n%16), or their affinities ('0.0.1.3' or a number). */
  cpus?: number | (string | number)[];
  spis?: number;
  priorityBits?: number;
  memory?: MemoryRegion[] | { base: number; size: number }[];
  distributorBase?: number;
  redistributorBase?: number;
  its?: ItsOptions[];
  devices?: DeviceOptions[];
  /** Initial handler policy per CPU number, or for 'all'. */
  software?: Record<string, SoftwarePolicy>;
  /** Latency overrides in ns (keys as in the timing tables: 'gic.signal', 'its.command', 'sw.handler'...). */
  timing?: Record<string, number>;
}

export interface ResolvedMachine {
  profile: ProfileName;
  seed: number;
  gic: GicConfig;
  memory: MemoryRegion[];
  its: ItsConfig[];
  devices: PciEndpointConfig[];
  software: SoftwarePolicy[];
  timing: Record<string, number>;
}

export const DEFAULTS = {
  distributorBase: 0x0800_0000,
  itsBase: 0x0808_0000,
  redistributorBase: 0x080a_0000,
  ramBase: 0x4000_0000,
  ramSize: 0x4000_0000,
};

/** Parses '0.0.1.3' (Aff3.Aff2.Aff1.Aff0) or a packed number. */
export function parseAffinity(a: string | number): number | undefined {
  if (typeof a === 'number') return Number.isInteger(a) && a >= 0 && a < 2 ** 32 ? a : undefined;
  const parts = a.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/**
 * Where ITS `i` sits when the scenario does not say. ITS 0 is where QEMU's virt board puts its one
 * ITS (0x0808_0000, just below the redistributors). Further ITSs go after the last redistributor,
 * 64 KiB aligned: the redistributor region grows with the PE count, so a fixed address would land
 * inside it on a large machine. A GICv4.1's ITS has a third frame (GITS_SGIR), which no longer fits
 * below the redistributors, so there every ITS goes after them.
 */
function defaultItsBase(i: number, redistBase: number, cpus: number, version: number): number {
  const v41 = version === 4.1;
  if (i === 0 && !v41) return DEFAULTS.itsBase;
  const end = redistBase + cpus * (version >= 4 ? 0x40000 : 0x20000); // redistStride's arithmetic
  return Math.ceil(end / 0x10000) * 0x10000 + (v41 ? i : i - 1) * itsFrameBytes(v41);
}

/** Register frames that overlap each other: an access could not say which unit it is for. */
function frameOverlaps(gic: GicConfig, its: ItsConfig[]): string[] {
  const itsBytes = itsFrameBytes(gic.version === 4.1);
  const frames = [
    { name: 'the distributor', base: gic.distBase, size: GICD_SIZE },
    { name: 'the redistributors', base: gic.redistBase, size: gic.affinity.length * redistStride(gic) },
    ...its.map((c, i) => ({ name: `its[${i}]`, base: c.base, size: itsBytes })),
  ];
  const out: string[] = [];
  for (let a = 0; a < frames.length; a++)
    for (let b = a + 1; b < frames.length; b++) {
      const x = frames[a]!;
      const y = frames[b]!;
      if (x.base < y.base + y.size && y.base < x.base + x.size)
        out.push(
          `${y.name} at 0x${y.base.toString(16)} overlaps ${x.name} (0x${x.base.toString(16)}..0x${(x.base + x.size - 1).toString(16)})`,
        );
    }
  return out;
}

export type Resolution = { ok: true; machine: ResolvedMachine } | { ok: false; problems: string[] };

export function resolveMachine(o: MachineOptions): Resolution {
  const problems: string[] = [];
  const profile = o.profile ?? 'spec';
  const rules = GIC_RULES[profile];
  let affinity: number[];
  if (o.cpus === undefined || typeof o.cpus === 'number') {
    const n = o.cpus ?? 4;
    if (!Number.isInteger(n) || n < 1 || n > 512) problems.push(`cpus: ${n}; must be 1 to 512`);
    affinity = Array.from({ length: Math.max(1, Math.min(512, Math.floor(n) || 1)) }, (_, i) =>
      defaultAffinity(i),
    );
  } else {
    affinity = o.cpus.map((a, i) => {
      const v = parseAffinity(a);
      if (v === undefined)
        problems.push(`cpus[${i}]: '${String(a)}' is not an affinity (Aff3.Aff2.Aff1.Aff0, e.g. '0.0.1.3')`);
      return v ?? 0;
    });
  }
  const itsOpts = o.its ?? [{}];
  const version = o.gic ?? 3;
  if (profile === 'qemu' && version === 4.1)
    problems.push('gic: QEMU 7.2 models GICv4.0 only; use gic 4 or the spec profile');
  // The spec profile's ITS on a GICv4 takes QEMU's table layouts and 12-byte ITEs (its-rules.ts).
  const itsDefaults = itsRulesFor(profile, version).defaults;
  const redistBase = o.redistributorBase ?? DEFAULTS.redistributorBase;
  const its: ItsConfig[] = itsOpts.map((x, i) => ({
    ...itsDefaults,
    base: x.base ?? defaultItsBase(i, redistBase, affinity.length, version),
    ...(x.pta !== undefined ? { pta: x.pta } : {}),
    ...(x.devBits !== undefined ? { devBits: x.devBits } : {}),
    ...(x.eventIdBits !== undefined ? { eventIdBits: x.eventIdBits } : {}),
    ...(x.cidBits !== undefined ? { cidBits: x.cidBits } : {}),
    ...(x.cil !== undefined ? { cil: x.cil } : {}),
    ...(x.hcc !== undefined ? { hcc: x.hcc } : {}),
    ...(x.cacheEntries !== undefined ? { cacheEntries: x.cacheEntries } : {}),
    ...(x.vmovp !== undefined ? { vmovp: x.vmovp } : {}),
  }));
  its.forEach((c, i) => problems.push(...checkItsConfig(c, i)));
  const gic: GicConfig = {
    version,
    affinity,
    spis: o.spis ?? (profile === 'kvm' ? 224 : 256),
    distBase: o.distributorBase ?? DEFAULTS.distributorBase,
    redistBase,
    lpis: its.length > 0,
    priorityBits: o.priorityBits ?? rules.priorityBits,
  };
  problems.push(...checkGicConfig(gic));
  if (!problems.length) problems.push(...frameOverlaps(gic, its));
  const memory = (o.memory ?? [{ base: DEFAULTS.ramBase, size: DEFAULTS.ramSize }]).map((r, i) => ({
    name: 'name' in r && typeof r.name === 'string' ? r.name : `ram${i}`,
    base: r.base,
    size: r.size,
  }));
  memory.forEach((r, i) => {
    if (!Number.isSafeInteger(r.base) || !Number.isSafeInteger(r.size) || r.base < 0 || r.size <= 0)
      problems.push(`memory[${i}]: base and size must be positive whole numbers`);
  });
  const names = new Set<string>();
  const devices: PciEndpointConfig[] = (o.devices ?? []).map((d, i) => {
    if (names.has(d.name)) problems.push(`devices[${i}]: a second device is named '${d.name}'`);
    names.add(d.name);
    let rid = d.rid;
    if (d.bdf !== undefined) {
      const b = parseBdf(d.bdf);
      if (b === undefined) problems.push(`devices[${i}].bdf: '${d.bdf}' is not BB:DD.F`);
      rid = b;
    }
    if (rid === undefined) problems.push(`devices[${i}]: give a bdf or a rid`);
    const itsIndex = d.its ?? 0;
    if (itsIndex >= its.length) problems.push(`devices[${i}].its: there is no ITS ${itsIndex}`);
    return { name: d.name, rid: rid ?? 0, its: itsIndex, deviceIdOffset: d.deviceIdOffset ?? 0 };
  });
  const software = affinity.map((_, i) => o.software?.[String(i)] ?? o.software?.all ?? 'eoi');
  for (const key of Object.keys(o.software ?? {})) {
    if (key !== 'all' && !(Number(key) >= 0 && Number(key) < affinity.length))
      problems.push(`software: no CPU '${key}'`);
  }
  const machine: ResolvedMachine = {
    profile,
    seed: o.seed ?? 1,
    gic,
    memory,
    its,
    devices,
    software,
    timing: { ...(o.timing ?? {}) },
  };
  for (const e of machineExtensions()) e.resolve?.(o, machine, problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, machine };
}
