/**
 * A sandbox's starting point: scenario text (giclab-scenario/1) for a machine of the shape the
 * user chose, either truly empty (nothing configured, as at reset) or brought up the way lesson
 * 2.2's first step does it, generalised to any number of PEs and ITSs: the distributor and every
 * CPU interface enabled for Group 1, every redistributor awake with the shared LPI property table
 * and a pending table of its own and EnableLPIs set, and every ITS given a device table, a
 * collection table and a command queue and enabled. No mapping is made: that is for the console.
 *
 * The sandbox is opened as scenario text (the store's openText), so it is a scenario like any
 * other: the worker's crash recovery reloads it, and "Save as scenario" starts from it.
 *
 * With a virtual machine (one VM under KVM, engine/kvm/vm-state.ts), the same step brings its
 * guest up too, as guest lines (`vm0 vcpu<n> ...`) after the host's: the guest's distributor
 * with ARE and Group 1, each vCPU's priority mask and Group 1 enable, and, when the VM has a
 * virtual ITS, the guest's LPIs and vITS exactly as the host's, at the same addresses but in the
 * guest's own address space (its 1 GiB of RAM at 0x4000_0000), as engine/kvm/vm-machine.test.ts
 * and lesson 3.5 do it. The guest's GIC frames are where QEMU's virt board puts them.
 *
 * Memory map of the bring-up (all in the default RAM at 0x4000_0000; the guest's is the same in
 * its own RAM, with vCPU n's pending table where rd<n>'s is and its vITS's tables where ITS0's are):
 *   0x4010_0000  ITS0 device table (64 KiB)      0x4011_0000  ITS0 collection table (64 KiB)
 *   0x4012_0000  ITS0 command queue (64 KiB)     0x4013_0000  LPI property table (56 KiB)
 *   0x4030_0000  free: a place for ITTs          0x4040_0000  rd<n>'s pending table at + n x 64 KiB
 *   0x4080_0000  ITS<i> (i >= 1): device table, collection table, queue at + (i - 1) x 192 KiB
 *   0x40c0_0000  GICv4: ITS<i>'s vPE table at + i x 64 KiB
 *   0x4100_0000  GICv4: ITS<i>'s device table (8 x 64 KiB, DeviceIDs up to 0xffff) at + i x 512 KiB
 *
 * The ITSs sit where the engine puts them by default: ITS 0 where QEMU's virt board has its ITS
 * (0x0808_0000), the others after the last redistributor.
 */

import type { GicVersion, ProfileName } from '../../engine';

export interface SandboxShape {
  profile: ProfileName;
  /** The GIC architecture version: 3, 4 (GICv4.0: vLPIs, a vPE table) or 4.1. Absent: 3. */
  gic?: GicVersion;
  cpus: number;
  its: number;
  devices: number;
  /** Bring up LPIs and the ITSs (lesson 2.2's first step), or leave the machine as at reset. */
  bringUp: boolean;
  /** One KVM virtual machine, vm0; absent (or null) for none. */
  vm?: SandboxVm | null;
}

/** The sandbox's VM: the `vms` entry it becomes (engine/kvm/vm-state.ts VmOptions). */
export interface SandboxVm {
  vcpus: number;
  /** List registers per vCPU (ICH_VTR_EL2.ListRegs + 1). */
  lrs: number;
  /** A virtual ITS (KVM_DEV_TYPE_ARM_VGIC_ITS), so the guest has LPIs. */
  its: boolean;
  /** dev0 assigned to the VM (VFIO): `assigned: [{ device: 'dev0' }]`; only with a device. */
  assignDev0: boolean;
}

/** The GIC versions the dialog offers (QEMU's model and KVM's vGIC stop at GICv4.0 and GICv3). */
export const GIC_CHOICES: readonly { id: GicVersion; label: string }[] = [
  { id: 3, label: 'GICv3' },
  { id: 4, label: 'GICv4.0: vLPIs, doorbells, GICv4 direct injection for a VM' },
  { id: 4.1, label: 'GICv4.1: vPEIDs in the redistributors, default doorbells, vSGIs' },
];

/** The GIC version a profile can have: KVM's emulated GIC is a GICv3, QEMU 7.2's at most a GICv4.0. */
export function gicFor(profile: ProfileName, gic: GicVersion | undefined): GicVersion {
  const v = gic ?? 3;
  if (profile === 'kvm') return 3;
  if (profile === 'qemu' && v === 4.1) return 4;
  return v;
}

export const PROFILES: readonly { id: ProfileName; label: string }[] = [
  { id: 'kvm', label: "kvm: Linux KVM's emulated GICv3 and ITS" },
  { id: 'qemu', label: "qemu: QEMU's TCG GICv3 and ITS model" },
  { id: 'spec', label: 'spec: the Arm GIC architecture' },
];

/** What the dialog offers: [least, most]. */
export const LIMITS = { cpus: [1, 64], its: [0, 4], devices: [0, 16], vcpus: [1, 8], lrs: [1, 16] } as const;

/** The VM the dialog offers when one is asked for: KVM's 4 list registers, a virtual ITS. */
export const DEFAULT_VM: SandboxVm = { vcpus: 2, lrs: 4, its: true, assignDev0: false };

export const DEFAULT_SHAPE: SandboxShape = { profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true };

const clamp = (v: number, [lo, hi]: readonly [number, number]): number =>
  Math.max(lo, Math.min(hi, Math.floor(Number.isFinite(v) ? v : lo)));

/** The shape as the machine will have it: counts within the limits, no devices without an ITS. */
export function normalise(s: SandboxShape): SandboxShape {
  const its = clamp(s.its, LIMITS.its);
  const devices = its === 0 ? 0 : clamp(s.devices, LIMITS.devices);
  const profile = PROFILES.some((p) => p.id === s.profile) ? s.profile : 'spec';
  const gic = gicFor(profile, s.gic);
  return {
    profile,
    ...(gic !== 3 ? { gic } : {}),
    cpus: clamp(s.cpus, LIMITS.cpus),
    its,
    devices,
    bringUp: s.bringUp,
    ...(s.vm
      ? {
          vm: {
            vcpus: clamp(s.vm.vcpus, LIMITS.vcpus),
            lrs: clamp(s.vm.lrs, LIMITS.lrs),
            its: s.vm.its,
            assignDev0: s.vm.assignDev0 && devices > 0,
          },
        }
      : {}),
  };
}

/** Device i: dev<i> at bus 0, device i + 2, function 0 (dev0 is 00:02.0, Requester ID 0x10). */
export function device(i: number, its: number): { name: string; bdf: string; its: number } {
  return { name: `dev${i}`, bdf: `00:${(i + 2).toString(16).padStart(2, '0')}.0`, its: i % Math.max(1, its) };
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

const PROPBASER = 0x4013_0000;
const PENDING = (n: number): number => 0x4040_0000 + n * 0x1_0000;
function itsTables(i: number): { dt: number; ct: number; cq: number } {
  const base = i === 0 ? 0x4010_0000 : 0x4080_0000 + (i - 1) * 0x3_0000;
  return { dt: base, ct: base + 0x1_0000, cq: base + 0x2_0000 };
}
/**
 * A GICv4's ITS i also has a vPE table, and a device table of 8 x 64 KiB (every 16-bit DeviceID:
 * KVM's GICv4.0 doorbell proxy device is DeviceID 0xffff), placed apart from the GICv3 layout.
 */
const V4_DEVICE_TABLE = (i: number): number => 0x4100_0000 + i * 0x8_0000;
const VPE_TABLE = (i: number): number => 0x40c0_0000 + i * 0x1_0000;

/** The bring-up lines, as a driver writes them (lesson 2.2, step 1, for any number of PEs and ITSs). */
export function bringUpLines(shape: SandboxShape): string[] {
  const s = normalise(shape);
  const cpus = [...Array(s.cpus).keys()];
  const lines = ['# distributor and CPU interfaces', 'write GICD_CTLR 0x12'];
  for (const n of cpus)
    lines.push(
      `write rd${n} GICR_WAKER 0`,
      `cpu${n} write ICC_PMR_EL1 0xf0`,
      `cpu${n} write ICC_IGRPEN1_EL1 1`,
    );
  if (s.its === 0) return lines;
  lines.push(
    '# LPIs: one property table, one pending table per redistributor, EnableLPIs',
    "# the LPI property table: priority 0xA0, Group 1 bit, disabled (Linux's default byte 0xA2)",
    `mem fill ${hex(PROPBASER)} 0xe000 0xa2`,
  );
  for (const n of cpus)
    lines.push(
      `mem fill ${hex(PENDING(n))} 0x2000 0`,
      `write64 rd${n} GICR_PROPBASER ${hex(BigInt(PROPBASER) | 0x78fn)}`,
      `write64 rd${n} GICR_PENDBASER ${hex(BigInt(PENDING(n)) | 0x780n)}`,
      `write rd${n} GICR_CTLR |= 1`,
    );
  const v4 = (s.gic ?? 3) >= 4;
  for (let i = 0; i < s.its; i++) {
    const t = itsTables(i);
    const dt = v4 ? V4_DEVICE_TABLE(i) : t.dt;
    lines.push(
      v4
        ? `# ITS ${i}: device (8 x 64 KiB), collection and vPE tables, command queue, enable`
        : `# ITS ${i}: device and collection tables, command queue, enable`,
      `mem fill ${hex(dt)} ${v4 ? '512K' : '64K'} 0`,
      `mem fill ${hex(t.ct)} 64K 0`,
      `write64 its${i} GITS_BASER0 ${hex((v4 ? 0xb907_0000_0000_0607n : 0xb907_0000_0000_0600n) | BigInt(dt))}`,
      `write64 its${i} GITS_BASER1 ${hex(0xbc07_0000_0000_0600n | BigInt(t.ct))}`,
      ...(v4
        ? [
            `mem fill ${hex(VPE_TABLE(i))} 64K 0`,
            `write64 its${i} GITS_BASER2 ${hex(0xba0f_0000_0000_0600n | BigInt(VPE_TABLE(i)))}`,
          ]
        : []),
      `write64 its${i} GITS_CBASER ${hex(0xb800_0000_0000_040fn | BigInt(t.cq))}`,
      `write64 its${i} GITS_CWRITER 0`,
      `write its${i} GITS_CTLR 1`,
    );
  }
  return lines;
}

/** vITS 0's doorbell (its GITS_TRANSLATER) in the guest's address space: the `signal-msi` address. */
const GUEST_DOORBELL = 0x0809_0040;

/**
 * The guest's bring-up, as guest lines after the host's (empty without a VM): what its kernel's
 * GICv3 driver does (distributor, then each vCPU's CPU interface), then with a virtual ITS its
 * LPIs and ITS driver, like the host's at the same addresses in the guest's own RAM. Each vCPU
 * writes its own redistributor (a guest's GICR_* line without a unit is the issuing vCPU's).
 */
export function guestBringUpLines(shape: SandboxShape): string[] {
  const s = normalise(shape);
  if (!s.vm) return [];
  const vcpus = [...Array(s.vm.vcpus).keys()];
  const g = (n: number, line: string): string => `vm0 vcpu${n} ${line}`;
  const lines = [
    "# the guest (vm0): its distributor with ARE and Group 1, each vCPU's priority mask and Group 1",
    g(0, 'write GICD_CTLR 0x12'),
  ];
  for (const n of vcpus) lines.push(g(n, 'write ICC_PMR_EL1 0xf0'), g(n, 'write ICC_IGRPEN1_EL1 1'));
  if (!s.vm.its) return lines;
  lines.push(
    "# the guest's LPIs, in its own RAM: one property table (0xA2 bytes), a pending table per vCPU, EnableLPIs",
    g(0, `mem fill ${hex(PROPBASER)} 0xe000 0xa2`),
  );
  for (const n of vcpus)
    lines.push(
      g(n, `mem fill ${hex(PENDING(n))} 0x2000 0`),
      g(n, `write64 GICR_PROPBASER ${hex(BigInt(PROPBASER) | 0x78fn)}`),
      g(n, `write64 GICR_PENDBASER ${hex(BigInt(PENDING(n)) | 0x780n)}`),
      g(n, 'write GICR_CTLR 1'),
    );
  const t = itsTables(0);
  lines.push(
    "# the guest's virtual ITS: device and collection tables, command queue, enable",
    g(0, `mem fill ${hex(t.dt)} 64K 0`),
    g(0, `mem fill ${hex(t.ct)} 64K 0`),
    g(0, `write64 GITS_BASER0 ${hex(0xb907_0000_0000_0600n | BigInt(t.dt))}`),
    g(0, `write64 GITS_BASER1 ${hex(0xbc07_0000_0000_0600n | BigInt(t.ct))}`),
    g(0, `write64 GITS_CBASER ${hex(0xb800_0000_0000_040fn | BigInt(t.cq))}`),
    g(0, 'write64 GITS_CWRITER 0'),
    g(0, 'write GITS_CTLR 1'),
  );
  return lines;
}

/** The lines a guest's LPI takes once the guest is up: map an event, enable the LPI, signal it. */
export function guestLpiLines(): string[] {
  return [
    'vm0 vcpu0 lpi-config 8192 0xa3',
    'vm0 vcpu0 its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
    'vm0 vcpu0 its MAPC ICID=0 RDbase=0 V=1',
    'vm0 vcpu0 its MAPTI DeviceID=16 EventID=0 pINTID=8192 ICID=0',
    `vm0 signal-msi addr=${hex(GUEST_DOORBELL)} data=0 devid=16`,
  ];
}

/** The lines that raise SPI 32 in the guest once it is up: the guest enables it, the VMM raises it. */
export const GUEST_SPI_LINES = ['vm0 vcpu0 write GICD_ISENABLER1 1', 'vm0 irq-line spi 32 high'] as const;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The VM in a few words: "vm0 under KVM: 2 vCPUs with 4 list registers each, a virtual ITS, dev0 assigned". */
export function vmText(vm: SandboxVm): string {
  return [
    `vm0 under KVM: ${plural(vm.vcpus, 'vCPU')} with ${plural(vm.lrs, 'list register')} each`,
    vm.its ? 'a virtual ITS' : 'no virtual ITS',
    ...(vm.assignDev0 ? ['dev0 assigned'] : []),
  ].join(', ');
}

/** The sandbox's title: what the machine is. */
export function sandboxTitle(shape: SandboxShape): string {
  const s = normalise(shape);
  const vm = s.vm ? `, a VM with ${plural(s.vm.vcpus, 'vCPU')}` : '';
  return `Sandbox: ${plural(s.cpus, 'CPU')}, ${plural(s.its, 'ITS', 'ITSs')}, ${plural(s.devices, 'device')}${vm} (${s.profile})`;
}

const code = (lines: readonly string[]): string => lines.map((l) => `\`${l}\``).join(', ');

/** The narration's paragraphs on the guest: what it is, what its lines did, what to try next. */
function guestNarration(s: SandboxShape): string[] {
  const vm = s.vm;
  if (!vm) return [];
  const what =
    `**The guest.** vm0 is a KVM virtual machine with ${plural(vm.vcpus, 'vCPU')} (${plural(vm.lrs, 'list register')} each), whose vCPU threads the host's scheduler places on the host's CPUs; it has ${vm.its ? 'a virtual ITS' : 'no virtual ITS, so no LPIs'}. ` +
    "Its lines start with `vm0 vcpu<n>`: the guest's code on that vCPU, in the **guest's** address space (its GIC frames where QEMU's virt board puts them, GICD at 0x08000000, and its own 1 GiB of RAM at 0x40000000). Lines like `vm0 irq-line ...` and `vm0 signal-msi ...` are the VMM asking KVM." +
    (vm.assignDev0
      ? " **dev0 is assigned to vm0** (VFIO): its MSIs still go to the host's ITS as DeviceID 16, and reach the guest only through KVM: a host LPI for the vector, an eventfd, an irqfd on a route and `vm0 vfio dev0 ...` (lesson 3.6). " +
        (vm.its
          ? 'The guest knows it as DeviceID 16 on its virtual ITS.'
          : 'Without a virtual ITS, the route can only make them an SPI (an irqchip route).')
      : '');
  if (!s.bringUp)
    return [
      what,
      `The guest is as at reset too. Bring it up from the console: ${code(['vm0 vcpu0 write GICD_CTLR 0x12', 'vm0 vcpu0 write ICC_PMR_EL1 0xf0', 'vm0 vcpu0 write ICC_IGRPEN1_EL1 1'])}, then ${code(GUEST_SPI_LINES)} and \`expect vm0 vcpu0 delivered 32\`.`,
    ];
  const did =
    "The guest's kernel enabled its distributor with ARE and Group 1 (`GICD_CTLR` 0x12, an MMIO access KVM traps and emulates) and, on each vCPU, the priority mask and Group 1 (`ICC_PMR_EL1`, `ICC_IGRPEN1_EL1`: system registers, handled by the virtual CPU interface without an exit)" +
    (vm.its
      ? "; then, like the host's but in its own RAM at the same addresses, its LPIs (property table 0x40130000, a pending table per vCPU at 0x40400000 + n x 64 KiB, **EnableLPIs** on each vCPU's redistributor: KVM keeps one `GICR_PROPBASER` for the whole VM) and its virtual ITS (device table, collection table and command queue from 0x40100000, enabled). Nothing is mapped and no interrupt is enabled."
      : '. No interrupt is enabled.');
  const next =
    `**Try next:** ${code(GUEST_SPI_LINES)}: the guest enables SPI 32, the VMM raises it (KVM_IRQ_LINE), and vCPU 0 (where \`GICD_IROUTER32\` sends it at reset) takes it through a list register; \`expect vm0 vcpu0 delivered 32\` checks it.` +
    (vm.its
      ? ` An LPI through the guest's ITS: ${code(guestLpiLines())} (the guest maps DeviceID 16's event 0 to LPI 8192 on vCPU 0; the VMM sends the MSI with KVM_SIGNAL_MSI), then \`expect vm0 vcpu0 delivered 8192\`.`
      : '');
  return [what, did, next];
}

/** Scenario text for an empty machine of this shape (see the top of this file). */
export function emptyMachineScenario(shape: SandboxShape): string {
  const s = normalise(shape);
  const devices = [...Array(s.devices).keys()].map((i) => device(i, s.its));
  const deviceText = devices.length
    ? ` Its PCI devices: ${devices.map((d) => `**${d.name}** at ${d.bdf}${s.its > 1 ? ` (ITS ${d.its})` : ''}`).join(', ')}; a device's DeviceID is its Requester ID (bus << 8 | device << 3 | function), so dev0 is DeviceID 16.`
    : '';
  const host = !s.vm
    ? ''
    : s.bringUp
      ? "**The host** (the lines without `vm0`, in the host's address space). "
      : '**The host.** ';
  const guest = guestNarration(s);
  const step = s.bringUp
    ? {
        title: s.vm
          ? 'Bring-up: the host (distributor, CPU interfaces, LPIs, ITS), then the guest'
          : 'Bring-up: the distributor, the CPU interfaces, LPIs and the ITS',
        narration: [
          host +
            'The machine is brought up as in lesson 2.2: the distributor and every CPU interface are enabled for Group 1, every redistributor is woken and given the shared LPI property table (0x40130000, every byte 0xA2: priority 0xA0, disabled) and a pending table of its own (0x40400000 + n x 64 KiB), and sets **EnableLPIs**' +
            (s.its
              ? '; every ITS gets a device table, a collection table and a command queue, and is enabled. Nothing is mapped yet: map devices and collections from the console (0x40300000 is free for ITTs), and enable the LPIs you use with `lpi-config`.'
              : '. The machine has no ITS, so it has no LPIs.') +
            deviceText,
          ...guest,
        ].join('\n\n'),
        actions: [...bringUpLines(s), ...guestBringUpLines(s)],
        expect: [
          ...[...Array(s.its).keys()].map((i) => `expect reg its${i} GITS_CTLR & 1 == 1`),
          ...(s.vm
            ? [
                // Every access the guest made to its GIC frames was one KVM accepts.
                'expect events vgic.mmio ok=false == 0',
                ...(s.vm.its ? ['expect events vgic.mmio reg=GITS_CTLR value=0x1 ok=true == 1'] : []),
              ]
            : []),
        ],
      }
    : {
        title: 'An empty machine',
        narration: [
          `${host}Nothing is configured: the machine is as it comes out of reset. Bring it up from the console.${deviceText}`,
          ...guest,
        ].join('\n\n'),
        actions: [],
      };
  const scenario = {
    format: 'giclab-scenario/1',
    id: 'sandbox',
    title: sandboxTitle(s),
    summary: s.bringUp
      ? `A sandbox machine, brought up${s.vm ? ' with its guest' : ''} and waiting for your commands: type them in the console.`
      : 'A sandbox machine as it comes out of reset: type commands in the console.',
    machine: {
      profile: s.profile,
      ...(s.gic ? { gic: s.gic } : {}),
      cpus: s.cpus,
      its: Array.from({ length: s.its }, () => ({})),
      devices,
      ...(s.vm
        ? {
            vms: [
              {
                vcpus: s.vm.vcpus,
                lrs: s.vm.lrs,
                ...(s.vm.its ? {} : { its: false }),
                ...(s.vm.assignDev0 ? { assigned: [{ device: 'dev0' }] } : {}),
              },
            ],
          }
        : {}),
    },
    steps: [step],
  };
  return `${JSON.stringify(scenario, null, 2)}\n`;
}
