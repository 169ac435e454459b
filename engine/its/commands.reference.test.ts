/**
 * Reference tests for the GICv3 ITS commands, profile by profile.
 *
 * Every expectation here comes from the project's reference, ../shared/domain/gic-its-kvm-reference.md
 * (§3.3 command semantics, §5.1 error codes, §5.2 command queue, §8.1 QEMU differences), not from the
 * engine's own rule tables: the point is to check the model against something its authors did not
 * write. Each test cites the section it comes from. Where the reference marks a fact [spec] or
 * version-dependent, the comment says so and the most defensible expectation is asserted.
 *
 * The machine is driven only through the command language (docs/command-language.md): a scenario
 * is built in the test, with the bring-up of public/scenarios/conformance/kut-c27-its-int-dev2.json
 * (4 PEs, ITS tables, command queue, LPIs enabled) as its first step, and run by ScenarioRun. The
 * checks use the scenario's own expectation lines plus the 'its.cmd' events the queue records.
 */

import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../scenario/loader';
import { ScenarioRun, type RunReport } from '../scenario/runner';
import type { CommandEventData } from './command-queue';
import { E_ITS } from './errors';

// ---------------------------------------------------------------- harness

type Profile = 'kvm' | 'qemu' | 'spec';
const PROFILES: readonly Profile[] = ['kvm', 'qemu', 'spec'];

interface Step {
  actions?: string[];
  expect?: string[];
}

interface Options {
  /** Run the kut-c27 bring-up as step 0 (default true). */
  bringUp?: boolean;
  /** Redistributors whose GICR_CTLR.EnableLPIs the bring-up sets (default all). */
  lpisOn?: readonly number[];
  /** Extra machine fields (cpus, software, its...). */
  machine?: Record<string, unknown>;
}

const CPUS = 4;

/** The actions of kut-c27 S1, S4 and S5, condensed: ITS tables and queue, GIC defaults, LPIs on, ITS on. */
function bringUp(lpisOn: readonly number[] = [0, 1, 2, 3]): string[] {
  const a = [
    'write64 GITS_BASER0 0xb907000040100600', // device table, 64 KiB at 0x40100000
    'write64 GITS_BASER1 0xbc07000040110600', // collection table, 64 KiB at 0x40110000
    'write64 GITS_CBASER 0x800000004012000f', // 64 KiB queue at 0x40120000
    'write64 GITS_CWRITER 0',
    'write GICD_CTLR 0x13',
  ];
  for (let n = 1; n <= 8; n++) a.push(`write GICD_IGROUPR${n} 0xffffffff`);
  for (let c = 0; c < CPUS; c++)
    a.push(
      `write rd${c} GICR_WAKER 0`, // wake the redistributor (ProcessorSleep = 0), as Linux does
      `write rd${c} GICR_IGROUPR0 0xffffffff`,
      ...[0, 1, 2, 3].map((k) => `write rd${c} GICR_IPRIORITYR${k} 0xa0a0a0a0`),
      `write rd${c} GICR_ISENABLER0 0x0000ffff`,
      `cpu${c} write ICC_PMR_EL1 0xf0`,
      `cpu${c} write ICC_IGRPEN1_EL1 1`,
    );
  for (let c = 0; c < CPUS; c++) a.push(`write64 rd${c} GICR_PROPBASER 0x4013000d`); // IDbits 13
  for (let c = 0; c < CPUS; c++)
    a.push(`write64 rd${c} GICR_PENDBASER 0x${(0x40200000 + c * 0x10000).toString(16)}`);
  for (const c of lpisOn) a.push(`write rd${c} GICR_CTLR |= 1`);
  a.push('write GITS_CTLR 1');
  return a;
}

/** kut-c27 S7 for one event: DeviceID 2 (8 EventID bits) EventID 20 -> LPI 8195 in collection 3 on PE 3. */
const MAP_2_20 = [
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=3 RDbase=3 V=1',
  'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
];
/** A second device and collection: DeviceID 7 EventID 255 -> LPI 8196 in collection 2 on PE 2. */
const MAP_7_255 = [
  'lpi-config 8196 0xa3',
  'its MAPD DeviceID=7 Size=7 ITT_addr=0x40301000 V=1',
  'its MAPC ICID=2 RDbase=2 V=1',
  'its MAPTI DeviceID=7 EventID=255 pINTID=8196 ICID=2',
];

/** Where the device table entry of `devid` and the KVM-format ITE of (DeviceID 2, `eventid`) live. */
const DTE_ADDR = (devid: number): string => `0x${(0x40100000 + devid * 8).toString(16)}`;
const ITE2_ADDR = (eventid: number): string => `0x${(0x40300000 + eventid * 8).toString(16)}`;

function scenario(profile: Profile, steps: Step[], o: Options = {}): ScenarioRun {
  const all: Step[] = [...(o.bringUp === false ? [] : [{ actions: bringUp(o.lpisOn) }]), ...steps];
  const text = JSON.stringify({
    format: 'giclab-scenario/1',
    id: 'reference',
    title: 'reference test',
    machine: { profile, cpus: CPUS, ...o.machine },
    steps: all.map((s, i) => ({ title: `step ${i}`, actions: s.actions ?? [], expect: s.expect ?? [] })),
  });
  const r = loadScenario(text, 'reference.json');
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return new ScenarioRun(r.scenario);
}

/** Runs every step; returns the run and the failed actions and expectations, as sentences. */
function runAll(profile: Profile, steps: Step[], o: Options = {}): { run: ScenarioRun; failed: string[] } {
  const run = scenario(profile, steps, o);
  const report: RunReport = run.runAll();
  const failed: string[] = [];
  const first = o.bringUp === false ? 0 : 1;
  for (const s of report.steps) {
    const name = s.index < first ? 'bring-up' : `step ${s.index - first}`;
    for (const a of s.actions) if (!a.ok) failed.push(`${name}: action '${a.text}' refused: ${a.message}`);
    for (const e of s.expectations) if (!e.ok) failed.push(`${name}: '${e.text}': ${e.message}`);
    for (const w of s.warnings) failed.push(`${name}: warning: ${w}`);
  }
  return { run, failed };
}

/** The commands the ITS consumed during test step `step` (0 = the first step after the bring-up). */
function commands(run: ScenarioRun, step: number, o: Options = {}): CommandEventData[] {
  const r = run.results[step + (o.bringUp === false ? 0 : 1)]!;
  const out: CommandEventData[] = [];
  for (let s = r.from; s < r.to; s++)
    if (run.machine.log.kindAt(s) === 'its.cmd') out.push(run.machine.log.get(s)!.data as CommandEventData);
  return out;
}

/** A command's result in a comparable shape: command name, outcome, and the E_ITS name and code if any. */
const result = (d: CommandEventData | undefined) =>
  d && {
    command: d.command,
    outcome: d.outcome,
    error: d.error?.name,
    code: d.error?.code,
  };

/** The value of the last register read named `reg` during test step `step`. */
function lastRead(run: ScenarioRun, step: number, reg: string, o: Options = {}): bigint | undefined {
  const r = run.results[step + (o.bringUp === false ? 0 : 1)]!;
  let v: bigint | undefined;
  for (let s = r.from; s < r.to; s++) {
    if (run.machine.log.kindAt(s) !== 'mmio.read') continue;
    const d = run.machine.log.get(s)!.data as { reg?: string; value?: string };
    if (d.reg === reg && d.value !== undefined) v = BigInt(d.value);
  }
  return v;
}

// ---------------------------------------------------------------- tests

describe('harness sanity', () => {
  it.each(PROFILES)('%s: the kut-c27 bring-up and INT (2, 20) deliver LPI 8195 to PE 3 exactly once', (p) => {
    const { failed } = runAll(p, [
      { actions: MAP_2_20, expect: ['expect ite 2 20 intid=8195 icid=3', 'expect cte 3 valid=1 target=3'] },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('§5.1 E_ITS_* error codes', () => {
  it('have the names and values of the reference table', () => {
    // §5.1: the values share the shape 0x01_CC_EE; CLEAR (opcode 0x04) uses CC = 0x05.
    expect({ ...E_ITS }).toEqual({
      E_ITS_MOVI_UNMAPPED_INTERRUPT: 0x010107,
      E_ITS_MOVI_UNMAPPED_COLLECTION: 0x010109,
      E_ITS_INT_UNMAPPED_INTERRUPT: 0x010307,
      E_ITS_CLEAR_UNMAPPED_INTERRUPT: 0x010507,
      E_ITS_MAPD_DEVICE_OOR: 0x010801,
      E_ITS_MAPD_ITTSIZE_OOR: 0x010802,
      E_ITS_MAPC_PROCNUM_OOR: 0x010902,
      E_ITS_MAPC_COLLECTION_OOR: 0x010903,
      E_ITS_MAPTI_UNMAPPED_DEVICE: 0x010a04,
      E_ITS_MAPTI_ID_OOR: 0x010a05,
      E_ITS_MAPTI_PHYSICALID_OOR: 0x010a06,
      E_ITS_INV_UNMAPPED_INTERRUPT: 0x010c07,
      E_ITS_INVALL_UNMAPPED_COLLECTION: 0x010d09,
      E_ITS_MOVALL_PROCNUM_OOR: 0x010e01,
      E_ITS_DISCARD_UNMAPPED_INTERRUPT: 0x010f07,
    });
  });

  it('kvm: a failed command records its E_ITS name and code, is dropped, and CREADR moves past it', () => {
    // §5.1 (codes computed, never visible to the guest), §5.2 (CREADR += 32 for every command).
    const { run, failed } = runAll('kvm', [
      {
        actions: ['its MAPTI DeviceID=9 EventID=0 pINTID=8195 ICID=3', 'read64 GITS_CREADR'],
        expect: ['expect reg GITS_CREADR == 0x20'],
      },
    ]);
    expect(failed).toEqual([]);
    const [c] = commands(run, 0);
    expect(result(c)).toEqual({
      command: 'MAPTI',
      outcome: 'error',
      error: 'E_ITS_MAPTI_UNMAPPED_DEVICE',
      code: 0x010a04,
    });
    expect(c!.action).toBe('dropped');
  });
});

describe('MAPD (§3.3)', () => {
  it.each(PROFILES)(
    '%s: Size = 7 means 8 EventID bits: EventID 255 maps and fires, EventID 256 does not map',
    (p) => {
      // §3.2/§3.3: Size = EventID bits - 1, the ITT has 2^(Size+1) entries.
      const { run, failed } = runAll(p, [
        {
          actions: [
            'lpi-config 8195 0xa3',
            'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
            'its MAPC ICID=3 RDbase=3 V=1',
            'its MAPTI DeviceID=2 EventID=255 pINTID=8195 ICID=3',
            'its INT DeviceID=2 EventID=255',
          ],
          expect: [
            'expect dte 2 valid=1 size=7 itt=0x40300000',
            'expect ite 2 255 intid=8195 icid=3',
            'expect deliveries cpu3:8195',
          ],
        },
        {
          actions: ['its MAPTI DeviceID=2 EventID=256 pINTID=8196 ICID=3'],
          expect: ['expect ite 2 256 absent'],
        },
      ]);
      expect(failed).toEqual([]);
      if (p === 'kvm')
        expect(result(commands(run, 1)[0])).toEqual({
          command: 'MAPTI',
          outcome: 'error',
          error: 'E_ITS_MAPTI_ID_OOR',
          code: 0x010a05,
        });
    },
  );

  it('kvm: V = 1 with Size + 1 > 16 is E_ITS_MAPD_ITTSIZE_OOR; Size = 15 is accepted', () => {
    // §3.3 MAPD (KVM): "If V and Size + 1 > 16 -> E_ITS_MAPD_ITTSIZE_OOR".
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPD DeviceID=4 Size=16 ITT_addr=0x40300000 V=1',
          'its MAPD DeviceID=5 Size=15 ITT_addr=0x40400000 V=1',
        ],
        expect: ['expect dte 4 absent', 'expect dte 5 valid=1 size=15 itt=0x40400000'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map(result)).toEqual([
      { command: 'MAPD', outcome: 'error', error: 'E_ITS_MAPD_ITTSIZE_OOR', code: 0x010802 },
      { command: 'MAPD', outcome: 'ok', error: undefined, code: undefined },
    ]);
  });

  it('qemu: Size above GITS_TYPER.ID_bits (15) is skipped and the queue moves on', () => {
    // §3.3 MAPD (QEMU): "Size must be <= GITS_TYPER.ID_bits (15). Otherwise the command is skipped."
    const { run, failed } = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=4 Size=16 ITT_addr=0x40300000 V=1',
          'its MAPD DeviceID=5 Size=15 ITT_addr=0x40400000 V=1',
        ],
        expect: [
          'expect dte 4 absent',
          'expect dte 5 valid=1 size=15 itt=0x40400000',
          'expect reg GITS_CREADR == 0x40',
        ],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => [c.outcome, c.action])).toEqual([
      ['error', 'skipped'],
      ['ok', undefined],
    ]);
  });

  it('kvm: a DeviceID beyond the flat device table (64 KiB / 8 bytes = 8192 entries) is E_ITS_MAPD_DEVICE_OOR', () => {
    // §3.3 MAPD (KVM) check_id; §4.3: a flat table holds (Size + 1) x 64 KiB / entry_size entries.
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPD DeviceID=8192 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPD DeviceID=8191 Size=7 ITT_addr=0x40300000 V=1',
        ],
        expect: ['expect dte 8191 valid=1 size=7'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.error?.name ?? 'ok')).toEqual(['E_ITS_MAPD_DEVICE_OOR', 'ok']);
  });

  it('qemu: a DeviceID at or beyond the device table entry count is skipped', () => {
    // §3.3 MAPD (QEMU): "DeviceID must be below the device table's entry count".
    const { run, failed } = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=8192 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPD DeviceID=8191 Size=7 ITT_addr=0x40300000 V=1',
        ],
        expect: ['expect dte 8191 valid=1 size=7'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.outcome)).toEqual(['error', 'ok']);
  });

  it('kvm: V = 0 zeroes the DTE in guest memory and frees the device and its events', () => {
    // §3.3 MAPD (KVM): an existing device is freed completely; "V = 0 then writes 8 zero bytes to the
    // device-table entry in guest memory". §8.1: guest tables are written only by MAPD V=0, DISCARD, save.
    const { run, failed } = runAll('kvm', [
      { actions: [...MAP_2_20, `mem write64 ${DTE_ADDR(2)} 0x8000000000abcdef`] },
      {
        actions: ['its MAPD DeviceID=2 V=0'],
        expect: [`expect mem64 ${DTE_ADDR(2)} == 0`, 'expect dte 2 absent', 'expect ite 2 20 absent'],
      },
      {
        actions: ['its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries none', 'expect not-pending rd3 8195'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 1)[0])?.outcome).toBe('ok');
    expect(result(commands(run, 2)[0])?.error).toBe('E_ITS_INT_UNMAPPED_INTERRUPT');
  });

  it('kvm: unmapping a device that was never mapped is not an error (and still zeroes its DTE slot)', () => {
    // §3.3 MAPD (KVM): "Unmapping an unknown device is not an error."
    const { run, failed } = runAll('kvm', [
      {
        actions: [`mem write64 ${DTE_ADDR(6)} 0x1234`, 'its MAPD DeviceID=6 V=0'],
        expect: [`expect mem64 ${DTE_ADDR(6)} == 0`],
      },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 0)[0])).toEqual({
      command: 'MAPD',
      outcome: 'ok',
      error: undefined,
      code: undefined,
    });
  });

  it('kvm: MAPD of a live device frees all its events; the new ITT starts empty', () => {
    // §3.3 MAPD (KVM): "If the device already exists, it is freed completely: every ITE is freed".
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1'],
        expect: ['expect dte 2 valid=1 size=7', 'expect ite 2 20 absent'],
      },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 2)[0])?.error).toBe('E_ITS_INT_UNMAPPED_INTERRUPT');
  });

  it('kvm: the ITT address is not validated by MAPD (MAPTI then finds the ITE not visible: E_ITS_MAPTI_ID_OOR)', () => {
    // §3.3 MAPD (KVM): "The ITT address is not validated at this point"; MAPTI check 2: "the ITE's guest
    // address is not visible -> E_ITS_MAPTI_ID_OOR". 0x100000 is not RAM on this machine.
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPC ICID=3 RDbase=3 V=1',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x100000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
        ],
        expect: ['expect dte 2 valid=1 size=7 itt=0x100000', 'expect ite 2 20 absent'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.error?.name ?? 'ok')).toEqual(['ok', 'ok', 'E_ITS_MAPTI_ID_OOR']);
  });

  it('qemu: remapping a device rewrites only the DTE: the old ITT (and its ITEs) is untouched', () => {
    // §3.3 MAPD (QEMU): "Old ITEs are not touched"; §8.1 "MAPD remap or unmap: only the DTE is rewritten".
    const { failed } = runAll('qemu', [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1'],
        expect: ['expect ite 2 20 intid=8195 icid=3'],
      },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: V = 0 writes a zero DTE', () => {
    // §3.3 MAPD (QEMU): "It writes the DTE (Valid, Size, ITT_addr >> 8) or a zero DTE."
    const { failed } = runAll('qemu', [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPD DeviceID=2 V=0'],
        expect: [`expect mem64 ${DTE_ADDR(2)} == 0`, 'expect dte 2 absent'],
      },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('MAPC (§3.3)', () => {
  it('kvm: V = 1 with an RDbase that names no vCPU is E_ITS_MAPC_PROCNUM_OOR', () => {
    // §3.3 MAPC (KVM): "the vCPU is looked up by id = DW2[47:16]; none -> E_ITS_MAPC_PROCNUM_OOR".
    // 0x10001 also fails: KVM reads 32 bits of RDbase, no 16-bit mask.
    const { run, failed } = runAll('kvm', [
      {
        actions: ['its MAPC ICID=3 RDbase=4 V=1', 'its MAPC ICID=4 RDbase=0x10001 V=1'],
        expect: ['expect cte 3 absent', 'expect cte 4 absent'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map(result)).toEqual([
      { command: 'MAPC', outcome: 'error', error: 'E_ITS_MAPC_PROCNUM_OOR', code: 0x010902 },
      { command: 'MAPC', outcome: 'error', error: 'E_ITS_MAPC_PROCNUM_OOR', code: 0x010902 },
    ]);
  });

  it('kvm: a new ICID beyond the flat collection table is E_ITS_MAPC_COLLECTION_OOR', () => {
    // §3.3 MAPC (KVM): "For an unknown ICID: check_id against the collection BASER fails ->
    // E_ITS_MAPC_COLLECTION_OOR"; 64 KiB of 8-byte entries hold ICIDs 0..8191.
    const { run, failed } = runAll('kvm', [
      {
        actions: ['its MAPC ICID=8192 RDbase=1 V=1', 'its MAPC ICID=8191 RDbase=1 V=1'],
        expect: ['expect cte 8191 valid=1 target=1'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.error?.name ?? 'ok')).toEqual(['E_ITS_MAPC_COLLECTION_OOR', 'ok']);
  });

  it('kvm: V = 0 of a collection that does not exist always succeeds', () => {
    // §3.3 MAPC (KVM): "V = 0: ... No range check; always succeeds."
    const { run, failed } = runAll('kvm', [{ actions: ['its MAPC ICID=60000 V=0'] }]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.outcome)).toEqual(['ok']);
  });

  it.each(PROFILES)('%s: remapping a collection retargets its events: INT then reaches the new PE', (p) => {
    // §3.3 MAPC: KVM "the target is updated and every LPI in the collection is retargeted"; QEMU writes
    // the CTE, which INT reads.
    const { failed } = runAll(p, [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPC ICID=3 RDbase=1 V=1', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect cte 3 valid=1 target=1', 'expect deliveries cpu1:8195'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: MAPC V = 0 detaches the events for good: a later MAPC of the same ICID does not bring them back', () => {
    // §3.3 MAPC (KVM): "V = 0: the collection is freed (every ITE pointing at it gets collection = NULL)".
    // INT: "ITE missing, or its collection unmapped -> E_ITS_INT_UNMAPPED_INTERRUPT".
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPC ICID=3 V=0', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries none'],
      },
      {
        actions: ['its MAPC ICID=3 RDbase=2 V=1', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries none'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map((c) => c.error?.name ?? 'ok')).toEqual([
      'ok',
      'E_ITS_INT_UNMAPPED_INTERRUPT',
    ]);
    expect(commands(run, 2).map((c) => c.error?.name ?? 'ok')).toEqual([
      'ok',
      'E_ITS_INT_UNMAPPED_INTERRUPT',
    ]);
  });

  it('qemu: the ITE keeps its ICID: after MAPC V = 0 and a new MAPC, INT reaches the new target', () => {
    // §3.3 MAPC (QEMU) writes the CTE; INT "looks up the ITE, then the CTE" (the ITE holds the ICID).
    const { failed } = runAll('qemu', [
      { actions: MAP_2_20 },
      {
        actions: ['its MAPC ICID=3 V=0', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries none', 'expect cte 3 absent'],
      },
      {
        actions: ['its MAPC ICID=3 RDbase=2 V=1', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries cpu2:8195'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: RDbase must be below the number of CPUs (else skipped); it is masked to 16 bits', () => {
    // §3.3 MAPC (QEMU): "With V, RDbase must be below num_cpu (RDbase is masked to 16 bits)."
    const { failed } = runAll('qemu', [
      {
        actions: ['its MAPC ICID=3 RDbase=4 V=1', 'its MAPC ICID=4 RDbase=0x10001 V=1'],
        expect: ['expect cte 3 absent', 'expect cte 4 valid=1 target=1'],
      },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('MAPTI / MAPI (§3.3)', () => {
  const OVER = [
    'lpi-config 8196 0xa3',
    'its MAPC ICID=2 RDbase=2 V=1',
    'its MAPTI DeviceID=2 EventID=20 pINTID=8196 ICID=2',
  ];

  it('kvm: MAPTI over an existing ITE returns success and changes nothing', () => {
    // §3.3 MAPTI (KVM) step 4: "An ITE already exists for (DeviceID, EventID) -> return 0 and change nothing."
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      { actions: OVER, expect: ['expect ite 2 20 intid=8195 icid=3'] },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map((c) => c.outcome)).toEqual(['ok', 'ok']);
  });

  it('qemu: MAPTI over an existing ITE overwrites it', () => {
    // §3.3 MAPTI (QEMU): "Then the ITE is overwritten"; §8.1 "MAPTI on a mapped event: the ITE is overwritten".
    const { failed } = runAll('qemu', [
      { actions: MAP_2_20 },
      { actions: OVER, expect: ['expect ite 2 20 intid=8196 icid=2'] },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu2:8196'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: the checks and their codes, in the reference order', () => {
    // §3.3 MAPTI (KVM), checked in this order: 1 device mapped, 2 EventID/ITE address, 3 pINTID range
    // (< 8192 or >= 2^min(PROPBASER.IDbits + 1, 16); IDbits = 13 here, so 16384 is out), 4 existing ITE,
    // 5 collection check_id.
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      {
        actions: [
          'its MAPTI DeviceID=9 EventID=300 pINTID=5 ICID=9000', // 1
          'its MAPTI DeviceID=2 EventID=256 pINTID=5 ICID=3', // 2 before 3
          'its MAPTI DeviceID=2 EventID=21 pINTID=8191 ICID=3', // 3
          'its MAPTI DeviceID=2 EventID=21 pINTID=16384 ICID=3', // 3: IDbits + 1 = 14 bits
          'its MAPTI DeviceID=2 EventID=20 pINTID=5 ICID=3', // 3 before 4
          'its MAPTI DeviceID=2 EventID=20 pINTID=8200 ICID=9000', // 4 before 5: success, no change
          'its MAPTI DeviceID=2 EventID=22 pINTID=8200 ICID=9000', // 5
          'its MAPTI DeviceID=2 EventID=23 pINTID=16383 ICID=3', // the last valid LPI
        ],
        expect: [
          'expect ite 2 20 intid=8195 icid=3',
          'expect ite 2 21 absent',
          'expect ite 2 22 absent',
          'expect ite 2 23 intid=16383 icid=3',
        ],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map((c) => c.error?.name ?? 'ok')).toEqual([
      'E_ITS_MAPTI_UNMAPPED_DEVICE',
      'E_ITS_MAPTI_ID_OOR',
      'E_ITS_MAPTI_PHYSICALID_OOR',
      'E_ITS_MAPTI_PHYSICALID_OOR',
      'E_ITS_MAPTI_PHYSICALID_OOR',
      'ok',
      'E_ITS_MAPC_COLLECTION_OOR',
      'ok',
    ]);
  });

  it('qemu: the pINTID range is fixed at [8192, 65536), whatever GICR_PROPBASER.IDbits says', () => {
    // §3.3 MAPTI (QEMU) check 6; §8.1 "pINTID check: [8192, 2^16), fixed".
    const { failed } = runAll('qemu', [
      { actions: MAP_2_20 },
      {
        actions: [
          'its MAPTI DeviceID=2 EventID=21 pINTID=16384 ICID=3',
          'its MAPTI DeviceID=2 EventID=22 pINTID=65535 ICID=3',
          'its MAPTI DeviceID=2 EventID=23 pINTID=65536 ICID=3',
          'its MAPTI DeviceID=2 EventID=24 pINTID=8191 ICID=3',
        ],
        expect: [
          'expect ite 2 21 intid=16384 icid=3',
          'expect ite 2 22 intid=65535 icid=3',
          'expect ite 2 23 absent',
          'expect ite 2 24 absent',
        ],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: an LPI above the GICR_PROPBASER.IDbits range maps, but its redistributor ignores it', () => {
    // §3.3 MAPTI (QEMU) check 6 accepts [8192, 65536); §8.2 gicv3_redist_process_lpi: "Ignored unless ...
    // 8192 <= irq <= 2^(min(PROPBASER.IDbits, 15) + 1) - 1" (IDbits = 13 here: LPIs up to 16383).
    const { failed } = runAll('qemu', [
      {
        actions: [
          ...MAP_2_20,
          'lpi-config 16384 0xa3',
          'its MAPTI DeviceID=2 EventID=21 pINTID=16384 ICID=3',
          'its INT DeviceID=2 EventID=21',
        ],
        expect: [
          'expect ite 2 21 intid=16384 icid=3',
          'expect deliveries none',
          'expect not-pending rd3 16384',
        ],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: the collection need not be mapped (and is range-checked against the collection table)', () => {
    // §3.3 MAPTI (QEMU): check 3 "ICID below the collection table's entries"; "The collection need not be mapped."
    const { failed } = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=5',
          'its MAPTI DeviceID=2 EventID=21 pINTID=8196 ICID=8192',
        ],
        expect: ['expect ite 2 20 intid=8195 icid=5', 'expect ite 2 21 absent'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: an unknown ICID creates a collection "not mapped"; INT fails until MAPC maps it', () => {
    // §3.3 MAPTI (KVM) step 5: "a collection is allocated in the not mapped state"; MAPC: "For a known
    // ICID (including one created unmapped by an earlier MAPTI): the target is updated and every LPI in
    // the collection is retargeted".
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'lpi-config 8195 0xa3',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=5',
        ],
        expect: ['expect ite 2 20 intid=8195 icid=5', 'expect cte 5 valid=0'],
      },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries none'] },
      {
        actions: ['its MAPC ICID=5 RDbase=1 V=1', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries cpu1:8195'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 1)[0])?.error).toBe('E_ITS_INT_UNMAPPED_INTERRUPT');
  });

  it('kvm: duplicate pINTIDs are not rejected: two events may share one LPI', () => {
    // §3.3 MAPTI (KVM): "KVM does not reject duplicate pINTIDs" (the vgic_irq gains a reference).
    const { run, failed } = runAll('kvm', [
      {
        actions: [...MAP_2_20, 'its MAPTI DeviceID=2 EventID=21 pINTID=8195 ICID=3'],
        expect: ['expect ite 2 21 intid=8195 icid=3'],
      },
      { actions: ['its INT DeviceID=2 EventID=21'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).every((c) => c.outcome === 'ok')).toBe(true);
  });

  it.each(PROFILES)('%s: MAPI uses the EventID as the pINTID', (p) => {
    // §3.2 MAPI: "[31:0] EventID (also the pINTID)"; §3.3 MAPTI/MAPI.
    const { failed } = runAll(p, [
      {
        actions: [
          'lpi-config 8200 0xa3',
          'its MAPD DeviceID=3 Size=15 ITT_addr=0x40400000 V=1',
          'its MAPC ICID=3 RDbase=3 V=1',
          'its MAPI DeviceID=3 EventID=8200 ICID=3',
          'its INT DeviceID=3 EventID=8200',
        ],
        expect: ['expect ite 3 8200 intid=8200 icid=3', 'expect deliveries cpu3:8200'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: MAPI with an EventID below 8192 is E_ITS_MAPTI_PHYSICALID_OOR', () => {
    // §3.3 MAPTI/MAPI (KVM) check 3: "pINTID (= EventID for MAPI) < 8192".
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPD DeviceID=3 Size=15 ITT_addr=0x40400000 V=1',
          'its MAPC ICID=3 RDbase=3 V=1',
          'its MAPI DeviceID=3 EventID=20 ICID=3',
        ],
        expect: ['expect ite 3 20 absent'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 0)[2])?.error).toBe('E_ITS_MAPTI_PHYSICALID_OOR');
  });

  it("kvm: a new LPI takes its pending bit from the target's pending table and clears it in memory", () => {
    // §3.3 MAPTI (KVM): "A new LPI reads ... its pending bit from the target's pending table (§5.4)";
    // §5.4 point 1: "if the bit was set, it clears the bit in guest memory (the state is consumed)".
    // rd3's pending table is at 0x40230000; LPI 8195 is bit 3 of byte 1024.
    const { failed } = runAll('kvm', [
      {
        actions: ['lpi-pending rd3 8195 set', ...MAP_2_20],
        expect: ['expect deliveries cpu3:8195', 'expect mem8 0x40230400 & 0x8 == 0'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: an LPI whose collection is unmapped does not read the pending table', () => {
    // §5.4 point 1: "an LPI with no target vCPU (collection unmapped) skips this".
    const { failed } = runAll('kvm', [
      {
        actions: [
          'lpi-pending rd3 8195 set',
          'lpi-config 8195 0xa3',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=5',
        ],
        expect: ['expect deliveries none', 'expect mem8 0x40230400 & 0x8 == 0x8'],
      },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('DISCARD (§3.3)', () => {
  /** LPI 8195 made pending at PE 3 while PE 3 has interrupts masked. */
  const PENDING = [
    {
      actions: ['software cpu3 masked', ...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
      expect: ['expect pending rd3 8195'],
    },
  ];

  it('kvm: DISCARD does not clear the pending state: the LPI stays pending (and is taken once PE 3 unmasks)', () => {
    // §3.3 DISCARD (KVM): "KVM does not explicitly clear the pending state ... The vgic_irq disappears
    // when its last reference is dropped; one held by an ap_list lasts until that list is pruned."
    // §5.4: "DISCARD does not clear pending". A pending, enabled LPI sits on the vCPU's ap_list, so
    // it survives the DISCARD and is still presented to the guest [inferred from the cited facts].
    const { failed } = runAll('kvm', [
      ...PENDING,
      {
        actions: ['its DISCARD DeviceID=2 EventID=20'],
        expect: ['expect ite 2 20 absent', 'expect pending rd3 8195'],
      },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });

  it.each(['qemu', 'spec'] as const)('%s: DISCARD clears the pending state and removes the ITE', (p) => {
    // §3.3 DISCARD: architecture "removes the ITE and clears the LPI's pending state" [spec]; QEMU
    // "clears the LPI's pending bit at the target redistributor, then writes an invalid ITE".
    const { failed } = runAll(p, [
      ...PENDING,
      {
        actions: ['its DISCARD DeviceID=2 EventID=20'],
        expect: ['expect ite 2 20 absent', 'expect not-pending rd3 8195'],
      },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: DISCARD needs a mapped collection: otherwise E_ITS_DISCARD_UNMAPPED_INTERRUPT and the ITE is kept', () => {
    // §3.3 DISCARD (KVM): "If the ITE exists and its collection is mapped ... Otherwise ->
    // E_ITS_DISCARD_UNMAPPED_INTERRUPT, and the ITE is kept."
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=5',
          'its DISCARD DeviceID=2 EventID=20',
          'its DISCARD DeviceID=2 EventID=30',
        ],
        expect: ['expect ite 2 20 intid=8195 icid=5'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).slice(2).map(result)).toEqual([
      { command: 'DISCARD', outcome: 'error', error: 'E_ITS_DISCARD_UNMAPPED_INTERRUPT', code: 0x010f07 },
      { command: 'DISCARD', outcome: 'error', error: 'E_ITS_DISCARD_UNMAPPED_INTERRUPT', code: 0x010f07 },
    ]);
  });

  it('kvm: DISCARD writes 8 zero bytes at ITT_addr + EventID x 8 and frees the event', () => {
    // §3.3 DISCARD (KVM): "write 8 zero bytes to the ITE slot in guest memory (ITT_addr + EventID x 8)".
    const { run, failed } = runAll('kvm', [
      { actions: [...MAP_2_20, `mem write64 ${ITE2_ADDR(20)} 0x0000200300030000`] },
      {
        actions: ['its DISCARD DeviceID=2 EventID=20'],
        expect: [`expect mem64 ${ITE2_ADDR(20)} == 0`, 'expect ite 2 20 absent'],
      },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries none'] },
      {
        actions: ['its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3', 'its INT DeviceID=2 EventID=20'],
        expect: ['expect deliveries cpu3:8195'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 2)[0])?.error).toBe('E_ITS_INT_UNMAPPED_INTERRUPT');
  });
});

describe('MOVI (§3.3)', () => {
  it.each(PROFILES)('%s: MOVI moves the event and its pending state to the new collection', (p) => {
    // §3.3 MOVI: architecture "moves the event to another collection, and any pending state with it";
    // KVM "the pending state lives in the vgic_irq, so it moves automatically"; QEMU "the pending bit is
    // moved between the two pending tables".
    const { failed } = runAll(p, [
      {
        actions: [
          'software cpu3 masked',
          ...MAP_2_20,
          'its MAPC ICID=2 RDbase=2 V=1',
          'its INT DeviceID=2 EventID=20',
        ],
        expect: ['expect pending rd3 8195', 'expect deliveries none'],
      },
      {
        actions: ['its MOVI DeviceID=2 EventID=20 ICID=2'],
        expect: [
          'expect ite 2 20 intid=8195 icid=2',
          'expect not-pending rd3 8195',
          'expect deliveries cpu2:8195',
        ],
      },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu2:8195'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: the MOVI errors: no ITE, the new collection unmapped, the current collection unmapped', () => {
    // §3.3 MOVI (KVM): "ITE missing -> E_ITS_MOVI_UNMAPPED_INTERRUPT. ITE's current collection
    // unmapped, or the new collection missing or unmapped -> E_ITS_MOVI_UNMAPPED_COLLECTION."
    const { run, failed } = runAll('kvm', [
      { actions: [...MAP_2_20, 'its MAPTI DeviceID=2 EventID=21 pINTID=8196 ICID=5'] },
      {
        actions: [
          'its MOVI DeviceID=2 EventID=30 ICID=3',
          'its MOVI DeviceID=2 EventID=20 ICID=7',
          'its MOVI DeviceID=2 EventID=21 ICID=3',
        ],
        expect: ['expect ite 2 20 intid=8195 icid=3', 'expect ite 2 21 intid=8196 icid=5'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map(result)).toEqual([
      { command: 'MOVI', outcome: 'error', error: 'E_ITS_MOVI_UNMAPPED_INTERRUPT', code: 0x010107 },
      { command: 'MOVI', outcome: 'error', error: 'E_ITS_MOVI_UNMAPPED_COLLECTION', code: 0x010109 },
      { command: 'MOVI', outcome: 'error', error: 'E_ITS_MOVI_UNMAPPED_COLLECTION', code: 0x010109 },
    ]);
  });
});

describe('INT (§3.3)', () => {
  it('kvm: no ITE (or no device) is E_ITS_INT_UNMAPPED_INTERRUPT and nothing becomes pending', () => {
    // §3.3 INT (KVM) / §5.3: "ITE missing, or its collection unmapped, or the vCPU missing -> E_ITS_INT_UNMAPPED_INTERRUPT".
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      {
        actions: ['its INT DeviceID=2 EventID=21', 'its INT DeviceID=9 EventID=20'],
        expect: ['expect deliveries none'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map(result)).toEqual([
      { command: 'INT', outcome: 'error', error: 'E_ITS_INT_UNMAPPED_INTERRUPT', code: 0x010307 },
      { command: 'INT', outcome: 'error', error: 'E_ITS_INT_UNMAPPED_INTERRUPT', code: 0x010307 },
    ]);
  });

  it('kvm: a target with LPIs disabled refuses the INT (-EBUSY, not an E_ITS code); enabling LPIs later finds nothing', () => {
    // §3.3 INT (KVM): "The target vCPU has LPIs disabled -> -EBUSY"; §5.3 step 3.4. Nothing is made
    // pending, so the pending table read at EnableLPIs 0 -> 1 (§5.4 point 2) finds nothing either.
    const o: Options = { lpisOn: [0, 1, 2] };
    const { run, failed } = runAll(
      'kvm',
      [
        {
          actions: [...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
          expect: ['expect not-pending rd3 8195', 'expect deliveries none'],
        },
        { actions: ['write rd3 GICR_CTLR |= 1'], expect: ['expect deliveries none'] },
      ],
      o,
    );
    expect(failed).toEqual([]);
    const int = commands(run, 0, o)[3]!;
    expect(int.command).toBe('INT');
    expect(int.outcome).toBe('error');
    expect(int.error?.name).toBeUndefined();
  });

  it('qemu: an INT for a PE whose LPIs are disabled is ignored by its redistributor', () => {
    // §8.2 gicv3_redist_process_lpi: "Ignored unless GICR_CTLR.EnableLPIs is set".
    const o: Options = { lpisOn: [0, 1, 2] };
    const { failed } = runAll(
      'qemu',
      [
        {
          actions: [...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
          expect: ['expect not-pending rd3 8195', 'expect deliveries none'],
        },
      ],
      o,
    );
    expect(failed).toEqual([]);
  });
});

describe('CLEAR (§3.3)', () => {
  it.each(PROFILES)('%s: CLEAR clears a pending LPI', (p) => {
    // §3.3 CLEAR: "clears the LPI's pending state" (KVM pending_latch = false; QEMU INT with level 0).
    const { failed } = runAll(p, [
      {
        actions: ['software cpu3 masked', ...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
        expect: ['expect pending rd3 8195'],
      },
      { actions: ['its CLEAR DeviceID=2 EventID=20'], expect: ['expect not-pending rd3 8195'] },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: CLEAR of an unmapped event is E_ITS_CLEAR_UNMAPPED_INTERRUPT (0x010507)', () => {
    // §3.3 CLEAR (KVM): "ITE missing -> E_ITS_CLEAR_UNMAPPED_INTERRUPT"; §5.1 value 0x010507.
    const { run, failed } = runAll('kvm', [{ actions: [...MAP_2_20, 'its CLEAR DeviceID=2 EventID=21'] }]);
    expect(failed).toEqual([]);
    expect(result(commands(run, 0)[3])).toEqual({
      command: 'CLEAR',
      outcome: 'error',
      error: 'E_ITS_CLEAR_UNMAPPED_INTERRUPT',
      code: 0x010507,
    });
  });

  it('kvm: CLEAR does not check the collection: it clears the LPI even after MAPC V = 0', () => {
    // §3.3 CLEAR (KVM): "The collection is not checked. Sets pending_latch = false"; §8.1 "CLEAR: ITE only".
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'software cpu3 masked',
          ...MAP_2_20,
          'its INT DeviceID=2 EventID=20',
          'its MAPC ICID=3 V=0',
        ],
        expect: ['expect pending rd3 8195'],
      },
      { actions: ['its CLEAR DeviceID=2 EventID=20'], expect: ['expect not-pending rd3 8195'] },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map((c) => c.outcome)).toEqual(['ok']);
  });

  it('qemu: CLEAR needs a valid CTE: with the collection unmapped the LPI stays pending', () => {
    // §3.3 CLEAR (QEMU): "as INT but with level 0; needs a valid CTE"; §8.1 prerequisites.
    const { failed } = runAll('qemu', [
      {
        actions: [
          'software cpu3 masked',
          ...MAP_2_20,
          'its INT DeviceID=2 EventID=20',
          'its MAPC ICID=3 V=0',
        ],
        expect: ['expect pending rd3 8195'],
      },
      { actions: ['its CLEAR DeviceID=2 EventID=20'], expect: ['expect pending rd3 8195'] },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('INV and INVALL (§3.3)', () => {
  /** LPI 8195 mapped with its configuration byte disabled (0xa2), made pending, then enabled in memory without INV. */
  const DISABLED_THEN_ENABLED = [
    {
      actions: [
        'lpi-config 8195 0xa2',
        'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
        'its MAPC ICID=3 RDbase=3 V=1',
        'its MAPC ICID=2 RDbase=2 V=1',
        'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
        'its INT DeviceID=2 EventID=20',
      ],
      expect: ['expect deliveries none', 'expect pending rd3 8195'],
    },
    { actions: ['lpi-config 8195 0xa3'], expect: ['expect deliveries none'] },
  ];

  it.each(PROFILES)('%s: INV makes a configuration change take effect', (p) => {
    // §3.3 INV: "reloads the LPI's configuration" (KVM update_lpi_config rereads the byte and requeues;
    // QEMU recomputes the redistributor's highest pending LPI).
    const { run, failed } = runAll(p, [
      ...DISABLED_THEN_ENABLED,
      { actions: ['its INV DeviceID=2 EventID=20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 2).map((c) => c.outcome)).toEqual(['ok']);
  });

  it.each(PROFILES)("%s: INVALL of the LPI's collection makes the change take effect", (p) => {
    // §3.3 INVALL: KVM reloads every LPI targeting the collection's vCPU; QEMU rescans every redistributor.
    const { failed } = runAll(p, [
      ...DISABLED_THEN_ENABLED,
      { actions: ['its INVALL ICID=3'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: INVALL of another collection (on another PE) does not reload this LPI', () => {
    // §3.3 INVALL (KVM): "every LPI in the VM whose target is that collection's vCPU"; §8.1 "Only LPIs
    // on the collection's vCPU".
    const { failed } = runAll('kvm', [
      ...DISABLED_THEN_ENABLED,
      { actions: ['its INVALL ICID=2'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: INVALL ignores the ICID: even an unmapped ICID rescans every redistributor', () => {
    // §3.3 INVALL (QEMU): "ignores the ICID and recomputes LPI state on every redistributor".
    const { run, failed } = runAll('qemu', [
      ...DISABLED_THEN_ENABLED,
      { actions: ['its INVALL ICID=77'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 2).map((c) => c.outcome)).toEqual(['ok']);
  });

  it('kvm: INV of an unmapped event and INVALL of a missing or unmapped collection are errors', () => {
    // §3.3 INV (KVM): "ITE missing -> E_ITS_INV_UNMAPPED_INTERRUPT"; INVALL (KVM): "collection missing
    // or unmapped -> E_ITS_INVALL_UNMAPPED_COLLECTION" (ICID 5 exists, unmapped, made by MAPTI).
    const { run, failed } = runAll('kvm', [
      { actions: [...MAP_2_20, 'its MAPTI DeviceID=2 EventID=21 pINTID=8196 ICID=5'] },
      { actions: ['its INV DeviceID=2 EventID=22', 'its INVALL ICID=77', 'its INVALL ICID=5'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map(result)).toEqual([
      { command: 'INV', outcome: 'error', error: 'E_ITS_INV_UNMAPPED_INTERRUPT', code: 0x010c07 },
      { command: 'INVALL', outcome: 'error', error: 'E_ITS_INVALL_UNMAPPED_COLLECTION', code: 0x010d09 },
      { command: 'INVALL', outcome: 'error', error: 'E_ITS_INVALL_UNMAPPED_COLLECTION', code: 0x010d09 },
    ]);
  });

  it('kvm: INV does not need a mapped collection', () => {
    // §3.3 INV (KVM): only "ITE missing" is an error; otherwise update_lpi_config runs.
    const { run, failed } = runAll('kvm', [
      { actions: [...MAP_2_20, 'its MAPC ICID=3 V=0', 'its INV DeviceID=2 EventID=20'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});

describe('MOVALL (§3.3)', () => {
  const BOTH = [...MAP_2_20, ...MAP_7_255];

  it('kvm: MOVALL retargets every LPI of the VM, not only those on RDbase1', () => {
    // §3.3 MOVALL (KVM): "every LPI in the VM is retargeted to vCPU2" (the xarray-era behaviour the
    // reference describes; older kernels filtered on vCPU1). Neither LPI targets PE 0 here.
    const { failed } = runAll('kvm', [
      { actions: BOTH },
      { actions: ['its MOVALL RDbase1=0 RDbase2=1'] },
      {
        actions: ['its INT DeviceID=2 EventID=20', 'its INT DeviceID=7 EventID=255'],
        expect: ['expect deliveries cpu1:8195 cpu1:8196'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it.each(['qemu', 'spec'] as const)(
    '%s: MOVALL moves only what is pending on RDbase1: the mappings stay',
    (p) => {
      // §3.3 MOVALL: architecture "moves all pending LPIs from RD1 to RD2" [spec]; QEMU moves pending bits.
      const { failed } = runAll(p, [
        { actions: BOTH },
        { actions: ['its MOVALL RDbase1=0 RDbase2=1'] },
        {
          actions: ['its INT DeviceID=2 EventID=20', 'its INT DeviceID=7 EventID=255'],
          expect: ['expect deliveries cpu3:8195 cpu2:8196'],
        },
      ]);
      expect(failed).toEqual([]);
    },
  );

  it.each(PROFILES)('%s: an LPI pending on RDbase1 ends up pending on RDbase2', (p) => {
    // §3.3 MOVALL: all three move the pending state (KVM by retargeting the vgic_irq).
    const { failed } = runAll(p, [
      {
        actions: ['software cpu3 masked', ...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
        expect: ['expect pending rd3 8195'],
      },
      {
        actions: ['its MOVALL RDbase1=3 RDbase2=1'],
        expect: ['expect not-pending rd3 8195', 'expect deliveries cpu1:8195'],
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('qemu: MOVALL needs both RDbases below the number of CPUs and LPIs enabled on both redistributors', () => {
    // §3.3 MOVALL (QEMU): "both RDbases must be below num_cpu; ... all pending bits move from RD1's table to
    // RD2's (only if LPIs are enabled on both)"; §8.2 "movall_lpis ... is a no-op unless LPIs are enabled
    // on both redistributors". rd1 has LPIs off here.
    const { failed } = runAll(
      'qemu',
      [
        {
          actions: ['software cpu3 masked', ...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
          expect: ['expect pending rd3 8195'],
        },
        {
          actions: ['its MOVALL RDbase1=3 RDbase2=4', 'its MOVALL RDbase1=3 RDbase2=1'],
          expect: ['expect pending rd3 8195'],
        },
        { actions: ['software cpu3 eoi'], expect: ['expect deliveries cpu3:8195'] },
      ],
      { lpisOn: [0, 2, 3] },
    );
    expect(failed).toEqual([]);
  });

  it('kvm: an RDbase that names no vCPU is E_ITS_MOVALL_PROCNUM_OOR; the same vCPU twice is a no-op', () => {
    // §3.3 MOVALL (KVM): "Either missing -> E_ITS_MOVALL_PROCNUM_OOR. Same vCPU -> 0."
    const { run, failed } = runAll('kvm', [
      { actions: MAP_2_20 },
      {
        actions: [
          'its MOVALL RDbase1=3 RDbase2=4',
          'its MOVALL RDbase1=9 RDbase2=1',
          'its MOVALL RDbase1=1 RDbase2=1',
          'its INT DeviceID=2 EventID=20',
        ],
        expect: ['expect deliveries cpu3:8195'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 1).map((c) => c.error?.name ?? c.outcome)).toEqual([
      'E_ITS_MOVALL_PROCNUM_OOR',
      'E_ITS_MOVALL_PROCNUM_OOR',
      'ok',
      'ok',
    ]);
    expect(commands(run, 1)[0]!.error?.code).toBe(0x010e01);
  });
});

describe('SYNC (§3.3)', () => {
  it.each(['kvm', 'qemu'] as const)('%s: SYNC is a no-op that completes', (p) => {
    // §3.3 SYNC: "a no-op in KVM (always in sync) and in QEMU".
    const { run, failed } = runAll(p, [
      { actions: ['its SYNC RDbase=3', 'read64 GITS_CREADR', 'read64 GITS_CWRITER'] },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map(result)).toEqual([
      { command: 'SYNC', outcome: 'ok', error: undefined, code: undefined },
    ]);
    expect(lastRead(run, 0, 'GITS_CREADR')).toBe(0x20n);
  });
});

describe('the command queue (§5.2, §8.1)', () => {
  it('kvm: an erroneous command is dropped, CREADR advances and the queue never stalls', () => {
    // §5.1 "there is no stall and no SError"; §5.2 "CREADR.Stalled is never set"; §8.1 error model.
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
          'its INT DeviceID=2 EventID=20',
          ...MAP_2_20,
          'its INT DeviceID=2 EventID=20',
        ],
        expect: [
          'expect deliveries cpu3:8195',
          'expect reg GITS_CREADR == 0xc0',
          'expect reg GITS_CWRITER == 0xc0',
        ],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => [c.command, c.outcome, c.action])).toEqual([
      ['MAPTI', 'error', 'dropped'],
      ['INT', 'error', 'dropped'],
      ['MAPD', 'ok', undefined],
      ['MAPC', 'ok', undefined],
      ['MAPTI', 'ok', undefined],
      ['INT', 'ok', undefined],
    ]);
  });

  it('kvm: unknown and GICv4 opcodes are ignored and the queue moves on', () => {
    // §5.2: "Unknown opcodes, including every GICv4 opcode: the handler returns -ENODEV, which is ignored."
    // §3.1: KVM's vITS implements none of the V* commands.
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'its raw 0x3f 0 0 0',
          'its raw 0x29 0 0x8000000000000000 0',
          'its raw 0x2a 0 0 0',
          ...MAP_2_20,
          'its INT DeviceID=2 EventID=20',
        ],
        expect: ['expect deliveries cpu3:8195', 'expect reg GITS_CREADR == 0xe0'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(
      commands(run, 0)
        .slice(0, 3)
        .map((c) => c.outcome),
    ).toEqual(['error', 'error', 'error']);
  });

  it('qemu: bad parameters are skipped (logged): CREADR advances, Stalled stays 0', () => {
    // §8.1 "CONTINUE (bad parameters: skipped and logged as a guest error)".
    const { run, failed } = runAll('qemu', [
      {
        actions: [
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
          ...MAP_2_20,
          'its INT DeviceID=2 EventID=20',
        ],
        expect: ['expect deliveries cpu3:8195', 'expect reg GITS_CREADR == 0xa0'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0)[0]).toMatchObject({ command: 'MAPTI', outcome: 'error', action: 'skipped' });
  });

  it('qemu: a guest-memory fault stalls: Stalled = 1, CREADR stays on the command, later commands wait', () => {
    // §8.1 "STALL (guest memory error: CREADR.Stalled = 1, processing stops, CREADR not advanced)".
    // The ITT is put outside RAM (QEMU does not check it at MAPD), so MAPTI's ITE write faults.
    // "Recovering from a stall: CWRITER writes ... re-run from the same CREADR", so the MAPC queued
    // behind it never runs.
    const { run, failed } = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x100000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
        ],
        expect: ['expect reg GITS_CREADR == 0x21'],
      },
      {
        actions: ['its MAPC ICID=3 RDbase=3 V=1'],
        expect: ['expect reg GITS_CREADR == 0x21', 'expect reg GITS_CWRITER == 0x60', 'expect cte 3 absent'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => [c.command, c.outcome])).toEqual([
      ['MAPD', 'ok'],
      ['MAPTI', 'stall'],
    ]);
    expect(commands(run, 1).map((c) => [c.command, c.outcome])).toEqual([['MAPTI', 'stall']]);
  });

  /** A 2 MiB RAM; a 128 KiB queue at 0x401F0000 whose second half (from offset 0x10000) is not RAM. */
  const HALF_QUEUE: Options = {
    bringUp: false,
    machine: { memory: [{ base: '0x40000000', size: '0x200000' }] },
  };
  const HALF_QUEUE_SETUP = [
    'write64 GITS_BASER0 0xb907000040100600',
    'write64 GITS_BASER1 0xbc07000040110600',
    'write64 GITS_CBASER 0x80000000401f001f',
    'write GITS_CTLR 1',
  ];

  it('kvm: a command that cannot be fetched is skipped: CREADR moves past it, nothing stalls', () => {
    // §5.2 "If the guest-memory read fails, skip the command"; §8.1 "Command fetch failure: The command is
    // skipped" (KVM). Slots 1..2047 hold zeros (an unknown command, ignored); slot 2048 is not RAM.
    const { failed } = runAll(
      'kvm',
      [
        {
          actions: [...HALF_QUEUE_SETUP, 'write64 GITS_CWRITER 0x10020'],
          expect: ['expect reg GITS_CREADR == 0x10020'],
        },
      ],
      HALF_QUEUE,
    );
    expect(failed).toEqual([]);
  });

  it('qemu: a command that cannot be fetched stalls the queue on it', () => {
    // §8.1 "Command fetch failure: Stalled = 1; stop" (QEMU).
    const { failed } = runAll(
      'qemu',
      [
        {
          actions: [...HALF_QUEUE_SETUP, 'write64 GITS_CWRITER 0x10020'],
          expect: ['expect reg GITS_CREADR == 0x10001'],
        },
      ],
      HALF_QUEUE,
    );
    expect(failed).toEqual([]);
  });

  it('spec: an erroneous command stalls the queue with CREADR on it; GITS_CWRITER with Retry = 1 re-runs it', () => {
    // Brief/§2.3 (GITS_CWRITER.Retry bit 0, GITS_CREADR.Stalled bit 0) [spec]: the architecture lets an
    // ITS stall on a command error; software fixes the cause and writes CWRITER with Retry = 1.
    const { run, failed } = runAll('spec', [
      {
        actions: [
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
        ],
        expect: ['expect reg GITS_CREADR == 0x1', 'expect reg GITS_CWRITER == 0x40', 'expect dte 2 absent'],
      },
      // Retry without fixing anything: the same command runs again and stalls again.
      {
        actions: ['write GITS_CWRITER |= 1'],
        expect: ['expect reg GITS_CREADR == 0x1', 'expect dte 2 absent'],
      },
      // Replace the failed command by a SYNC (opcode 5) and retry: the queue drains.
      {
        actions: [
          'mem write64 0x40120000 0x5',
          'mem write64 0x40120008 0',
          'mem write64 0x40120010 0',
          'mem write64 0x40120018 0',
          'write GITS_CWRITER |= 1',
        ],
        expect: ['expect reg GITS_CREADR == 0x40', 'expect dte 2 valid=1 size=7 itt=0x40300000'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => [c.command, c.outcome, c.slot])).toEqual([['MAPTI', 'stall', 0]]);
    expect(commands(run, 1).map((c) => [c.command, c.outcome, c.slot])).toEqual([['MAPTI', 'stall', 0]]);
    expect(commands(run, 2).map((c) => [c.command, c.outcome, c.slot])).toEqual([
      ['SYNC', 'ok', 0],
      ['MAPD', 'ok', 1],
    ]);
  });
});

describe('device table geometry (§3.3 MAPD, §4.3)', () => {
  it('kvm: a two-level device table: an invalid level-1 entry makes the DeviceID out of range; valid ones locate the DTE', () => {
    // §3.3 MAPD (KVM) check_id: "inside the flat or two-level table"; §4.3: "a missing or invalid L1 entry
    // makes the ID out of range"; L1 index = id / (64 KiB / 8) with KVM's 64 KiB pages; the L2 address is
    // L1 bits [51:16]. MAPD V = 0 then zeroes the DTE at its level-2 slot (§3.3).
    const { run, failed } = runAll('kvm', [
      {
        actions: [
          'write GITS_CTLR 0',
          'write64 GITS_BASER0 0xf907000040100600',
          'write GITS_CTLR 1',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
        ],
        expect: ['expect reg GITS_CTLR & 1 == 1', 'expect dte 2 absent'],
      },
      {
        actions: [
          'mem write64 0x40100000 0x8000000040500000',
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
          'its MAPD DeviceID=8192 Size=7 ITT_addr=0x40310000 V=1',
        ],
        expect: ['expect dte 2 valid=1 size=7 itt=0x40300000', 'expect dte 8192 absent'],
      },
      {
        actions: [
          'mem write64 0x40100008 0x8000000040510000',
          'its MAPD DeviceID=8192 Size=7 ITT_addr=0x40310000 V=1',
          'mem write64 0x40510000 0x1234',
          'its MAPD DeviceID=8192 V=0',
        ],
        expect: ['expect mem64 0x40510000 == 0', 'expect dte 8192 absent'],
      },
    ]);
    expect(failed).toEqual([]);
    expect(commands(run, 0).map((c) => c.error?.name ?? 'ok')).toEqual(['E_ITS_MAPD_DEVICE_OOR']);
    expect(commands(run, 1).map((c) => c.error?.name ?? 'ok')).toEqual(['ok', 'E_ITS_MAPD_DEVICE_OOR']);
    expect(commands(run, 2).map((c) => c.error?.name ?? 'ok')).toEqual(['ok', 'ok']);
  });

  it('qemu: a table whose GITS_BASER is not valid has no entries: every command using it is skipped', () => {
    // §4.3 "A table whose BASER.Valid = 0 gets 0 entries, so every command using it is skipped"; §8.1
    // "GITS_CTLR enable: Always allowed".
    const o: Options = { bringUp: false };
    const { run, failed } = runAll(
      'qemu',
      [
        {
          actions: [
            'write64 GITS_BASER1 0xbc07000040110600',
            'write64 GITS_CBASER 0x800000004012000f',
            'write GITS_CTLR 1',
            'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
            'its MAPC ICID=3 RDbase=3 V=1',
          ],
          expect: ['expect reg GITS_CREADR == 0x40', 'expect cte 3 valid=1 target=3'],
        },
      ],
      o,
    );
    expect(failed).toEqual([]);
    expect(commands(run, 0, o).map((c) => [c.command, c.outcome, c.action])).toEqual([
      ['MAPD', 'error', 'skipped'],
      ['MAPC', 'ok', undefined],
    ]);
  });
});

describe('MSIs and the translation cache (§5.3)', () => {
  it.each(PROFILES)('%s: an MSI (requester ID 2, data 20) is translated like INT', (p) => {
    // §2.3 GITS_TRANSLATER: "The written data is the EventID; the DeviceID comes from the bus"; §5.3.
    const { failed } = runAll(p, [
      { actions: [...MAP_2_20, 'msi rid=2 20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: with the ITS disabled an MSI is refused, although its translation was cached', () => {
    // §5.3 vgic_its_resolve_lpi: "ITS disabled -> -EBUSY"; "The cache is consulted before any enable
    // checks; disabling invalidates it, so this is safe"; GITS_CTLR.Enabled 1 -> 0 clears the cache.
    const { failed } = runAll('kvm', [
      { actions: [...MAP_2_20, 'msi rid=2 20'], expect: ['expect deliveries cpu3:8195'] },
      {
        actions: ['write GITS_CTLR 0', 'msi rid=2 20'],
        expect: ['expect deliveries none', 'expect not-pending rd3 8195'],
      },
      { actions: ['write GITS_CTLR 1'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
  });

  it('kvm: the cache never serves a stale translation after MOVI, DISCARD or EnableLPIs 1 -> 0', () => {
    // §5.3 "Cleared (this ITS's whole cache ...): DISCARD; MOVI; MOVALL; MAPD of an existing device; MAPC
    // V = 0; GITS_CTLR.Enabled 1 -> 0 ... Also, GICR_CTLR.EnableLPIs 1 -> 0 clears the caches of all vITSs."
    const { failed } = runAll('kvm', [
      {
        actions: [...MAP_2_20, 'its MAPC ICID=2 RDbase=2 V=1', 'msi rid=2 20'],
        expect: ['expect deliveries cpu3:8195'],
      },
      {
        actions: ['its MOVI DeviceID=2 EventID=20 ICID=2', 'msi rid=2 20'],
        expect: ['expect deliveries cpu2:8195'],
      },
      {
        actions: ['write rd2 GICR_CTLR 0', 'msi rid=2 20'],
        expect: ['expect deliveries none', 'expect not-pending rd2 8195'],
      },
      {
        actions: ['its DISCARD DeviceID=2 EventID=20', 'write rd2 GICR_CTLR 1', 'msi rid=2 20'],
        expect: ['expect deliveries none'],
      },
    ]);
    expect(failed).toEqual([]);
  });
});

describe('MSIs after mapping changes (§5.3)', () => {
  it('kvm: after MAPD of the live device or MAPC V = 0, an MSI finds nothing (the cache was flushed)', () => {
    // §5.3 cache "Cleared ...: MAPD of an existing device (through free_device); MAPC V = 0"; the MSI
    // path tries the cache first, so a stale entry would still deliver.
    const { failed } = runAll('kvm', [
      { actions: [...MAP_2_20, 'msi rid=2 20'], expect: ['expect deliveries cpu3:8195'] },
      {
        actions: ['its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1', 'msi rid=2 20'],
        expect: ['expect deliveries none'],
      },
      {
        actions: ['its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3', 'msi rid=2 20'],
        expect: ['expect deliveries cpu3:8195'],
      },
      { actions: ['its MAPC ICID=3 V=0', 'msi rid=2 20'], expect: ['expect deliveries none'] },
    ]);
    expect(failed).toEqual([]);
  });
});

describe("KVM's saved tables, ABI revision 0 (§4.4, §5.4)", () => {
  it('kvm: migration writes the DTE, the ITE and a packed CTE in the ABI layout, and the state comes back', () => {
    // §4.4 DTE: V [63], next [62:49] (0 = last), ITT_addr bits [51:8] in [48:5], Size [4:0]. ITE at
    // ITT_addr + EventID x 8: next [63:48], pINTID [47:16], ICID [15:0]. CTE "packed in list order (not
    // indexed by ICID), with a zero entry after the last one": V [63], RDBase (vCPU id) [51:16], ICID.
    // §5.4 point 3 / point 1: the pending latch is saved to the table and consumed again on restore.
    const { failed } = runAll('kvm', [
      {
        actions: ['software cpu3 masked', ...MAP_2_20, 'its INT DeviceID=2 EventID=20'],
        expect: ['expect pending rd3 8195'],
      },
      {
        actions: ['migrate'],
        expect: [
          `expect mem64 ${DTE_ADDR(2)} == 0x8000000008060007`,
          `expect mem64 ${ITE2_ADDR(20)} == 0x20030003`,
          'expect mem64 0x40110000 == 0x8000000000030003',
          'expect mem64 0x40110008 == 0',
          'expect ite 2 20 intid=8195 icid=3',
          'expect cte 3 valid=1 target=3',
          'expect pending rd3 8195',
          'expect mem8 0x40230400 & 0x8 == 0',
        ],
      },
      { actions: ['software cpu3 eoi'], expect: ['expect deliveries cpu3:8195'] },
      { actions: ['its INT DeviceID=2 EventID=20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(failed).toEqual([]);
  });
});
