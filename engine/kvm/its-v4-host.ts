/**
 * What the host kernel's GICv4 ITS driver (drivers/irqchip/irq-gic-v3-its.c, irq-gic-v4.c) keeps
 * for every VM on the host, as plain data in the machine state: the system-wide vPEID and
 * doorbell-LPI allocators, the memory it took for vLPI property tables, virtual pending tables and
 * the proxy device's ITT, the GICv4.0 doorbell proxy device, and per pCPU the queue of driver
 * operations in flight (host-ops.ts runs them).
 *
 * Where the model departs from Linux, on purpose and visibly:
 *  - Memory: the driver's allocations come from a pool at the top of the host's first RAM region
 *    (the last 8 MiB), 64 KiB aligned, so they never land on the tables a scenario placed itself.
 *  - Doorbell LPIs: Linux takes them from its global LPI allocator, after the devices' LPIs of the
 *    boot; the model hands them out from LPI 12288 up, above the LPIs scenarios give devices.
 *  - The driver's one-time setup (the proxy device's MAPD, which Linux issues when it probes the
 *    ITS) happens at the first VM's vgic_v4_init, since the host's boot is scenario lines.
 */

import { isGicV41 } from '../gic/gic-config';
import { hasVlpis } from '../gic/redistributor';
import { isEnabled, queueGeometry } from '../its/command-queue';
import { BASER_TYPE_VPE } from '../its/its-state';
import { findTable } from '../its/tables';
import type { PlatformMachine } from '../platform/platform-machine';
import { gicrTyper } from '../gic/redistributor';

/** A driver operation in a pCPU's queue (host-ops.ts). */
export type HostOp =
  /** Post an ITS command (its_send_*): written at GITS_CWRITER, then waited for (CREADR passes it). */
  | { k: 'cmd'; its: number; name: string; fields: Record<string, bigint>; why: string }
  /** A 64-bit register write (GICR_VPROPBASER, GICR_VPENDBASER, GICR_INVLPIR...). */
  | { k: 'write64'; addr: number; value: bigint; why: string }
  /**
   * its_clear_vpend_valid / its_wait_vpt_parse_complete: poll GICR_VPENDBASER until Dirty reads 0;
   * for a deschedule, then record PendingLast and IDAI in the vPE.
   */
  | { k: 'vpend-wait'; cpu: number; vm: number; vcpu: number; record: boolean; db?: boolean }
  /** lpi_write_config: one byte of a property table (the host's, or a VM's vprop page). */
  | { k: 'config'; addr: number; byte: number; intid: number; why: string }
  /** What KVM decided, told when the pCPU gets to it (vgic_v4_init, the doorbell handler). */
  | { k: 'event'; kind: string; vm: number; data: Record<string, unknown> }
  /** vgic_v4_init's operations are done: the VM's vCPUs queue their own again (vgic-v4.ts). */
  | { k: 'init-done'; vm: number }
  /** Continue with a VM task (the run loop, once the driver is done). */
  | { k: 'then'; vm: number; task: string; args: unknown };

export interface HostOpQueue {
  ops: HostOp[];
  /** A 'kvm.hostop' task is queued or waiting on the ITS for this pCPU. */
  busy: boolean;
  /**
   * What the pCPU waits for: GITS_CREADR of ITS `its` to move past queue offset `slot`, or
   * redistributor `dirty`'s GICR_VPENDBASER.Dirty to clear. The ITS's and the redistributor's own
   * tasks wake it (vm-handlers.ts), so waiting costs no events.
   */
  wait?: { its: number; slot: number } | { dirty: number };
}

/** The GICv4.0 doorbell proxy device (its_vpe_db_proxy_*): one event per pCPU slot. */
export interface ProxyDevice {
  its: number;
  devid: number;
  /** Events (a power of two at least the pCPU count). */
  events: number;
  itt: number;
  mapped: boolean;
  /** The vPE (by vPEID) mapped on each event, -1 for none. */
  slots: number[];
  /** The next slot to hand out (round-robin). */
  next: number;
}

export interface KvmV4Host {
  /** Lowest free vPEIDs come first (its_vpe_id_alloc). */
  usedVpeids: number[];
  nextDoorbell: number;
  /** Pool cursor and end. */
  pool: number;
  poolEnd: number;
  proxy?: ProxyDevice;
  /** vmovp_seq_num: the SequenceNumber of the next VMOVP when ITSs need their list. */
  vmovpSeq: number;
  queues: HostOpQueue[];
}

export const DOORBELL_LPI_BASE = 12288;
const POOL_BYTES = 8 * 1024 * 1024;

export function createKvmV4Host(r: {
  memory: { base: number; size: number }[];
  gic: { affinity: number[] };
}): KvmV4Host {
  const ram = r.memory[0];
  const end = ram ? ram.base + ram.size : 0;
  return {
    usedVpeids: [],
    nextDoorbell: DOORBELL_LPI_BASE,
    pool: end - POOL_BYTES,
    poolEnd: end,
    vmovpSeq: 0,
    queues: Array.from({ length: r.gic.affinity.length }, () => ({ ops: [], busy: false })),
  };
}

/** Takes `bytes` from the driver's pool, `align`-aligned; undefined when it is exhausted. */
export function poolAlloc(h: KvmV4Host, bytes: number, align = 0x10000): number | undefined {
  const at = Math.ceil(h.pool / align) * align;
  if (at + bytes > h.poolEnd) return undefined;
  h.pool = at + bytes;
  return at;
}

export function allocVpeid(h: KvmV4Host): number {
  let id = 0;
  while (h.usedVpeids.includes(id)) id++;
  h.usedVpeids.push(id);
  return id;
}

/** The ITSs of the host that can take virtual commands (GITS_TYPER.Virtual). */
export function virtualItss(m: PlatformMachine): number[] {
  return hasVlpis(m) ? m.s.its.map((_, i) => i) : [];
}

/**
 * Why the host cannot do direct injection now, or undefined if it can: a GICv4 with a virtual ITS
 * whose command queue is valid and enabled and whose vPE table (GITS_BASER of type vPE) is valid.
 */
export function directInjectionProblem(m: PlatformMachine): string | undefined {
  if (!hasVlpis(m)) return 'the host GIC is not a GICv4 (GICR_TYPER.VLPIS = 0)';
  const its = m.s.its[0];
  if (!its) return 'the host has no ITS';
  if (!queueGeometry(its).valid) return "the host ITS's command queue (GITS_CBASER) is not valid";
  if (!isEnabled(its)) return 'the host ITS is not enabled (GITS_CTLR.Enabled = 0)';
  if (!findTable(its, BASER_TYPE_VPE)?.valid)
    return "the host ITS's vPE table (the GITS_BASER of type vPE) is not valid";
  return undefined;
}

export const hostIsV41 = (m: PlatformMachine): boolean => isGicV41(m.s.gic.cfg);

/** GICR_TYPER.DirectLPI on every redistributor: doorbells are then invalidated by GICR_INVLPIR. */
export const hostDirectLpi = (m: PlatformMachine): boolean =>
  m.s.gic.rd.every((_, c) => ((gicrTyper(m, c) >> 3n) & 1n) === 1n);

/** Whether every virtual ITS reports GITS_TYPER.VMOVP (one VMOVP reaches them all). */
export const hostSingleVmovp = (m: PlatformMachine): boolean =>
  virtualItss(m).every((i) => m.s.its[i]!.cfg.vmovp !== false);
