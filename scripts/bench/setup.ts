/**
 * Machines for the benchmarks: a GICv3 with N CPUs and one ITS, brought up the way a driver
 * does it (tables, queue, LPIs, one collection per CPU), with D devices of E events each mapped
 * round-robin onto the CPUs' collections. Bring-up goes through the command language, like any
 * scenario, so the benches measure the same engine the scenarios run.
 */

import type { ProfileName } from '../../engine/gic/gic-rules';
import { Machine } from '../../engine/platform/machine';
import { resolveMachine, type MachineOptions } from '../../engine/platform/machine-config';
import { parseLine } from '../../engine/scenario/command-parser';
import { executeAction } from '../../engine/scenario/execute';
import { deviceIdOf } from '../../engine/platform/pci';

export const LAYOUT = {
  deviceTable: 0x4010_0000,
  collectionTable: 0x4011_0000,
  commandQueue: 0x4012_0000,
  propTable: 0x4013_0000,
  pendTable: (cpu: number): number => 0x4020_0000 + cpu * 0x1_0000,
  itt: (dev: number): number => 0x4100_0000 + dev * 0x1000,
  /** GICv4: the ITS's vPE table (GITS_BASER2). */
  vpeTable: 0x4014_0000,
};

const hex = (v: number | bigint): string => '0x' + v.toString(16);

export function run(m: Machine, lines: string[]): void {
  for (const text of lines) {
    const r = parseLine(text);
    if (!r) continue;
    if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
    const x = executeAction(m, r.action);
    if (!x.ok) throw new Error(`${text}: ${x.error}`);
    m.run({ maxEvents: 1_000_000 });
  }
}

export interface Rig {
  machine: Machine;
  cpus: number;
  devices: number;
  events: number;
}

/** Brings up the GIC, the ITS and LPIs; maps `devices` x `events` MSIs (DeviceID d+1, LPI 8192 + n). */
export function buildRig(
  profile: ProfileName,
  cpus: number,
  devices: number,
  events: number,
  extra: MachineOptions = {},
  snapshotInterval?: number,
): Rig {
  const r = resolveMachine({
    profile,
    cpus,
    spis: 256,
    devices: Array.from({ length: devices }, (_, d) => ({ name: `dev${d}`, rid: d + 1 })),
    its: [{ cacheEntries: 64 }],
    ...extra,
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine, snapshotInterval);
  const v = 1n << 63n;
  const baser0 = m.s.its[0]!.baser[0]!;
  const baser1 = m.s.its[0]!.baser[1]!;
  const baser2 = m.s.its[0]!.baser[2]!;
  const lines = [
    `write64 GITS_BASER0 ${hex(baser0 | BigInt(LAYOUT.deviceTable) | v)}`,
    `write64 GITS_BASER1 ${hex(baser1 | BigInt(LAYOUT.collectionTable) | v)}`,
    // A GICv4's ITS has a vPE table too (GITS_BASER2, type vPE), which KVM's vgic-v4 needs.
    ...(((baser2 >> 56n) & 7n) === 2n
      ? [`write64 GITS_BASER2 ${hex(baser2 | BigInt(LAYOUT.vpeTable) | v)}`]
      : []),
    `write64 GITS_CBASER ${hex(BigInt(LAYOUT.commandQueue) | 0xfn | v)}`,
    'write GICD_CTLR 0x13',
    ...Array.from({ length: cpus }, (_, c) => [
      `write rd${c} GICR_WAKER 0`,
      `write64 rd${c} GICR_PROPBASER ${hex(LAYOUT.propTable | 15)}`,
      `write64 rd${c} GICR_PENDBASER ${hex(LAYOUT.pendTable(c))}`,
      `write rd${c} GICR_CTLR 1`,
      `cpu${c} write ICC_PMR_EL1 0xf0`,
      `cpu${c} write ICC_IGRPEN1_EL1 1`,
    ]).flat(),
    'write GITS_CTLR 1',
    `mem fill ${hex(LAYOUT.propTable)} ${devices * events} 0xa3`,
    ...Array.from({ length: cpus }, (_, c) => `its MAPC ICID=${c} RDbase=${c} V=1`),
  ];
  run(m, lines);
  const bits = Math.max(1, Math.ceil(Math.log2(events)));
  for (let d = 0; d < devices; d++) {
    const cmds = [`its MAPD DeviceID=${d + 1} Size=${bits - 1} ITT_addr=${hex(LAYOUT.itt(d))} V=1`];
    for (let e = 0; e < events; e++)
      cmds.push(
        `its MAPTI DeviceID=${d + 1} EventID=${e} pINTID=${8192 + d * events + e} ICID=${(d * events + e) % cpus}`,
      );
    run(m, cmds);
  }
  return { machine: m, cpus, devices, events };
}

/** Device `device` of the machine writes EventID 0; the machine runs until it settles. */
export function fireMsi(m: Machine, device: number): void {
  const d = m.s.machine.devices[device]!;
  m.input({ kind: 'msi', device: d.name, rid: d.rid, devid: deviceIdOf(d), its: 0, eventid: 0 });
  m.run({ maxEvents: 10_000 });
}

/** MSIs per second of wall clock through whatever path `device` takes (after 2,000 to warm up). */
export function msiRate(m: Machine, device: number, n: number): { perSecond: number; eventsPerMsi: number } {
  for (let i = 0; i < 2_000; i++) fireMsi(m, device);
  const seq0 = m.seq;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fireMsi(m, device);
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: n / seconds, eventsPerMsi: (m.seq - seq0) / n };
}

/**
 * Model time from one MSI of `device` to VM `vm`'s acknowledge of LPI 8192, and that VM's exits on
 * the way (the modelled latency, not the wall clock).
 */
export function msiLatency(m: Machine, device: number, vm = 0): { ns: number; exits: number } {
  const from = m.seq;
  fireMsi(m, device);
  let t0 = -1;
  let exits = 0;
  for (let s = from; s < m.seq; s++) {
    const e = m.log.get(s)!;
    const onVm = (e.data as { vm?: number } | undefined)?.vm === vm;
    if (e.kind === 'pci.msi' && t0 < 0) t0 = e.time;
    if (e.kind === 'vcpu.exit' && onVm) exits++;
    if (e.kind === 'icv.ack' && e.intid === 8192 && onVm) return { ns: e.time - t0, exits };
  }
  throw new Error(`the MSI never reached vm${vm}`);
}
