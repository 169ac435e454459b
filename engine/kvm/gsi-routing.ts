/**
 * GSI routing on arm64: the VM's table from GSI numbers to irqchip pins and MSIs, the
 * KVM_SET_GSI_ROUTING ioctl that replaces it, the default table the vgic installs, and kvm_set_irq,
 * which fires a GSI through it (virt/kvm/irqchip.c, virt/kvm/kvm_main.c, vgic-irqfd.c; reference
 * §5.5, seed 003).
 *
 * Seed 003 is the 2014 design discussion: routing exists on ARM so that irqfd can reuse the
 * generic code, and "unless KVM_SET_GSI_ROUTING is used, userspace should not be able to tell the
 * difference" — the default is 1:1, GSI i → irqchip 0 pin i → SPI i + 32. KVM_IRQ_LINE never goes
 * through this table (irq-line.ts); irqfd (irqfd.ts) and MSI routes always do.
 *
 * arm64 has one irqchip (KVM_NR_IRQCHIPS = 1) with 988 pins (KVM_IRQCHIP_NUM_PINS = 1020 - 32, one
 * per possible SPI), and accepts only IRQCHIP and MSI entries. Since a GSI may not have two entries
 * on the same irqchip, nor an MSI entry next to anything, every GSI has at most one route here.
 *
 * The table is plain data (an array of routes in the order userspace gave them) and survives the
 * engine's deep-copy snapshots; the pin → GSI reverse map (rt->chip) is derived from it on demand.
 */

import { kvmVgicInjectIrq, type InjectResult } from './ap-list';
import { kvmErr, u32, type KvmErr, type KvmErrnoName } from './kvm-errno';
import { KVM_MSI_VALID_DEVID, kvmSetMsi, type KvmMsi, type KvmMsiContext, type MsiResult } from './msi';
import { NO_VCPU, VGIC_NR_PRIVATE_IRQS } from './vgic-irq';
import { vgicValidSpi, type VgicState } from './vgic-state';

export const KVM_IRQ_ROUTING_IRQCHIP = 1;
export const KVM_IRQ_ROUTING_MSI = 2;
export const KVM_IRQ_ROUTING_S390_ADAPTER = 3;
export const KVM_IRQ_ROUTING_HV_SINT = 4;
export const KVM_IRQ_ROUTING_XEN_EVTCHN = 5;

export const KVM_IRQ_ROUTING_TYPE_NAMES: Record<number, string> = {
  [KVM_IRQ_ROUTING_IRQCHIP]: 'KVM_IRQ_ROUTING_IRQCHIP',
  [KVM_IRQ_ROUTING_MSI]: 'KVM_IRQ_ROUTING_MSI',
  [KVM_IRQ_ROUTING_S390_ADAPTER]: 'KVM_IRQ_ROUTING_S390_ADAPTER',
  [KVM_IRQ_ROUTING_HV_SINT]: 'KVM_IRQ_ROUTING_HV_SINT',
  [KVM_IRQ_ROUTING_XEN_EVTCHN]: 'KVM_IRQ_ROUTING_XEN_EVTCHN',
};

/** include/linux/kvm_host.h: both the most entries one call may pass and the GSI bound. */
export const KVM_MAX_IRQ_ROUTES = 4096;
/** arm64 (include/kvm/arm_vgic.h): one irqchip, the vgic. */
export const KVM_NR_IRQCHIPS = 1;
/** arm64: one pin per possible SPI (INTIDs 32..1019). */
export const KVM_IRQCHIP_NUM_PINS = 1020 - VGIC_NR_PRIVATE_IRQS;

/**
 * struct kvm_irq_routing_entry as userspace lays it out: gsi, type, flags, pad, and the 8-word
 * union `u`. IRQCHIP reads u[0] = irqchip, u[1] = pin; MSI reads u[0] = address_lo,
 * u[1] = address_hi, u[2] = data, u[3] = devid. Missing words read as 0.
 */
export interface KvmIrqRoutingEntryUser {
  gsi: number;
  type: number;
  flags: number;
  pad?: number;
  u: number[];
}

/** struct kvm_irq_routing: `nr` entries follow; `flags` must be 0. */
export interface KvmIrqRouting {
  nr: number;
  flags: number;
  entries: KvmIrqRoutingEntryUser[];
}

/** A route as KVM keeps it (struct kvm_kernel_irq_routing_entry, without the set() pointer). */
export type KvmRoute =
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_IRQCHIP; irqchip: number; pin: number }
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_MSI; msi: KvmMsi };

export interface KvmIrqRoutingTable {
  /** Every route, in the order KVM_SET_GSI_ROUTING listed them. */
  routes: KvmRoute[];
}

/** kvm_init_irq_routing: the empty table a VM starts with. */
export function createKvmIrqRouting(): KvmIrqRoutingTable {
  return { routes: [] };
}

/** A user IRQCHIP entry: GSI `gsi` → pin `pin` (SPI pin + 32) of irqchip 0. */
export function irqchipRouteEntry(gsi: number, pin: number, irqchip = 0): KvmIrqRoutingEntryUser {
  return { gsi, type: KVM_IRQ_ROUTING_IRQCHIP, flags: 0, u: [irqchip, pin, 0, 0, 0, 0, 0, 0] };
}

/** A user MSI entry; giving a devid sets KVM_MSI_VALID_DEVID. */
export function msiRouteEntry(
  gsi: number,
  m: { address: bigint; data: number; devid?: number },
  flags = m.devid === undefined ? 0 : KVM_MSI_VALID_DEVID,
): KvmIrqRoutingEntryUser {
  const lo = Number(m.address & 0xffffffffn);
  const hi = Number((m.address >> 32n) & 0xffffffffn);
  return { gsi, type: KVM_IRQ_ROUTING_MSI, flags, u: [lo, hi, m.data, m.devid ?? 0, 0, 0, 0, 0] };
}

/**
 * kvm_vgic_setup_default_irq_routing (run by vgic_init, §5.5 [irqfd]): GSI i → irqchip 0, pin i,
 * for each of the VM's SPIs (i = 0 .. nr_spis - 1), so GSI i fires SPI i + 32.
 */
export function kvmVgicDefaultRouting(nrSpis: number): KvmIrqRouting {
  const entries = Array.from({ length: nrSpis }, (_, i) => irqchipRouteEntry(i, i));
  return { nr: entries.length, flags: 0, entries };
}

export interface SetGsiRoutingResult {
  ok: boolean;
  ret: number;
  errno?: KvmErrnoName;
  reason: string;
  /** The entry that was refused (index into `entries`). */
  index?: number;
}

const word = (e: KvmIrqRoutingEntryUser, i: number): number => u32(e.u?.[i] ?? 0);

function toRoute(ue: KvmIrqRoutingEntryUser, gsi: number, type: number): KvmRoute | string {
  if (type === KVM_IRQ_ROUTING_IRQCHIP) {
    const irqchip = word(ue, 0);
    const pin = word(ue, 1);
    if (pin >= KVM_IRQCHIP_NUM_PINS)
      return `pin ${pin}: arm64 has ${KVM_IRQCHIP_NUM_PINS} pins (SPIs 32..1019)`;
    if (irqchip >= KVM_NR_IRQCHIPS) return `irqchip ${irqchip}: arm64 has ${KVM_NR_IRQCHIPS} irqchip (0)`;
    return { gsi, type, irqchip, pin };
  }
  if (type === KVM_IRQ_ROUTING_MSI) {
    const msi = {
      addressLo: word(ue, 0),
      addressHi: word(ue, 1),
      data: word(ue, 2),
      flags: u32(ue.flags),
      devid: word(ue, 3),
    };
    return { gsi, type, msi };
  }
  return `type ${type}${KVM_IRQ_ROUTING_TYPE_NAMES[type] ? ` (${KVM_IRQ_ROUTING_TYPE_NAMES[type]})` : ''}: arm64 routes only KVM_IRQ_ROUTING_IRQCHIP and KVM_IRQ_ROUTING_MSI`;
}

/**
 * KVM_SET_GSI_ROUTING: builds a new table from `nr` entries and replaces the old one only if every
 * entry is accepted (on any error the old table stays). Checks, in KVM's order:
 *  1. nr > KVM_MAX_IRQ_ROUTES → -EINVAL; routing.flags ≠ 0 → -EINVAL (kvm_vm_ioctl);
 *  2. fewer than nr entries supplied → -EFAULT (copying the array from userspace faults; a model
 *     choice for an array shorter than its count);
 *  3. any entry's gsi ≥ KVM_MAX_IRQ_ROUTES → -EINVAL, before any entry is examined;
 *  4. per entry, in order: flags other than KVM_MSI_VALID_DEVID on an MSI entry, or any flag on
 *     another type → -EINVAL; a GSI that already has an entry, unless both are IRQCHIP entries on
 *     different irqchips (impossible on arm64) → -EINVAL; IRQCHIP with pin ≥ 988 or irqchip ≥ 1
 *     → -EINVAL; a type other than IRQCHIP/MSI → -EINVAL (kvm_set_routing_entry).
 * The pin is not checked against the VM's SPI count here: a route to a missing SPI fails when fired.
 * nr = 0 is valid and leaves the VM with no routes.
 */
export function kvmSetGsiRouting(table: KvmIrqRoutingTable, routing: KvmIrqRouting): SetGsiRoutingResult {
  const fail = (errno: KvmErrnoName, reason: string, index?: number): SetGsiRoutingResult => ({
    ...kvmErr(errno, reason),
    ...(index === undefined ? {} : { index }),
  });
  const nr = u32(routing.nr);
  const flags = u32(routing.flags);
  if (nr > KVM_MAX_IRQ_ROUTES)
    return fail('EINVAL', `nr ${nr} exceeds KVM_MAX_IRQ_ROUTES (${KVM_MAX_IRQ_ROUTES})`);
  if (flags !== 0) return fail('EINVAL', `kvm_irq_routing.flags 0x${flags.toString(16)}: must be 0`);
  const entries = routing.entries ?? [];
  if (entries.length < nr) return fail('EFAULT', `nr ${nr} but only ${entries.length} entries in the buffer`);
  for (let i = 0; i < nr; i++) {
    const gsi = u32(entries[i]!.gsi);
    if (gsi >= KVM_MAX_IRQ_ROUTES)
      return fail('EINVAL', `entry ${i}: gsi ${gsi} ≥ KVM_MAX_IRQ_ROUTES (${KVM_MAX_IRQ_ROUTES})`, i);
  }
  const routes: KvmRoute[] = [];
  for (let i = 0; i < nr; i++) {
    const ue = entries[i]!;
    const gsi = u32(ue.gsi);
    const type = u32(ue.type);
    const eflags = u32(ue.flags);
    if (type === KVM_IRQ_ROUTING_MSI ? eflags & ~KVM_MSI_VALID_DEVID : eflags !== 0)
      return fail(
        'EINVAL',
        `entry ${i}: flags 0x${eflags.toString(16)}` +
          (type === KVM_IRQ_ROUTING_MSI
            ? ': an MSI entry allows only KVM_MSI_VALID_DEVID'
            : ': must be 0 for this type'),
        i,
      );
    const prior = routes.find((r) => r.gsi === gsi);
    if (
      prior &&
      (prior.type !== KVM_IRQ_ROUTING_IRQCHIP ||
        type !== KVM_IRQ_ROUTING_IRQCHIP ||
        word(ue, 0) === prior.irqchip)
    )
      return fail(
        'EINVAL',
        `entry ${i}: gsi ${gsi} already has ${prior.type === KVM_IRQ_ROUTING_MSI ? 'an MSI' : `an irqchip ${prior.irqchip}`} entry ` +
          '(a GSI maps to each irqchip at most once, and an MSI GSI to nothing else)',
        i,
      );
    const route = toRoute(ue, gsi, type);
    if (typeof route === 'string') return fail('EINVAL', `entry ${i}: ${route}`, i);
    routes.push(route);
  }
  table.routes = routes;
  return { ok: true, ret: 0, reason: `${nr} route${nr === 1 ? '' : 's'} installed` };
}

/** kvm_vgic_setup_default_irq_routing: installs the 1:1 table for `nrSpis` SPIs. */
export function kvmVgicSetupDefaultIrqRouting(
  table: KvmIrqRoutingTable,
  nrSpis: number,
): SetGsiRoutingResult {
  return kvmSetGsiRouting(table, kvmVgicDefaultRouting(nrSpis));
}

/** kvm_irq_map_gsi: the routes of a GSI (at most one on arm64). */
export function kvmIrqMapGsi(table: KvmIrqRoutingTable, gsi: number): KvmRoute[] {
  const g = u32(gsi);
  return table.routes.filter((r) => r.gsi === g);
}

/**
 * kvm_irq_map_chip_pin (rt->chip[irqchip][pin]): the GSI routed to an irqchip pin, -1 for none.
 * When several GSIs name the same pin, the last one listed wins, as KVM fills the array in order.
 */
export function kvmIrqMapChipPin(table: KvmIrqRoutingTable, irqchip: number, pin: number): number {
  let gsi = -1;
  for (const r of table.routes)
    if (r.type === KVM_IRQ_ROUTING_IRQCHIP && r.irqchip === irqchip && r.pin === pin) gsi = r.gsi;
  return gsi;
}

/** The VM state a GSI is fired against. */
export interface KvmIrqContext {
  vgic: VgicState | null;
  msi: KvmMsiContext;
  routing: KvmIrqRoutingTable;
}

export type RouteOutcome =
  | {
      route: KvmRoute & { type: typeof KVM_IRQ_ROUTING_IRQCHIP };
      kind: 'spi';
      intid: number;
      /** kvm_vgic_inject_irq's outcome, or vgic_irqfd_set_irq's -EINVAL for a missing SPI. */
      result: InjectResult | KvmErr;
    }
  | { route: KvmRoute & { type: typeof KVM_IRQ_ROUTING_MSI }; kind: 'msi'; result: MsiResult };

export interface SetIrqResult {
  gsi: number;
  level: boolean;
  /** One per route of the GSI; empty when the GSI has none (the signal goes nowhere). */
  routes: RouteOutcome[];
  reason: string;
}

const spiErrno = (r: InjectResult | KvmErr): string | undefined => ('reason' in r ? r.errno : r.error);

/**
 * kvm_set_irq(kvm, source, gsi, level): fires every route of the GSI. An IRQCHIP route is
 * vgic_irqfd_set_irq: SPI pin + 32, -EINVAL if the VM has no such SPI, else
 * kvm_vgic_inject_irq(NULL, SPI, level, owner NULL). An MSI route is kvm_set_msi (msi.ts): the
 * VitsMsi it returns is for the wiring to translate. The irq source id KVM passes is not an
 * argument: arm64's set() functions ignore it (there is no per-source wired-OR on the vgic).
 */
export function kvmSetIrq(ctx: KvmIrqContext, gsi: number, level: boolean): SetIrqResult {
  const g = u32(gsi);
  const routes = kvmIrqMapGsi(ctx.routing, g);
  const out: RouteOutcome[] = [];
  for (const route of routes) {
    if (route.type === KVM_IRQ_ROUTING_IRQCHIP) {
      const intid = route.pin + VGIC_NR_PRIVATE_IRQS;
      const result =
        ctx.vgic && vgicValidSpi(ctx.vgic, intid)
          ? kvmVgicInjectIrq(ctx.vgic, NO_VCPU, intid, level, null)
          : kvmErr('EINVAL', `pin ${route.pin}: the VM has no SPI ${intid}`);
      out.push({ route, kind: 'spi', intid, result });
    } else {
      out.push({ route, kind: 'msi', result: kvmSetMsi(ctx.msi, route.msi, level) });
    }
  }
  const reason = out.length
    ? out
        .map((o) =>
          o.kind === 'spi'
            ? `GSI ${g} → SPI ${o.intid} level ${level ? 1 : 0}${o.result.ret < 0 ? ` failed (${spiErrno(o.result)})` : ''}`
            : `GSI ${g} → MSI: ${o.result.reason}`,
        )
        .join('; ')
    : `GSI ${g} has no route`;
  return { gsi: g, level, routes: out, reason };
}
