/**
 * The shape of one ITS: where its frames are mapped and the options software discovers through
 * GITS_TYPER. Defaults come from the behaviour profile (KVM's and QEMU's ITSs report fixed values);
 * a scenario may override them, which makes the ITS differ from the named implementation and is
 * said so in the machine description.
 */

export interface ItsConfig {
  /** ITS_base: the control frame; the translation frame (GITS_TRANSLATER) is at +64 KiB. */
  base: number;
  /** DeviceID bits (GITS_TYPER.Devbits + 1). */
  devBits: number;
  /** EventID bits (GITS_TYPER.ID_bits + 1). */
  eventIdBits: number;
  /** Collection ID bits; with CIL = 0 the architecture fixes 16. */
  cidBits: number;
  /** GITS_TYPER.CIL: whether CIDbits is reported. */
  cil: boolean;
  /** GITS_TYPER.PTA: RDbase is a redistributor's physical address (1) or a processor number (0). */
  pta: boolean;
  /** Bytes per interrupt translation entry (GITS_TYPER.ITT_entry_size + 1). */
  ittEntrySize: number;
  /** Hardware collections held inside the ITS (GITS_TYPER.HCC); 0 in KVM and QEMU. */
  hcc: number;
  /** Entries of the translation cache (profiles with a bounded cache). */
  cacheEntries: number;
  /**
   * GITS_TYPER.VMOVP on an ITS with virtual LPI support: 1 means one VMOVP moves a vPE in every
   * ITS (no ITSList or sequence number); 0 means software issues VMOVP to each ITS that maps it.
   */
  vmovp: boolean;
}

export const ITS_FRAME = 0x10000;
export const GITS_TRANSLATER = 0x10040;
/** GICv4.1: the vSGI frame's GITS_SGIR, in a third 64 KiB frame. */
export const GITS_SGIR = 0x20020;

/**
 * Bytes of an ITS's register frames: the control and translation frames, plus the vSGI frame on a
 * GICv4.1.
 */
export const itsFrameBytes = (v41: boolean): number => (v41 ? 3 : 2) * ITS_FRAME;

export function checkItsConfig(c: ItsConfig, index: number): string[] {
  const p: string[] = [];
  const at = `its[${index}]`;
  if (c.base % ITS_FRAME !== 0) p.push(`${at}.base must be 64 KiB aligned`);
  if (c.devBits < 1 || c.devBits > 32) p.push(`${at}.devBits must be 1..32`);
  if (c.eventIdBits < 1 || c.eventIdBits > 32) p.push(`${at}.eventIdBits must be 1..32`);
  if (c.cidBits < 1 || c.cidBits > 16) p.push(`${at}.cidBits must be 1..16`);
  if (![8, 12, 16].includes(c.ittEntrySize)) p.push(`${at}.ittEntrySize must be 8, 12 or 16`);
  if (c.cacheEntries < 0 || !Number.isInteger(c.cacheEntries))
    p.push(`${at}.cacheEntries must be a whole number`);
  return p;
}
