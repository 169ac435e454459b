/**
 * The shape of a GICv3 system: how many PEs (with their MPIDR affinities), how many SPIs, where
 * the distributor and the redistributors are mapped, how many priority bits the CPU interfaces
 * implement. The machine description (engine/platform) fills this in from a scenario.
 */

export type GicVersion = 3 | 4 | 4.1;
export const GIC_VERSIONS: readonly GicVersion[] = [3, 4, 4.1];

export interface GicConfig {
  /**
   * 3; 4 for a GICv4.0 (virtual LPIs: the VLPI_base frame, the V* ITS commands, per-ITE doorbells);
   * 4.1 for a GICv4.1 (vPEID-keyed residency, default doorbells, INVDB, vSGIs).
   */
  version: GicVersion;
  /** Affinity of each PE, packed Aff3<<24 | Aff2<<16 | Aff1<<8 | Aff0, indexed by PE number. */
  affinity: number[];
  /** Number of SPIs (INTIDs 32..32+spis-1); a multiple of 32, at most 988. */
  spis: number;
  distBase: number;
  /** Base of the first redistributor; redistributor n follows at n * redistStride. */
  redistBase: number;
  /** Whether an ITS exists (GICD_TYPER.LPIS, GICR_TYPER.PLPIS). */
  lpis: boolean;
  /** Implemented priority bits in the CPU interfaces (4..8). */
  priorityBits: number;
}

export const GICD_SIZE = 0x10000;
export const GICR_FRAME = 0x10000;
export const SGI_BASE = 0x10000;
export const VLPI_BASE = 0x20000;
/** Number of INTIDs the model's LPI range allows (GICD_TYPER.IDbits + 1 = 16). */
export const LPI_ID_BITS = 16;
export const FIRST_LPI = 8192;
export const SPURIOUS = 1023;

export function redistStride(cfg: GicConfig): number {
  // GICv3: RD_base + SGI_base (128 KiB); GICv4 adds VLPI_base and a reserved frame (256 KiB).
  return isGicV4(cfg) ? 4 * GICR_FRAME : 2 * GICR_FRAME;
}

/** RD_base of PE `cpu`'s redistributor (its SGI_base and VLPI_base frames follow it). */
export const redistAddress = (cfg: GicConfig, cpu: number): number =>
  cfg.redistBase + cpu * redistStride(cfg);

/** Whether the GIC has virtual LPI support (GICv4.0 or GICv4.1). */
export const isGicV4 = (cfg: GicConfig): boolean => cfg.version >= 4;
/** Whether the GIC is a GICv4.1. */
export const isGicV41 = (cfg: GicConfig): boolean => cfg.version === 4.1;

/** Default affinity of PE n: sixteen PEs per cluster (Aff0 = n % 16, Aff1 = n / 16). */
export function defaultAffinity(n: number): number {
  return ((Math.floor(n / 16) & 0xff) << 8) | (n % 16);
}

export const aff0 = (a: number): number => a & 0xff;
export const aff1 = (a: number): number => (a >>> 8) & 0xff;
export const aff2 = (a: number): number => (a >>> 16) & 0xff;
export const aff3 = (a: number): number => (a >>> 24) & 0xff;

export function formatAffinity(a: number): string {
  return `${aff3(a)}.${aff2(a)}.${aff1(a)}.${aff0(a)}`;
}

/** Validates a GIC shape; returns the problems (empty when sound). */
export function checkGicConfig(cfg: GicConfig): string[] {
  const p: string[] = [];
  const n = cfg.affinity.length;
  if (n < 1 || n > 512) p.push(`cpus: ${n} PEs; the model supports 1 to 512`);
  if (new Set(cfg.affinity).size !== n) p.push('cpus: two PEs have the same affinity');
  if (cfg.spis < 0 || cfg.spis > 988 || cfg.spis % 32 !== 0)
    p.push(`spis: ${cfg.spis}; must be a multiple of 32 from 0 to 988`);
  if (cfg.priorityBits < 4 || cfg.priorityBits > 8)
    p.push(`priorityBits: ${cfg.priorityBits}; must be 4 to 8`);
  if (cfg.distBase % GICD_SIZE !== 0) p.push('distributor base must be 64 KiB aligned');
  if (cfg.redistBase % GICR_FRAME !== 0) p.push('redistributor base must be 64 KiB aligned');
  return p;
}
