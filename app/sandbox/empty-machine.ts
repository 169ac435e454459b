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
 * Memory map of the bring-up (all in the default RAM at 0x4000_0000):
 *   0x4010_0000  ITS0 device table (64 KiB)      0x4011_0000  ITS0 collection table (64 KiB)
 *   0x4012_0000  ITS0 command queue (64 KiB)     0x4013_0000  LPI property table (56 KiB)
 *   0x4030_0000  free: a place for ITTs          0x4040_0000  rd<n>'s pending table at + n x 64 KiB
 *   0x4080_0000  ITS<i> (i >= 1): device table, collection table, queue at + (i - 1) x 192 KiB
 *
 * The ITSs sit where the engine puts them by default: ITS 0 where QEMU's virt board has its ITS
 * (0x0808_0000), the others after the last redistributor.
 */

import type { ProfileName } from '../../engine';

export interface SandboxShape {
  profile: ProfileName;
  cpus: number;
  its: number;
  devices: number;
  /** Bring up LPIs and the ITSs (lesson 2.2's first step), or leave the machine as at reset. */
  bringUp: boolean;
}

export const PROFILES: readonly { id: ProfileName; label: string }[] = [
  { id: 'kvm', label: "kvm: Linux KVM's emulated GICv3 and ITS" },
  { id: 'qemu', label: "qemu: QEMU's TCG GICv3 and ITS model" },
  { id: 'spec', label: 'spec: the Arm GIC architecture' },
];

/** What the dialog offers: [least, most]. */
export const LIMITS = { cpus: [1, 64], its: [0, 4], devices: [0, 16] } as const;

export const DEFAULT_SHAPE: SandboxShape = { profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true };

const clamp = (v: number, [lo, hi]: readonly [number, number]): number =>
  Math.max(lo, Math.min(hi, Math.floor(Number.isFinite(v) ? v : lo)));

/** The shape as the machine will have it: counts within the limits, no devices without an ITS. */
export function normalise(s: SandboxShape): SandboxShape {
  const its = clamp(s.its, LIMITS.its);
  return {
    profile: PROFILES.some((p) => p.id === s.profile) ? s.profile : 'spec',
    cpus: clamp(s.cpus, LIMITS.cpus),
    its,
    devices: its === 0 ? 0 : clamp(s.devices, LIMITS.devices),
    bringUp: s.bringUp,
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
  for (let i = 0; i < s.its; i++) {
    const t = itsTables(i);
    lines.push(
      `# ITS ${i}: device and collection tables, command queue, enable`,
      `mem fill ${hex(t.dt)} 64K 0`,
      `mem fill ${hex(t.ct)} 64K 0`,
      `write64 its${i} GITS_BASER0 ${hex(0xb907_0000_0000_0600n | BigInt(t.dt))}`,
      `write64 its${i} GITS_BASER1 ${hex(0xbc07_0000_0000_0600n | BigInt(t.ct))}`,
      `write64 its${i} GITS_CBASER ${hex(0xb800_0000_0000_040fn | BigInt(t.cq))}`,
      `write64 its${i} GITS_CWRITER 0`,
      `write its${i} GITS_CTLR 1`,
    );
  }
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The sandbox's title: what the machine is. */
export function sandboxTitle(shape: SandboxShape): string {
  const s = normalise(shape);
  return `Sandbox: ${plural(s.cpus, 'CPU')}, ${plural(s.its, 'ITS', 'ITSs')}, ${plural(s.devices, 'device')} (${s.profile})`;
}

/** Scenario text for an empty machine of this shape (see the top of this file). */
export function emptyMachineScenario(shape: SandboxShape): string {
  const s = normalise(shape);
  const devices = [...Array(s.devices).keys()].map((i) => device(i, s.its));
  const deviceText = devices.length
    ? ` Its PCI devices: ${devices.map((d) => `**${d.name}** at ${d.bdf}${s.its > 1 ? ` (ITS ${d.its})` : ''}`).join(', ')}; a device's DeviceID is its Requester ID (bus << 8 | device << 3 | function), so dev0 is DeviceID 16.`
    : '';
  const step = s.bringUp
    ? {
        title: 'Bring-up: the distributor, the CPU interfaces, LPIs and the ITS',
        narration:
          'The machine is brought up as in lesson 2.2: the distributor and every CPU interface are enabled for Group 1, every redistributor is woken and given the shared LPI property table (0x40130000, every byte 0xA2: priority 0xA0, disabled) and a pending table of its own (0x40400000 + n x 64 KiB), and sets **EnableLPIs**' +
          (s.its
            ? '; every ITS gets a device table, a collection table and a command queue, and is enabled. Nothing is mapped yet: map devices and collections from the console (0x40300000 is free for ITTs), and enable the LPIs you use with `lpi-config`.'
            : '. The machine has no ITS, so it has no LPIs.') +
          deviceText,
        actions: bringUpLines(s),
        expect: [...Array(s.its).keys()].map((i) => `expect reg its${i} GITS_CTLR & 1 == 1`),
      }
    : {
        title: 'An empty machine',
        narration: `Nothing is configured: the machine is as it comes out of reset. Bring it up from the console.${deviceText}`,
        actions: [],
      };
  const scenario = {
    format: 'giclab-scenario/1',
    id: 'sandbox',
    title: sandboxTitle(s),
    summary: s.bringUp
      ? 'A sandbox machine, brought up and waiting for your commands: type them in the console.'
      : 'A sandbox machine as it comes out of reset: type commands in the console.',
    machine: {
      profile: s.profile,
      cpus: s.cpus,
      its: Array.from({ length: s.its }, () => ({})),
      devices,
    },
    steps: [step],
  };
  return `${JSON.stringify(scenario, null, 2)}\n`;
}
