/**
 * The cost model: how long each hop of an interrupt's way to a guest takes, in model nanoseconds,
 * so that "how long did this interrupt take to reach the guest" has an answer. A pure table of
 * per-hop costs for the software injection path (VFIO passthrough: device MSI, the host's ITS and
 * handler, eventfd, irqfd, the virtual ITS, the kick) and KVM's run loop (world switches, the
 * flush and fold of the list registers, the maintenance interrupt, WFI), and the host driver's
 * GICv4 work (commands, VLPI-frame register writes). Nothing here schedules anything: the wiring looks a hop up when it turns a transition's
 * event (vcpu-run.ts, irqfd.ts, msi.ts) into an engine event and uses it as the delay.
 *
 * Sources
 * -------
 * Every entry says where its figure comes from, as one of:
 *  - 'cited': a published measurement, with the citation;
 *  - 'derived': arithmetic on cited figures (the arithmetic is in the source string);
 *  - 'assumption': no published figure found; a documented default, to be overridden.
 *
 * The cycle figures come from Dall, Li, Lim, Nieh, Koloventzos, "ARM Virtualization: Performance
 * and Architectural Implications", ISCA 2016 (Table II, KVM ARM column), measured on an HP
 * Moonshot m400 (Applied Micro X-Gene, ARMv8.0, GICv2, no VHE) whose cores run at 2.4 GHz: that is
 * the clock used to turn cycles into ns (SOURCE_CLOCK_GHZ). They describe a 2016 non-VHE KVM; a
 * modern VHE host on GICv3 switches worlds several times faster, which is what the overrides
 * are for. The host-side hops of the physical path mirror the physical model's own defaults
 * (DEFAULT_ITS_TIMING, DEFAULT_GIC_TIMING, DEFAULT_SOFTWARE_TIMING), so the software path and the
 * physical path of one run are measured with the same ruler.
 *
 * Overrides
 * ---------
 * A scenario's machine `timing` record carries them as `"kvm.<key>": ns`, the convention of
 * timingFrom in platform/machine.ts ('gic.', 'its.', 'sw.'). Unlike timingFrom, which silently
 * ignores what it cannot use, costModelFrom reports every `kvm.` key it rejects (unknown key,
 * not a number, not finite, negative) as a named problem string and keeps the default; it
 * never throws. Keys with other prefixes belong to other tables and are left alone.
 */

import { DEFAULT_GIC_TIMING } from '../gic/gic-machine';
import { DEFAULT_ITS_TIMING } from '../its/its-machine';
import { DEFAULT_SOFTWARE_TIMING } from '../platform/software';

/** The prefix of cost overrides in a machine's `timing` record. */
export const COST_PREFIX = 'kvm.';

/** Clock of the machine the cycle figures were measured on (X-Gene in HP m400, ISCA 2016). */
export const SOURCE_CLOCK_GHZ = 2.4;

/** Cycles measured at SOURCE_CLOCK_GHZ, as whole model nanoseconds. */
export const cyclesToNs = (cycles: number, ghz = SOURCE_CLOCK_GHZ): number => Math.round(cycles / ghz);

export type CostSourceKind = 'cited' | 'derived' | 'assumption';

export interface CostEntry {
  /** The key, without the 'kvm.' prefix. */
  key: string;
  /** Default cost in model nanoseconds. */
  ns: number;
  /** The cycle figure the source gives (at SOURCE_CLOCK_GHZ), when it gives cycles. */
  cycles?: number;
  /** One line: what the hop is. */
  meaning: string;
  kind: CostSourceKind;
  /** The citation (cited, derived) or why the value was chosen (assumption). */
  source: string;
}

// The Table II figures below were not checked against the paper itself (no copy of the table
// could be read here): every source string built on them says so, until someone checks them.
const ISCA16 =
  'Dall et al., "ARM Virtualization: Performance and Architectural Implications", ISCA 2016, Table II (KVM ARM; figures not yet checked against the paper)';
/** ISCA 2016 Table II, KVM ARM: a hypercall, exit to the host and back with no work done. */
const ISCA16_HYPERCALL_CYCLES = 6500;
/** ISCA 2016 Table II, KVM ARM: a trap to the emulated interrupt controller and back. */
const ISCA16_IC_TRAP_CYCLES = 7370;
/** ISCA 2016 Table II, KVM ARM: a virtual interrupt acknowledged and completed (no trap). */
const ISCA16_VIRQ_COMPLETION_CYCLES = 71;
const UPTON24 =
  "Oliver Upton's LPI translation cache series (cover letter quoted in the kvmarm/next merge of kvm-arm64/lpi-xa-cache, 2024): " +
  'vgic_lpi_stress -v 1 -d 1 -e 1, 1,362,602 LPIs/s with the series (v6.8-rc1: 2,063,297/s)';

const world = Math.round(ISCA16_HYPERCALL_CYCLES / 2);
const ackCycles = Math.ceil(ISCA16_VIRQ_COMPLETION_CYCLES / 2);
const eoiCycles = ISCA16_VIRQ_COMPLETION_CYCLES - ackCycles;
const itsMiss = DEFAULT_ITS_TIMING.cacheLookup + 3 * DEFAULT_ITS_TIMING.tableRead;

/** The table, in the order of the software VFIO path, then the run loop, then the rest. */
export const COST_DEFAULTS: readonly CostEntry[] = [
  // The physical path on the host.
  {
    key: 'deviceMsiWrite',
    ns: DEFAULT_ITS_TIMING.msi,
    meaning: "the device's MSI write reaching the host ITS's GITS_TRANSLATER",
    kind: 'assumption',
    source: 'the physical model: its.msi',
  },
  {
    key: 'hostItsTranslate',
    ns: itsMiss,
    meaning:
      'the host ITS translating DeviceID/EventID to a host LPI (translation-cache miss: DTE, ITE, CTE)',
    kind: 'assumption',
    source: 'the physical model: its.cacheLookup + 3 × its.tableRead',
  },
  {
    key: 'hostLpiDeliver',
    ns: DEFAULT_GIC_TIMING.lpi,
    meaning: "the host LPI reaching the target pCPU's redistributor and CPU interface",
    kind: 'assumption',
    source: 'the physical model: gic.lpi',
  },
  {
    key: 'hostIrqEntry',
    ns: DEFAULT_SOFTWARE_TIMING.entry,
    meaning: "the host pCPU taking the IRQ: exception entry to the GIC driver's ICC_IAR1_EL1 read",
    kind: 'assumption',
    source: 'the physical model: sw.entry',
  },
  {
    key: 'vfioHandler',
    ns: DEFAULT_SOFTWARE_TIMING.handler,
    meaning: "genirq flow handler and VFIO's vfio_msihandler up to its eventfd_signal",
    kind: 'assumption',
    source: 'the physical model: sw.handler',
  },
  // From the eventfd to the vgic.
  {
    key: 'eventfdSignal',
    ns: 150,
    meaning: "eventfd_signal: counter update and the wait-queue walk that calls KVM's irqfd_wakeup",
    kind: 'assumption',
    source: 'no published arm64 figure found; a few hundred cycles of locked list walk',
  },
  {
    key: 'irqfdWakeup',
    ns: 100,
    meaning: 'irqfd_wakeup: the routing entry read under SRCU, kvm_arch_set_irq_inatomic dispatch',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'vitsInject',
    ns: Math.round(1e9 / 1362602),
    meaning:
      'vgic_its_inject_msi: translation-cache lookup, pending latch, vgic_queue_irq_unlock (and its kick request)',
    kind: 'cited',
    source: `${UPTON24}; 1 s / 1,362,602 per KVM_SIGNAL_MSI, so an upper bound: it includes the ioctl irqfd does not make`,
  },
  {
    key: 'vgicQueue',
    ns: 150,
    meaning:
      'kvm_vgic_inject_irq / vgic_queue_irq_unlock for an SPI, PPI or SGI: oracle, ap_list insert, request',
    kind: 'assumption',
    source: 'no published figure found; taken below vitsInject, which does this and a translation',
  },
  {
    key: 'kickIpi',
    ns: 500,
    meaning:
      "kvm_vcpu_kick's reschedule IPI: the SGI write on the sender to the exception on the vCPU's pCPU",
    kind: 'assumption',
    source:
      'no published arm64 host-IPI latency found; ISCA 2016 Virtual IPI (11,557 cycles) bounds it from above',
  },
  // The run loop.
  {
    key: 'guestExit',
    ns: cyclesToNs(world),
    cycles: world,
    meaning:
      'world switch out: guest state saved, host restored, back in the run loop (vgic fold not included)',
    kind: 'derived',
    source: `${ISCA16}: Hypercall ${ISCA16_HYPERCALL_CYCLES} cycles, half of the round trip (the even split is an assumption)`,
  },
  {
    key: 'exitHandleIrq',
    ns: 300,
    meaning:
      'after an IRQ exit: the host takes the physical interrupt (a kick does nothing), handle_exit, pending work',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'vgicSyncBase',
    ns: 100,
    meaning: 'kvm_vgic_sync_hwstate fixed part: the shadow read back, prune of the ap_list',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'lrFold',
    ns: 30,
    meaning: 'per list register in use at exit: read ICH_LR<n>_EL2 and fold it into its vgic_irq',
    kind: 'assumption',
    source: 'no published per-LR figure found; a system-register read and a locked update',
  },
  {
    key: 'vgicFlushBase',
    ns: 100,
    meaning: 'kvm_vgic_flush_hwstate fixed part: ap_list lock, LR count, sort when needed, ICH_HCR_EL2',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'lrFlush',
    ns: 30,
    meaning: 'per list register loaded at entry: vgic_v3_populate_lr and the ICH_LR<n>_EL2 write',
    kind: 'assumption',
    source: 'no published per-LR figure found; a locked read and a system-register write',
  },
  {
    key: 'guestEntry',
    ns: cyclesToNs(ISCA16_HYPERCALL_CYCLES - world),
    cycles: ISCA16_HYPERCALL_CYCLES - world,
    meaning: 'world switch in: host state saved, guest restored, ERET to the guest (vgic flush not included)',
    kind: 'derived',
    source: `${ISCA16}: Hypercall ${ISCA16_HYPERCALL_CYCLES} cycles, half of the round trip (the even split is an assumption)`,
  },
  // The guest.
  {
    key: 'guestIrqTake',
    ns: 50,
    meaning: "the guest taking its virtual IRQ: exception entry to its handler's ICV_IAR1_EL1 read",
    kind: 'assumption',
    source: 'no published figure found; below the host sw.entry (no host work on the way)',
  },
  {
    key: 'icvIar',
    ns: cyclesToNs(ackCycles),
    cycles: ackCycles,
    meaning: 'the guest reads ICV_IAR1_EL1: the acknowledge, in hardware, no trap on GICv3',
    kind: 'derived',
    source: `${ISCA16}: Virtual IRQ Completion ${ISCA16_VIRQ_COMPLETION_CYCLES} cycles for ack + EOI, split evenly (the split is an assumption)`,
  },
  {
    key: 'icvEoir',
    ns: cyclesToNs(eoiCycles),
    cycles: eoiCycles,
    meaning: 'the guest writes ICV_EOIR1_EL1: priority drop and deactivation, in hardware, no trap on GICv3',
    kind: 'derived',
    source: `${ISCA16}: Virtual IRQ Completion ${ISCA16_VIRQ_COMPLETION_CYCLES} cycles for ack + EOI, split evenly (the split is an assumption)`,
  },
  // Everything else.
  {
    key: 'maintenanceIrq',
    ns: 200,
    meaning:
      "the maintenance interrupt (PPI 25) taken after the exit: KVM's handler does nothing, the fold does the work",
    kind: 'assumption',
    source: 'no published figure found; the exit itself is guestExit',
  },
  {
    key: 'trapEmulate',
    ns: cyclesToNs(ISCA16_IC_TRAP_CYCLES - ISCA16_HYPERCALL_CYCLES),
    cycles: ISCA16_IC_TRAP_CYCLES - ISCA16_HYPERCALL_CYCLES,
    meaning: 'emulating one trapped GIC access (distributor MMIO, ICC_SGI1R) beyond the exit and entry',
    kind: 'derived',
    source: `${ISCA16}: Interrupt Controller Trap ${ISCA16_IC_TRAP_CYCLES} − Hypercall ${ISCA16_HYPERCALL_CYCLES} cycles`,
  },
  {
    key: 'wfiBlock',
    ns: 1000,
    meaning:
      'a trapped WFI that blocks: kvm_vcpu_halt, vcpu_put, schedule() away from the pCPU (no halt polling)',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'wfiWake',
    ns: 3000,
    meaning:
      'a blocked vCPU woken: try_to_wake_up to its thread running on a pCPU again (schedule-in latency)',
    kind: 'assumption',
    source: 'no published arm64 figure found; the order of an idle-CPU wakeup in Linux',
  },
  {
    key: 'vcpuLoad',
    ns: 500,
    meaning: 'vcpu_load: kvm_arch_vcpu_load, the vgic VMCR/APR restore, timers',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'vcpuLoadFlush',
    ns: 300,
    meaning:
      'extra on a vcpu_load when another vCPU of the VM last ran on the pCPU: the local TLB context flush',
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'schedSlice',
    ns: 1_500_000,
    meaning:
      'the time slice after which the host scheduler preempts a vCPU thread for a runnable one waiting for its pCPU (the scheduler tick)',
    kind: 'assumption',
    source:
      "Linux's sysctl_sched_base_slice, 0.75 ms, scaled by 1 + ilog2(CPUs) as the kernel does (1.5 ms on two CPUs)",
  },
  {
    key: 'hostItsCmd',
    ns: 200,
    meaning:
      "the host's ITS driver building one command, writing it into the queue and announcing it with GITS_CWRITER (its_send_single_command, before it waits for GITS_CREADR)",
    kind: 'assumption',
    source:
      'no published figure found: a few hundred ns for the lock, the 32-byte write and an uncached MMIO write',
  },
  {
    key: 'hostMmio',
    ns: 50,
    meaning:
      'one uncached register access by the host (GICR_VPENDBASER, GICR_VPROPBASER, GICR_INVLPIR) or a property-table byte',
    kind: 'assumption',
    source: 'the physical model: of the order of gic.signal and its.msi (tens of ns)',
  },
  {
    key: 'gicv4Doorbell',
    ns: 1000,
    meaning: "a vLPI for a non-resident vPE: the doorbell's host interrupt up to kvm_vcpu_kick",
    kind: 'assumption',
    source: 'no published figure found',
  },
  {
    key: 'gicv4VlpiDeliver',
    ns: DEFAULT_GIC_TIMING.lpi,
    meaning: 'a vLPI for a resident vPE: the redistributor presents it straight to the guest',
    kind: 'assumption',
    source: 'the physical model: gic.lpi (the same hardware step as a physical LPI)',
  },
];

/** The table as a map from key to default ns. */
export type CostModel = Readonly<Record<string, number>>;

const DEFAULT_MODEL: CostModel = Object.freeze(Object.fromEntries(COST_DEFAULTS.map((e) => [e.key, e.ns])));

/** The entry of a key (without the prefix), or undefined. */
export const costEntry = (key: string): CostEntry | undefined => COST_DEFAULTS.find((e) => e.key === key);

export interface CostModelResult {
  model: CostModel;
  /** One string per rejected override, naming the key and why; the default stays. */
  problems: string[];
}

/**
 * The cost model for a machine's `timing` record: defaults with every valid `kvm.<key>` override
 * applied. Keys without the 'kvm.' prefix are not ours and are ignored. Never throws.
 */
export function costModelFrom(overrides: Readonly<Record<string, unknown>> = {}): CostModelResult {
  const out: Record<string, number> = { ...DEFAULT_MODEL };
  const problems: string[] = [];
  for (const [full, v] of Object.entries(overrides)) {
    if (!full.startsWith(COST_PREFIX)) continue;
    const key = full.slice(COST_PREFIX.length);
    if (!Object.hasOwn(DEFAULT_MODEL, key)) problems.push(`${full}: unknown cost key`);
    else if (typeof v !== 'number') problems.push(`${full}: not a number (${typeof v})`);
    else if (!Number.isFinite(v)) problems.push(`${full}: not finite (${v})`);
    else if (v < 0) problems.push(`${full}: negative (${v})`);
    else out[key] = v;
  }
  return { model: Object.freeze(out), problems };
}

/** One hop of a path: a key, or a key taken `times` times (per-LR costs). */
export type PathHop = string | { key: string; times: number };

export interface HopCost {
  key: string;
  times: number;
  /** This hop's cost: the per-hop cost × times. */
  ns: number;
  /** Time from the start of the path when the hop begins. */
  at: number;
  meaning: string;
}

export interface PathCost {
  totalNs: number;
  hops: HopCost[];
  /** Hops that were not counted (unknown key, bad count), named. */
  problems: string[];
}

/** Sums a path of hops into a total with a per-hop breakdown. Never throws. */
export function pathCost(model: CostModel, path: readonly PathHop[]): PathCost {
  const hops: HopCost[] = [];
  const problems: string[] = [];
  let at = 0;
  path.forEach((hop, i) => {
    const key = typeof hop === 'string' ? hop : hop.key;
    const times = typeof hop === 'string' ? 1 : hop.times;
    const per = Object.hasOwn(model, key) ? model[key] : undefined;
    if (per === undefined) {
      problems.push(`hop ${i} (${key}): unknown cost key`);
      return;
    }
    if (!Number.isInteger(times) || times < 0) {
      problems.push(`hop ${i} (${key}): bad count ${times}`);
      return;
    }
    const ns = per * times;
    hops.push({ key, times, ns, at, meaning: costEntry(key)?.meaning ?? '' });
    at += ns;
  });
  return { totalNs: at, hops, problems };
}

/**
 * The software VFIO path of one MSI to a guest whose vCPU runs in the guest on another pCPU than
 * the one the device interrupt targets, with nothing else pending (one LR in use at entry, none at
 * exit), up to the guest's acknowledge: device → host ITS → host handler → eventfd → irqfd → vITS
 * translation and vgic queue → kick IPI → exit → fold → flush → entry → guest IAR.
 */
export function vfioSoftwarePath(lrsAtExit = 0, lrsAtEntry = 1): PathHop[] {
  return [
    'deviceMsiWrite',
    'hostItsTranslate',
    'hostLpiDeliver',
    'hostIrqEntry',
    'vfioHandler',
    'eventfdSignal',
    'irqfdWakeup',
    'vitsInject',
    'kickIpi',
    'guestExit',
    'exitHandleIrq',
    'vgicSyncBase',
    { key: 'lrFold', times: lrsAtExit },
    'vgicFlushBase',
    { key: 'lrFlush', times: lrsAtEntry },
    'guestEntry',
    'guestIrqTake',
    'icvIar',
  ];
}

/** The total of vfioSoftwarePath() with the defaults, as docs/kvm-vgic.md states it. */
export const VFIO_SOFTWARE_PATH_DEFAULT_NS = 5222;

/**
 * The GICv4 direct path: the same device MSI translated by the host ITS to a vLPI delivered to a
 * resident vPE, with no host software, no exit and no list register.
 */
export const GICV4_DIRECT_PATH: readonly PathHop[] = [
  'deviceMsiWrite',
  'hostItsTranslate',
  'gicv4VlpiDeliver',
  'guestIrqTake',
  'icvIar',
];

/**
 * The GICv4 direct path when the vCPU is blocked (its vPE not resident): the vLPI is recorded in
 * the VPT and the doorbell rings; the host's doorbell handler kicks the vCPU, which wakes, is loaded
 * (the driver writes GICR_VPROPBASER and GICR_VPENDBASER, and clears the doorbell), enters, and
 * takes the vLPI from the redistributor.
 */
export const GICV4_DOORBELL_PATH: readonly PathHop[] = [
  'deviceMsiWrite',
  'hostItsTranslate',
  'gicv4VlpiDeliver',
  'gicv4Doorbell',
  'wfiWake',
  'vcpuLoad',
  { key: 'hostMmio', times: 3 },
  'guestEntry',
  'guestIrqTake',
  'icvIar',
];

/**
 * End-to-end figures the defaults are checked against (not hops): what was measured, in ns at
 * SOURCE_CLOCK_GHZ where the source gives cycles.
 */
export const COST_REFERENCES = {
  /** ISCA 2016 "I/O Latency In", KVM ARM: the virtual device in the host signals the VM (for KVM,
   * signalling the vCPU thread and injecting a virtual interrupt) until the VM receives it. */
  ioLatencyIn: { cycles: 13872, ns: cyclesToNs(13872), source: `${ISCA16}: I/O Latency In` },
  /** ISCA 2016 "Virtual IPI", KVM ARM: a vCPU's virtual IPI to a vCPU running on another pCPU,
   * from the send until the receiver handles it. */
  virtualIpi: { cycles: 11557, ns: cyclesToNs(11557), source: `${ISCA16}: Virtual IPI` },
  /** ISCA 2016 "Hypercall", KVM ARM: exit and entry with no work. */
  hypercall: {
    cycles: ISCA16_HYPERCALL_CYCLES,
    ns: cyclesToNs(ISCA16_HYPERCALL_CYCLES),
    source: `${ISCA16}: Hypercall`,
  },
} as const;
