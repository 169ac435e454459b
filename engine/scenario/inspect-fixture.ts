/**
 * Machines for the inspector tests: kvm-unit-tests C27's bring-up (S1, S4, S5 condensed, with
 * GICR_WAKER cleared because the spec profile gates delivery on it) and its S7 mapping (DeviceID 2
 * EventID 20 -> LPI 8195 in collection 3 on PE 3; DeviceID 7 EventID 255 -> LPI 8196 in collection 2
 * on PE 2), run through the scenario runner like any scenario. Test support only.
 */

import type { InspectError } from '../gic/gic-inspect';
import { formatDiagnostic, loadScenario } from './loader';
import { ScenarioRun } from './runner';
import type { Machine } from '../platform/machine';

export type Profile = 'kvm' | 'qemu' | 'spec';
export const PROFILES: readonly Profile[] = ['kvm', 'qemu', 'spec'];

/** S1, S4, S5: ITS tables and queue, GIC defaults on four PEs, LPIs on, ITS on. */
export function bringUp(baser0 = '0xb907000040100600'): string[] {
  const a = [
    `write64 GITS_BASER0 ${baser0}`,
    'write64 GITS_BASER1 0xbc07000040110600',
    'write64 GITS_CBASER 0x800000004012000f',
    'write64 GITS_CWRITER 0',
    'write GICD_CTLR 0x13',
  ];
  for (let n = 1; n <= 8; n++) a.push(`write GICD_IGROUPR${n} 0xffffffff`);
  for (let c = 0; c < 4; c++)
    a.push(
      `write rd${c} GICR_WAKER 0`,
      `write rd${c} GICR_IGROUPR0 0xffffffff`,
      ...[0, 1, 2, 3].map((k) => `write rd${c} GICR_IPRIORITYR${k} 0xa0a0a0a0`),
      `write rd${c} GICR_ISENABLER0 0x0000ffff`,
      `cpu${c} write ICC_PMR_EL1 0xf0`,
      `cpu${c} write ICC_IGRPEN1_EL1 1`,
    );
  for (let c = 0; c < 4; c++) a.push(`write64 rd${c} GICR_PROPBASER 0x4013000d`);
  for (let c = 0; c < 4; c++)
    a.push(`write64 rd${c} GICR_PENDBASER 0x${(0x40200000 + c * 0x10000).toString(16)}`);
  for (let c = 0; c < 4; c++) a.push(`write rd${c} GICR_CTLR |= 1`);
  a.push('write GITS_CTLR 1');
  return a;
}

/** S7: the two devices' mappings. */
export const C27_MAP = [
  'lpi-config 8195 0xa3',
  'lpi-config 8196 0xa3',
  'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
  'its MAPD DeviceID=7 Size=7 ITT_addr=0x40301000 V=1',
  'its MAPC ICID=3 RDbase=3 V=1',
  'its MAPC ICID=2 RDbase=2 V=1',
  'its INVALL ICID=2',
  'its INVALL ICID=3',
  'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
  'its MAPTI DeviceID=7 EventID=255 pINTID=8196 ICID=2',
];

/** Runs the steps (each a list of actions) on a fresh 4-PE machine; every action must be accepted. */
export function machine(profile: Profile, steps: string[][]): Machine {
  const text = JSON.stringify({
    format: 'giclab-scenario/1',
    id: 'inspect',
    title: 'inspector test',
    machine: { profile, cpus: 4 },
    steps: steps.map((actions, i) => ({ title: `step ${i}`, actions, expect: [] })),
  });
  const r = loadScenario(text, 'inspect.json');
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const run = new ScenarioRun(r.scenario);
  const report = run.runAll();
  const refused = report.steps.flatMap((s) =>
    s.actions.filter((a) => !a.ok).map((a) => `${a.text}: ${a.message}`),
  );
  if (refused.length) throw new Error(`actions refused:\n${refused.join('\n')}`);
  return run.machine;
}

/** C27 set up and mapped, then `more` steps. */
export const c27 = (profile: Profile, ...more: string[][]): Machine =>
  machine(profile, [bringUp(), C27_MAP, ...more]);

/** Asserts the result is not an InspectError, and narrows it. */
export function ok<T extends { ok: true }>(r: T | InspectError): T {
  if (!r.ok) throw new Error(`inspector refused: ${r.error}`);
  return r;
}
