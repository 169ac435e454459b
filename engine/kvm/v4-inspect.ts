/**
 * GICv4 direct injection as an inspector shows it: side-effect-free reads of one VM's vPEs, their
 * virtual pending tables and residency, the host ITS's vPE table, and the forwarding state of
 * every guest LPI. Two views meet here, and the inspector shows both because they can disagree
 * for a while (that is what GICR_VPENDBASER.Dirty and PendingLast are about):
 *
 *  - KVM's and the host driver's (vgic-v4.ts, its-v4-driver.ts: struct its_vpe): the vPEID, the
 *    doorbell LPI, the VPT, the pCPU whose redistributor hosts the vPE (col_idx), whether the
 *    driver has made it resident, pending_last, the forwarded vLPIs;
 *  - the GIC's (engine/gic/vlpi.ts): on which redistributors GICR_VPENDBASER names the vPE now
 *    (Valid = 1), which vINTIDs its VPT in memory holds pending, and the VPENDBASER/VPROPBASER
 *    values decoded with the layout of the host's GIC version (GICv4.0: the VPT address and IDAI;
 *    GICv4.1: the vPEID and DB).
 *
 * Also the cost model's two paths of one device MSI to the guest (cost-model.ts): the GICv4 direct
 * path and KVM's software VFIO path, with the machine's `kvm.*` timing overrides applied, for the
 * stage's side-by-side comparison.
 *
 * Nothing here writes the machine or emits an event: memory is read with memReadU8 / vptPending,
 * registers from the redistributor state, the vPE table through the ITS inspector's own view.
 */

import { FIRST_LPI, isGicV41, isGicV4 } from '../gic/gic-config';
import type { DecodedField, InspectError } from '../gic/gic-inspect';
import { propTableBase } from '../gic/lpi';
import { decodeFields, type FieldDef } from '../gic/registers';
import { residencies, residentOn, vptPending } from '../gic/vlpi';
import { vpes as itsVpes, type ItsVpeView } from '../its/its-inspect';
import { lookupDevice, lookupEvent, rdbaseOf } from '../its/lookup';
import { memReadU8, memVisible } from '../mem/memory';
import type { PlatformMachine } from '../platform/platform-machine';
import {
  GICV4_DIRECT_PATH,
  GICV4_DOORBELL_PATH,
  pathCost,
  vfioSoftwarePath,
  type PathCost,
} from './cost-model';
import { directInjectionProblem, virtualItss } from './its-v4-host';
import { kvmCostOf } from './vm-context';
import type { VcpuMode } from './vcpu-run';

/** Most pending vINTIDs listed per VPT (a VPT of 16 bits could hold 57,344). */
export const V4_PENDING_ROWS = 256;
/** Most guest LPIs the forwarding table lists. */
export const V4_LPI_ROWS = 1024;

export interface V4RegisterView {
  name: string;
  /** The redistributor (pCPU) it was read on. */
  rd: number;
  /** Hex. */
  value: string;
  fields: DecodedField[];
}

/** One vCPU's vPE, as KVM and the GIC hold it. */
export interface V4VpeView {
  vcpu: number;
  vpeid: number;
  /** The doorbell LPI (a host LPI). */
  doorbell: number;
  /** Its configuration byte in the host's LPI property table (bit 0: enabled), -1 if unreadable. */
  doorbellConfig: number;
  /** The virtual pending table's address and its vINTID bits. */
  vpt: number;
  vptBits: number;
  /** The driver's view: the pCPU whose redistributor hosts the vPE (col_idx), the ITSs it is mapped on. */
  pcpu: number;
  mappedOn: number[];
  /** The driver made it resident (vgic_v4_load) and has not descheduled it since. */
  resident: boolean;
  /** pending_last: a vLPI was pending when it was descheduled, or its doorbell rang since. */
  pendingLast: boolean;
  /** Forwarded vLPIs targeting it. */
  vlpis: number;
  /** The GIC's view: redistributors on which GICR_VPENDBASER names it now (more than one is UNPREDICTABLE). */
  residentOn: number[];
  /** What its vCPU is doing, and where it is loaded (-1: nowhere). */
  vcpuMode: VcpuMode;
  vcpuPcpu: number;
  /** The vINTIDs its VPT holds pending, ascending (at most V4_PENDING_ROWS). */
  pending: number[];
  pendingCapped: boolean;
  /** The redistributor registers shown: where it is resident, else the one hosting it. */
  vpendbaser: V4RegisterView;
  vpropbaser: V4RegisterView;
}

/** A guest LPI and the path a device's MSI for it takes. */
export interface V4LpiView {
  vintid: number;
  /** The vCPU it targets (-1: none) and that vCPU's vPE. */
  vcpu: number;
  vpeid: number;
  /** KVM forwards it (kvm_vgic_v4_set_forwarding ran: irq->hw, the host event behind it known). */
  forwarded: boolean;
  /**
   * Forwarded: the host event behind it, the guest's vITS event it came from, and what the host
   * ITS's ITE for that event holds now: 'vlpi' once the driver's VMAPTI has been processed, 'lpi'
   * while it still maps the host LPI (KVM has decided, the command is still on its way), 'none'.
   */
  host?: { its: number; devid: number; eventid: number; intid: number; ite: 'vlpi' | 'lpi' | 'none' };
  guest?: { its: number; devid: number; eventid: number };
  fd?: number;
  /** Pending now: in its vPE's VPT (forwarded), or in the vgic (software). */
  pending: boolean;
}

/** A VFIO vector of an assigned device: forwarded (its vLPI) or taken by the host (software). */
export interface V4VectorView {
  device: string;
  vector: number;
  hostIntid: number;
  fd: number;
  /** The guest LPI it is forwarded to, or null: VFIO's handler and the irqfd carry it. */
  vintid: number | null;
}

export interface V4PathsView {
  /** GICV4_DIRECT_PATH, GICV4_DOORBELL_PATH and vfioSoftwarePath() with this machine's cost model. */
  direct: PathCost;
  /** The direct path when the vPE is not resident (the doorbell, the wake-up, the load). */
  doorbell: PathCost;
  software: PathCost;
}

export interface V4View {
  ok: true;
  vm: number;
  name: string;
  /** The host GIC's version as KVM uses it ('4.0', '4.1'), or null when the host is no GICv4. */
  gic: '4.0' | '4.1' | null;
  /** KVM uses GICv4 for this VM (the host has one and the VM did not turn it off). */
  enabled: boolean;
  /** vgic_v4_init has run (at the VM's first vcpu_load once the host's ITS is up). */
  initialised: boolean;
  /** Why there are no vPEs yet (or never will be). */
  problem?: string;
  /** The VM's vLPI property page. */
  vprop?: number;
  vpes: V4VpeView[];
  /** The host ITS's vPE table (GITS_BASER of type vPE), per ITS that takes virtual commands. */
  vpeTables: { its: number; rows: ItsVpeView[]; capped: boolean; problem?: string }[];
  lpis: V4LpiView[];
  lpisCapped: boolean;
  vectors: V4VectorView[];
  paths: V4PathsView;
}

const bad = (error: string): InspectError => ({ ok: false, error });
const hex = (v: bigint): string => '0x' + v.toString(16);

const ATTRS: FieldDef[] = [
  { name: 'InnerCache', msb: 9, lsb: 7 },
  { name: 'Shareability', msb: 11, lsb: 10 },
  { name: 'OuterCache', msb: 58, lsb: 56 },
];

/** GICR_VPENDBASER, GICv4.0 layout: the resident vPE named by its VPT. */
const VPENDBASER_V40: FieldDef[] = [
  { name: 'Valid', msb: 63, lsb: 63, doc: 'a vPE is resident' },
  { name: 'IDAI', msb: 62, lsb: 62, doc: 'the implementation-defined area of the VPT is not valid' },
  { name: 'PendingLast', msb: 61, lsb: 61, doc: 'a vLPI was pending when the vPE left (or: may be pending)' },
  { name: 'Dirty', msb: 60, lsb: 60, doc: 'the redistributor is still parsing (or cleaning) the VPT' },
  ...ATTRS,
  { name: 'Physical_Address', msb: 51, lsb: 16, doc: 'the VPT, in 64 KiB units' },
];

/** GICR_VPENDBASER, GICv4.1 layout: the resident vPE named by its vPEID. */
const VPENDBASER_V41: FieldDef[] = [
  { name: 'Valid', msb: 63, lsb: 63, doc: 'a vPE is resident' },
  {
    name: 'Doorbell',
    msb: 62,
    lsb: 62,
    doc: 'DB: ring the default doorbell for a vLPI after the deschedule',
  },
  { name: 'PendingLast', msb: 61, lsb: 61, doc: 'a vLPI was pending when the vPE left' },
  { name: 'Dirty', msb: 60, lsb: 60, doc: 'the redistributor is still parsing (or cleaning) the VPT' },
  { name: 'vGrp0En', msb: 59, lsb: 59 },
  { name: 'vGrp1En', msb: 58, lsb: 58 },
  { name: 'vPEID', msb: 15, lsb: 0 },
];

/** GICR_VPROPBASER, GICv4.0 layout: the vLPI configuration table of the resident vPE's VM. */
const VPROPBASER_V40: FieldDef[] = [
  { name: 'IDbits', msb: 4, lsb: 0, doc: 'vINTID bits - 1' },
  ...ATTRS,
  { name: 'Physical_Address', msb: 51, lsb: 12, doc: 'the vLPI configuration table, in 4 KiB units' },
];

/** GICR_VPROPBASER, GICv4.1 layout: the vPE configuration table (shared by the GIC's redistributors). */
const VPROPBASER_V41: FieldDef[] = [
  { name: 'Valid', msb: 63, lsb: 63 },
  { name: 'Entry_Size', msb: 62, lsb: 61 },
  { name: 'Indirect', msb: 55, lsb: 55 },
  { name: 'Page_Size', msb: 54, lsb: 53 },
  { name: 'Z', msb: 52, lsb: 52 },
  { name: 'Physical_Address', msb: 51, lsb: 12 },
  { name: 'Size', msb: 6, lsb: 0 },
];

function register(name: string, rd: number, v: bigint, fields: readonly FieldDef[]): V4RegisterView {
  return { name, rd, value: hex(v), fields: decodeFields(fields, v) };
}

/** GICR_VPENDBASER of redistributor `cpu`, decoded with the host GIC's layout. */
export function vpendbaserView(m: PlatformMachine, cpu: number): V4RegisterView {
  const v = m.s.gic.rd[cpu]?.vpendbaser ?? 0n;
  return register('GICR_VPENDBASER', cpu, v, isGicV41(m.s.gic.cfg) ? VPENDBASER_V41 : VPENDBASER_V40);
}

/** GICR_VPROPBASER of redistributor `cpu`, decoded with the host GIC's layout. */
export function vpropbaserView(m: PlatformMachine, cpu: number): V4RegisterView {
  const v = m.s.gic.rd[cpu]?.vpropbaser ?? 0n;
  return register('GICR_VPROPBASER', cpu, v, isGicV41(m.s.gic.cfg) ? VPROPBASER_V41 : VPROPBASER_V40);
}

/** The vPE resident on redistributor `cpu` and whose vCPU it is, if any (the GIC's view). */
export interface ResidentVpe {
  /** -1 when no VM of the machine owns the vPE the redistributor names. */
  vm: number;
  vcpu: number;
  vpeid: number;
  vpt: number;
  /** GICR_VPENDBASER.Dirty: the VPT is still being parsed. */
  dirty: boolean;
}

export function residentVpeOn(m: PlatformMachine, cpu: number): ResidentVpe | undefined {
  const r = residentOn(m, cpu);
  if (!r) return undefined;
  const v41 = isGicV41(m.s.gic.cfg);
  const dirty = (((m.s.gic.rd[cpu]?.vpendbaser ?? 0n) >> 60n) & 1n) === 1n;
  for (const vm of m.s.kvm?.vms ?? []) {
    const vpes = vm.v4?.vpes ?? [];
    const vcpu = vpes.findIndex((p) => (v41 ? p.vpeid === r.vpeid : p.vpt === r.vpt));
    if (vcpu >= 0) return { vm: vm.index, vcpu, vpeid: vpes[vcpu]!.vpeid, vpt: vpes[vcpu]!.vpt, dirty };
  }
  return { vm: -1, vcpu: -1, vpeid: r.vpeid, vpt: r.vpt, dirty };
}

/** A vPE in brief, for the stage (every frame): where it is and what its VPT holds. */
export interface VpeSummary {
  vm: number;
  vcpu: number;
  vpeid: number;
  doorbell: number;
  vpt: number;
  /** The pCPU whose redistributor hosts it (the driver's col_idx, the VTE's target). */
  pcpu: number;
  /** Redistributors on which GICR_VPENDBASER names it now. */
  residentOn: number[];
  /** Pending vINTIDs in its VPT (at most `max`). */
  pending: number[];
}

/** Every vPE of every VM, in VM and vCPU order (none before vgic_v4_init). */
export function vpeSummaries(m: PlatformMachine, max = 64): VpeSummary[] {
  const out: VpeSummary[] = [];
  for (const vm of m.s.kvm?.vms ?? [])
    (vm.v4?.vpes ?? []).forEach((p, vcpu) =>
      out.push({
        vm: vm.index,
        vcpu,
        vpeid: p.vpeid,
        doorbell: p.doorbell,
        vpt: p.vpt,
        pcpu: p.colIdx,
        residentOn: residencies(m, p.vpeid, p.vpt),
        pending: vptPending(m, p.vpt, 16).slice(0, max),
      }),
    );
  return out;
}

/** The cost model's direct and software paths of one device MSI, with this machine's overrides. */
export function modelledPaths(m: PlatformMachine): V4PathsView {
  const model = kvmCostOf(m);
  return {
    direct: pathCost(model, GICV4_DIRECT_PATH),
    doorbell: pathCost(model, GICV4_DOORBELL_PATH),
    software: pathCost(model, vfioSoftwarePath()),
  };
}

/** The pCPU (redistributor) an ITS command's RDbase field names on ITS `its`, or -1. */
export function rdbaseCpu(m: PlatformMachine, its: number, rdbase: number): number {
  const s = m.s.its[its];
  if (!s) return -1;
  for (let c = 0; c < m.s.gic.rd.length; c++) if (rdbaseOf(m, s, c) === rdbase) return c;
  return -1;
}

/** What the host ITS's ITE for a host event maps now (no touches: nothing is recorded). */
function hostIte(
  m: PlatformMachine,
  f: { its: number; devid: number; eventid: number },
): 'vlpi' | 'lpi' | 'none' {
  const its = m.s.its[f.its];
  if (!its) return 'none';
  const d = lookupDevice(m, its, f.devid, null);
  if (!d.ok) return 'none';
  const e = lookupEvent(m, its, f.devid, d.value, f.eventid, null);
  return !e.ok ? 'none' : e.value.virtual ? 'vlpi' : 'lpi';
}

/** The doorbell's configuration byte in the host's LPI property table (as redistributor 0 reads it). */
function doorbellConfig(m: PlatformMachine, intid: number): number {
  if (m.s.gic.rd.length === 0) return -1;
  const a = propTableBase(m, 0) + (intid - FIRST_LPI);
  return memVisible(m.s.mem, a, 1) ? memReadU8(m.s.mem, a) : -1;
}

/** VM `vm`'s GICv4 state at this point of its history. */
export function inspectV4(m: PlatformMachine, vmIndex: number): V4View | InspectError {
  const vms = m.s.kvm?.vms ?? [];
  if (vms.length === 0) return bad('this machine runs no VMs');
  if (!Number.isInteger(vmIndex) || !vms[vmIndex])
    return bad(`there is no VM ${String(vmIndex)} (the machine runs ${vms.length})`);
  const vm = vms[vmIndex];
  const cfg = m.s.gic.cfg;
  const gic = isGicV4(cfg) ? (isGicV41(cfg) ? '4.1' : '4.0') : null;
  const v4 = vm.v4;
  const enabled = vm.cfg.gicv4;
  const problem = !gic
    ? `the host's GIC is a GICv${cfg.version}: no vPEs, every interrupt goes through KVM's software path`
    : !enabled
      ? `${vm.cfg.name} does not use GICv4 (gicv4: false): every interrupt goes through KVM's software path`
      : !v4
        ? (directInjectionProblem(m) ??
          "vgic_v4_init has not run yet: it runs at the VM's first vcpu_load once the host's ITS can take virtual commands")
        : undefined;

  const vpes: V4VpeView[] = (v4?.vpes ?? []).map((p, vcpu) => {
    const run = vm.run.vcpus[vcpu];
    const residentOn = residencies(m, p.vpeid, p.vpt);
    const all = vptPending(m, p.vpt, 16);
    const rd = residentOn[0] ?? p.colIdx;
    return {
      vcpu,
      vpeid: p.vpeid,
      doorbell: p.doorbell,
      doorbellConfig: doorbellConfig(m, p.doorbell),
      vpt: p.vpt,
      vptBits: 16,
      pcpu: p.colIdx,
      mappedOn: [...p.mappedOn],
      resident: p.resident,
      pendingLast: p.pendingLast,
      vlpis: p.vlpiCount,
      residentOn,
      vcpuMode: run?.mode ?? 'stopped',
      vcpuPcpu: run?.pcpu ?? -1,
      pending: all.slice(0, V4_PENDING_ROWS),
      pendingCapped: all.length > V4_PENDING_ROWS,
      vpendbaser: vpendbaserView(m, rd),
      vpropbaser: vpropbaserView(m, rd),
    };
  });

  const vpeTables = gic
    ? virtualItss(m).map((its) => {
        const t = itsVpes(m, its);
        if (!t.ok) return { its, rows: [], capped: false, problem: t.error };
        return { its, rows: t.vpes, capped: t.capped, ...(t.problem ? { problem: t.problem } : {}) };
      })
    : [];

  const forwarded = new Map((v4?.forwarded ?? []).map((f) => [f.vintid, f]));
  const lpis: V4LpiView[] = [];
  const intids = [...vm.vgic.dist.lpis.keys()].sort((a, b) => a - b);
  for (const vintid of intids.slice(0, V4_LPI_ROWS)) {
    const irq = vm.vgic.dist.lpis.get(vintid)!;
    const f = forwarded.get(vintid);
    const vcpu = irq.targetVcpu;
    const vpe = vcpu >= 0 ? v4?.vpes[vcpu] : undefined;
    const row: V4LpiView = {
      vintid,
      vcpu,
      vpeid: vpe?.vpeid ?? -1,
      forwarded: f !== undefined,
      pending: f && vpe ? vptPending(m, vpe.vpt, 16).includes(vintid) : irq.pendingLatch,
    };
    if (f) {
      row.host = { its: f.its, devid: f.devid, eventid: f.eventid, intid: f.hostIntid, ite: hostIte(m, f) };
      row.guest = { its: f.vits, devid: f.vdevid, eventid: f.veventid };
      row.fd = f.fd;
    }
    lpis.push(row);
  }
  const vectors: V4VectorView[] = vm.vfio.map((x) => {
    const f = v4?.forwarded.find((y) => y.fd === x.fd && y.hostIntid === x.hostIntid);
    return {
      device: x.device,
      vector: x.vector,
      hostIntid: x.hostIntid,
      fd: x.fd,
      vintid: f?.vintid ?? null,
    };
  });

  return {
    ok: true,
    vm: vmIndex,
    name: vm.cfg.name,
    gic,
    enabled,
    initialised: v4 !== undefined,
    ...(problem ? { problem } : {}),
    ...(v4 ? { vprop: v4.vprop } : {}),
    vpes,
    vpeTables,
    lpis,
    lpisCapped: intids.length > V4_LPI_ROWS,
    vectors,
    paths: modelledPaths(m),
  };
}
