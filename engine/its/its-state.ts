/**
 * An ITS's state as plain data: its registers, the command-processing flag, the translation
 * cache and, for the KVM profile, the kernel-side lists KVM keeps instead of tables in memory.
 */

import type { ItsError } from './errors';
import type { ItsConfig } from './its-config';
import {
  BASER_TYPE_COLLECTION,
  BASER_TYPE_DEVICE,
  BASER_TYPE_VPE,
  baserGeometry,
  type TableGeometry,
} from './tables';

/** KVM's struct its_device: a DeviceID with its EventID space and its events. */
export interface KvmDevice {
  eventIdBits: number;
  itt: number;
  ites: Map<number, KvmIte>;
}

/** KVM's struct its_ite: the LPI and the collection (by ICID) an event maps to. */
export interface KvmIte {
  intid: number;
  icid: number;
}

export interface CacheEntry {
  intid: number;
  /** Target PE. */
  cpu: number;
  icid: number;
}

export interface ItsState {
  index: number;
  cfg: ItsConfig;
  /** GITS_CTLR.Enabled (bit 0). */
  ctlr: number;
  cbaser: bigint;
  /** Offset [19:5] (Retry is not stored). */
  cwriter: bigint;
  /** Offset [19:5] and Stalled (bit 0). */
  creadr: bigint;
  baser: bigint[];
  /** GITS_BASER<n> decoded, kept in step with `baser` by every write (the hot path reads this). */
  geom: TableGeometry[];
  /** An 'its.process' task is queued. */
  processQueued: boolean;
  /** Why the queue stalled (while GITS_CREADR.Stalled is set). */
  stall?: ItsError;
  /** KVM: devices by DeviceID. */
  devices: Map<number, KvmDevice>;
  /** KVM: collections by ICID -> target PE, -1 for a collection created unmapped by MAPTI. */
  collections: Map<number, number>;
  /** Translation cache, key = DeviceID * 2^32 + EventID; Map order is LRU order. */
  cache: Map<number, CacheEntry>;
}

export { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, BASER_TYPE_VPE } from './tables';

/**
 * Reset value of GITS_BASER<n>: Type and Entry_Size are read-only and identify the table; the
 * page size resets to 64 KiB (KVM and QEMU both do); KVM also resets the cacheability fields.
 */
export function baserReset(type: number, entrySize: number, kvm: boolean): bigint {
  let v = (BigInt(type) << 56n) | (BigInt(entrySize - 1) << 48n) | (2n << 8n);
  if (kvm) v |= (3n << 59n) | (1n << 10n); // InnerCache RaWb (0b011), Inner Shareable, OuterCache SameAsInner
  return v;
}

/**
 * `vteBytes`: an ITS with virtual LPI support (GICv4) has a vPE table, GITS_BASER2, with entries
 * of that size (QEMU's are 8 bytes); 0 for an ITS without (its BASER2 is unimplemented, RAZ/WI).
 */
export function createItsState(index: number, cfg: ItsConfig, kvm: boolean, vteBytes = 0): ItsState {
  const baser = new Array<bigint>(8).fill(0n);
  baser[0] = baserReset(BASER_TYPE_DEVICE, 8, kvm);
  baser[1] = baserReset(BASER_TYPE_COLLECTION, 8, kvm);
  if (vteBytes > 0) baser[2] = baserReset(BASER_TYPE_VPE, vteBytes, kvm);
  return {
    index,
    cfg: { ...cfg },
    ctlr: 0,
    cbaser: 0n,
    cwriter: 0n,
    creadr: 0n,
    baser,
    geom: baser.map((b, n) => baserGeometry(b, n)),
    processQueued: false,
    devices: new Map(),
    collections: new Map(),
    cache: new Map(),
  };
}
