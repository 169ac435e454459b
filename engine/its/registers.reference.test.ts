/**
 * Reference tests for the ITS registers (GITS_*), profile by profile.
 *
 * The expectations come from ../shared/domain/gic-its-kvm-reference.md: §2.3 (the GITS register map,
 * the GITS_TYPER values of KVM and QEMU, KVM's register behaviour and access widths), §5.2 (KVM's
 * command queue: CWRITER, CREADR, Quiescent, processing triggers) and §8.1 (QEMU compared with KVM).
 * Each test cites its section. They are not derived from the engine's rule tables.
 *
 * The machine is driven through the command language (docs/command-language.md) in scenarios built
 * here; when a test needs the tables, queue and LPIs ready it starts from the bring-up of
 * public/scenarios/conformance/kut-c27-its-int-dev2.json. Register values are checked exactly, either
 * with the scenario's `expect reg` lines or from the 'mmio.read' events of the reads a step makes.
 */

import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../scenario/loader';
import { ScenarioRun, type RunReport } from '../scenario/runner';

// ---------------------------------------------------------------- harness

type Profile = 'kvm' | 'qemu' | 'spec';

interface Step {
  actions?: string[];
  expect?: string[];
}

interface Options {
  /** Run the kut-c27 bring-up as step 0 (default true). */
  bringUp?: boolean;
  /** Extra machine fields. */
  machine?: Record<string, unknown>;
}

const CPUS = 4;

/** GITS_BASER0/1 as kvm-unit-tests writes them (64 KiB tables at 0x40100000 and 0x40110000, Valid). */
const TABLES = ['write64 GITS_BASER0 0xb907000040100600', 'write64 GITS_BASER1 0xbc07000040110600'];
/** A valid 64 KiB command queue at 0x40120000, CWRITER 0. */
const QUEUE = ['write64 GITS_CBASER 0x800000004012000f', 'write64 GITS_CWRITER 0'];

/** The actions of kut-c27 S1, S4 and S5, condensed: ITS tables and queue, GIC defaults, LPIs on, ITS on. */
function bringUp(): string[] {
  const a = [...TABLES, ...QUEUE, 'write GICD_CTLR 0x13'];
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
  for (let c = 0; c < CPUS; c++) a.push(`write64 rd${c} GICR_PROPBASER 0x4013000d`);
  for (let c = 0; c < CPUS; c++)
    a.push(`write64 rd${c} GICR_PENDBASER 0x${(0x40200000 + c * 0x10000).toString(16)}`);
  for (let c = 0; c < CPUS; c++) a.push(`write rd${c} GICR_CTLR |= 1`);
  a.push('write GITS_CTLR 1');
  return a;
}

/** DeviceID 2 EventID 20 -> LPI 8195 in collection 3 on PE 3 (kut-c27 S7). */
const MAP_2_20 = [
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=3 RDbase=3 V=1',
  'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
];

function scenario(profile: Profile, steps: Step[], o: Options): ScenarioRun {
  const all: Step[] = [...(o.bringUp === false ? [] : [{ actions: bringUp() }]), ...steps];
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

interface Run {
  run: ScenarioRun;
  /** Refused actions and failed expectations, as sentences. */
  failed: string[];
  /** The register reads a test step made, in order: [register, value]. */
  reads: (step: number) => [string, bigint][];
  /** Number of events of `kind` during a test step. */
  count: (step: number, kind: string) => number;
}

/** Runs every step (test steps are numbered from 0, after the bring-up when there is one). */
function runAll(profile: Profile, steps: Step[], o: Options = {}): Run {
  const run = scenario(profile, steps, o);
  const report: RunReport = run.runAll();
  const first = o.bringUp === false ? 0 : 1;
  const failed: string[] = [];
  for (const s of report.steps) {
    const name = s.index < first ? 'bring-up' : `step ${s.index - first}`;
    for (const a of s.actions) if (!a.ok) failed.push(`${name}: action '${a.text}' refused: ${a.message}`);
    for (const e of s.expectations) if (!e.ok) failed.push(`${name}: '${e.text}': ${e.message}`);
    for (const w of s.warnings) failed.push(`${name}: warning: ${w}`);
  }
  const range = (step: number): number[] => {
    const r = report.steps[step + first]!;
    return Array.from({ length: r.to - r.from }, (_, k) => r.from + k);
  };
  return {
    run,
    failed,
    reads: (step) =>
      range(step)
        .filter((s) => run.machine.log.kindAt(s) === 'mmio.read')
        .map((s) => {
          const d = run.machine.log.get(s)!.data as { reg: string; value: string };
          return [d.reg, BigInt(d.value)];
        }),
    count: (step, kind) => range(step).filter((s) => run.machine.log.kindAt(s) === kind).length,
  };
}

// ---------------------------------------------------------------- tests

describe('GITS_TYPER, GITS_IIDR and the ID registers (§2.3, §8.1)', () => {
  it('kvm: GITS_TYPER is 0x1EF71 (64-bit and as two 32-bit halves) and ignores writes', () => {
    // §2.3 "KVM: PLPIS = 1, ITT_entry_size = 7, ID_bits = 15, Devbits = 15, everything else 0 ...
    // 0x000000000001EF71"; TYPER accepts 32- or 64-bit accesses.
    const r = runAll('kvm', [
      {
        actions: [
          'read64 GITS_TYPER',
          'read32 GITS_TYPER',
          'read32 GITS_TYPER+4',
          'write64 GITS_TYPER 0',
          'read64 GITS_TYPER',
        ],
      },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([
      ['GITS_TYPER', 0x1ef71n],
      ['GITS_TYPER', 0x1ef71n],
      ['GITS_TYPER', 0n],
      ['GITS_TYPER', 0x1ef71n],
    ]);
  });

  it('qemu: GITS_TYPER is 0x1F0001EFB1 (12-byte ITEs, CIL = 1, CIDbits = 15)', () => {
    // §2.3 "QEMU: Physical = 1, ITT_entry_size = 11, ID_bits = 15, Devbits = 15, CIL = 1, CIDbits = 15.
    // That is 0x1F0001EFB1" (GICv3: no Virtual, no VMOVP).
    const r = runAll('qemu', [
      { actions: ['read64 GITS_TYPER', 'read32 GITS_TYPER', 'read32 GITS_TYPER+4'] },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([
      ['GITS_TYPER', 0x1f0001efb1n],
      ['GITS_TYPER', 0x0001efb1n],
      ['GITS_TYPER', 0x1fn],
    ]);
  });

  it('kvm: GITS_IIDR is 0x4B00043B and guest writes are ignored', () => {
    // §2.3 "GITS_IIDR = ... 0x4B00043B. Guest writes are ignored."
    const r = runAll('kvm', [{ actions: ['read GITS_IIDR', 'write GITS_IIDR 0x1000', 'read GITS_IIDR'] }]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([
      ['GITS_IIDR', 0x4b00043bn],
      ['GITS_IIDR', 0x4b00043bn],
    ]);
  });

  it('qemu: GITS_IIDR is 0x43B', () => {
    // §8.1 "IIDR / IDs: IIDR 0x43B".
    const r = runAll('qemu', [{ actions: ['read GITS_IIDR'] }]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GITS_IIDR', 0x43bn]]);
  });

  it('kvm: PIDR4 0x40, PIDR0..2 0x92 0xB4 0x3B, CIDR0..3 0x0D 0xF0 0x05 0xB1', () => {
    // §2.3 ID register rows (GITS_PIDR4 0xFFD0, PIDR0/1/2 0xFFE0/4/8, CIDR0-3 0xFFF0-0xFFFC).
    const offsets = [0xffd0, 0xffe0, 0xffe4, 0xffe8, 0xfff0, 0xfff4, 0xfff8, 0xfffc];
    const r = runAll('kvm', [{ actions: offsets.map((o) => `read32 its0+0x${o.toString(16)}`) }]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0x40n, 0x92n, 0xb4n, 0x3bn, 0x0dn, 0xf0n, 0x05n, 0xb1n]);
  });

  it('qemu: the ITS PIDR0 is 0x94 and PIDR2 is revision << 4 | 0x0B = 0x3B', () => {
    // §8.1 "PIDR0: ITS 0x94 ...; PIDR2 = revision << 4 | 0x0B" (GIC revision 3).
    const r = runAll('qemu', [{ actions: ['read32 its0+0xffe0', 'read32 its0+0xffe8'] }]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0x94n, 0x3bn]);
  });
});

describe('GITS_CTLR (§2.3, §5.2, §8.1)', () => {
  it('kvm: enabling is silently refused unless the device BASER, the collection BASER and CBASER are all valid', () => {
    // §2.3 GITS_CTLR (KVM): "enabling (0 -> 1) is silently refused unless the device BASER, the
    // collection BASER and CBASER all have Valid set".
    const r = runAll(
      'kvm',
      [
        { actions: ['write GITS_CTLR 1'], expect: ['expect reg GITS_CTLR & 1 == 0'] },
        { actions: [...TABLES, 'write GITS_CTLR 1'], expect: ['expect reg GITS_CTLR & 1 == 0'] },
        {
          actions: ['write64 GITS_BASER1 0x3c07000040110600', ...QUEUE, 'write GITS_CTLR 1'],
          expect: ['expect reg GITS_CTLR & 1 == 0'],
        },
        {
          actions: ['write64 GITS_BASER1 0xbc07000040110600', 'write GITS_CTLR 1'],
          expect: ['expect reg GITS_CTLR & 1 == 1'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('qemu: enabling is always allowed, even with no valid table or queue', () => {
    // §8.1 "GITS_CTLR enable: Always allowed. Invalid BASERs give 0-entry tables".
    const r = runAll(
      'qemu',
      [{ actions: ['write GITS_CTLR 1'], expect: ['expect reg GITS_CTLR & 1 == 1'] }],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('kvm: Quiescent is CREADR == CWRITER; enabling the ITS drains commands queued while it was off', () => {
    // §2.3 "Read: Quiescent (bit 31) is set when CREADR == CWRITER"; §5.2 "processing also happens on
    // every GITS_CTLR write, so enabling the ITS drains already-queued commands".
    const r = runAll(
      'kvm',
      [
        { actions: [...TABLES, ...QUEUE], expect: ['expect reg GITS_CTLR == 0x80000000'] },
        {
          actions: ['its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1'],
          expect: [
            'expect reg GITS_CTLR == 0',
            'expect reg GITS_CWRITER == 0x20',
            'expect reg GITS_CREADR == 0',
            'expect dte 2 absent',
          ],
        },
        {
          actions: ['write GITS_CTLR 1'],
          expect: [
            'expect reg GITS_CTLR == 0x80000001',
            'expect reg GITS_CREADR == 0x20',
            'expect dte 2 valid=1 size=7',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('qemu: Quiescent is set at reset and never cleared; enabling processes the queue', () => {
    // §8.1 "Quiescent: Set at reset; no code path clears it"; "Processing trigger: ... GITS_CTLR enable".
    const r = runAll(
      'qemu',
      [
        { actions: [...TABLES, ...QUEUE], expect: ['expect reg GITS_CTLR == 0x80000000'] },
        {
          actions: ['its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1'],
          expect: ['expect reg GITS_CTLR == 0x80000000', 'expect dte 2 absent'],
        },
        {
          actions: ['write GITS_CTLR 1'],
          expect: [
            'expect reg GITS_CTLR == 0x80000001',
            'expect reg GITS_CREADR == 0x20',
            'expect dte 2 valid=1 size=7',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });
});

describe('GITS_CBASER (§2.3, §8.1)', () => {
  /** Queue 0x40121000 (not 64 KiB aligned), InnerCache RaWaWb, Inner Shareable, 16 pages, Valid. */
  const CBASER = 'write64 GITS_CBASER 0xb80000004012140f';

  it('kvm: a write forces the queue address to 64 KiB alignment and resets CREADR and CWRITER to 0', () => {
    // §2.3 GITS_CBASER (KVM): "address bits [15:12] are forced to 0"; "Any write resets CREADR = 0 and
    // CWRITER = CREADR"; §8.1 "CREADR = CWRITER = 0; address forced 64 KiB aligned".
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            ...TABLES,
            ...QUEUE,
            'write GITS_CTLR 1',
            'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
            'write GITS_CTLR 0',
          ],
          expect: ['expect reg GITS_CREADR == 0x20', 'expect reg GITS_CWRITER == 0x20'],
        },
        {
          actions: [CBASER],
          expect: [
            'expect reg GITS_CBASER == 0xb80000004012040f',
            'expect reg GITS_CREADR == 0',
            'expect reg GITS_CWRITER == 0',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('qemu: a write resets CREADR to 0 and keeps CWRITER', () => {
    // §8.1 "CBASER write: Only while disabled; sets CREADR = 0 (CWRITER kept)".
    const r = runAll(
      'qemu',
      [
        {
          actions: [
            ...TABLES,
            ...QUEUE,
            'write GITS_CTLR 1',
            'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
            'write GITS_CTLR 0',
          ],
          expect: ['expect reg GITS_CREADR == 0x20', 'expect reg GITS_CWRITER == 0x20'],
        },
        { actions: [CBASER], expect: ['expect reg GITS_CREADR == 0', 'expect reg GITS_CWRITER == 0x20'] },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it.each(['kvm', 'qemu'] as const)('%s: CBASER writes are ignored while the ITS is enabled', (p) => {
    // §2.3 "Writes are ignored while the ITS is enabled"; §8.1 "Only while disabled".
    const r = runAll(p, [
      { actions: [CBASER, 'write64 GITS_CBASER 0'], expect: ['expect reg GITS_CBASER unchanged'] },
    ]);
    expect(r.failed).toEqual([]);
  });
});

describe('GITS_CWRITER and GITS_CREADR (§5.2, §8.1)', () => {
  /** Tables and a 4 KiB queue (Size = 0): offsets 0x0..0xFE0. */
  const SMALL_QUEUE = [...TABLES, 'write64 GITS_CBASER 0x8000000040120000', 'write GITS_CTLR 1'];

  it('kvm: a CWRITER offset at or beyond the queue size is ignored (CWRITER unchanged)', () => {
    // §5.2 "If the offset is >= the queue size ((CBASER.Size + 1) x 4 KiB), the write is ignored and
    // CWRITER is unchanged"; §8.1 "An out-of-range CWRITER write is ignored".
    const r = runAll(
      'kvm',
      [
        {
          actions: [...SMALL_QUEUE, 'write64 GITS_CWRITER 0x40'],
          expect: ['expect reg GITS_CWRITER == 0x40', 'expect reg GITS_CREADR == 0x40'],
        },
        {
          actions: ['write64 GITS_CWRITER 0x1000'],
          expect: ['expect reg GITS_CWRITER == 0x40', 'expect reg GITS_CREADR == 0x40'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('qemu: an out-of-range CWRITER is stored but nothing is processed', () => {
    // §8.1 "Out-of-range CWRITER/CREADR: The value is stored, but processing is refused (logged)".
    const r = runAll(
      'qemu',
      [
        {
          actions: [...SMALL_QUEUE, 'write64 GITS_CWRITER 0x40'],
          expect: ['expect reg GITS_CREADR == 0x40'],
        },
        {
          actions: ['write64 GITS_CWRITER 0x1000'],
          expect: ['expect reg GITS_CWRITER == 0x1000', 'expect reg GITS_CREADR == 0x40'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('kvm: CWRITER keeps only the Offset field (Retry is not stored)', () => {
    // §5.2 "masked to the Offset field [19:5] ... Retry (bit 0) is not stored". Slot 0 of the fresh
    // queue holds zeros (command 0, unknown), which KVM ignores.
    const r = runAll('kvm', [
      {
        actions: ['write64 GITS_CWRITER 0x21'],
        expect: ['expect reg GITS_CWRITER == 0x20', 'expect reg GITS_CREADR == 0x20'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });

  it('kvm: guest writes to GITS_CREADR are ignored', () => {
    // §2.3 GITS_CREADR (KVM): "Read-only to the guest".
    const r = runAll('kvm', [
      { actions: ['write64 GITS_CREADR 0x40'], expect: ['expect reg GITS_CREADR == 0'] },
    ]);
    expect(r.failed).toEqual([]);
  });

  it('qemu: a CREADR write clears Stalled (the written Stalled bit is dropped) and processing resumes from there', () => {
    // §8.1 "Stalled is cleared only by a CREADR write (allowed only if GICD_CTLR.DS; the written
    // Stalled bit is dropped) or a CBASER write". The stall: MAPTI's ITE write faults (ITT not in RAM).
    const r = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x100000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
        ],
        expect: ['expect reg GICD_CTLR & 0x40 == 0x40', 'expect reg GITS_CREADR == 0x21'],
      },
      { actions: ['write64 GITS_CREADR 0x41'], expect: ['expect reg GITS_CREADR == 0x40'] },
      {
        actions: ['its MAPC ICID=3 RDbase=3 V=1'],
        expect: ['expect reg GITS_CREADR == 0x60', 'expect cte 3 valid=1 target=3'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });
  it('qemu: a CBASER write (with the ITS disabled) clears Stalled: CREADR = 0', () => {
    // §8.1 "Stalled is cleared only by a CREADR write ... or a CBASER write (CREADR = 0)".
    const r = runAll('qemu', [
      {
        actions: [
          'its MAPD DeviceID=2 Size=7 ITT_addr=0x100000 V=1',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
        ],
        expect: ['expect reg GITS_CREADR == 0x21'],
      },
      {
        actions: ['write GITS_CTLR 0', 'write64 GITS_CBASER 0x800000004012000f'],
        expect: ['expect reg GITS_CREADR == 0', 'expect reg GITS_CWRITER == 0x40'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });
});

describe('GITS_BASER<n> (§2.3, §8.1)', () => {
  it('kvm: reset values: RaWb, SameAsInner, Inner Shareable, 64 KiB pages, Entry_Size 8 bytes, the Type; BASER2-7 read 0', () => {
    // §2.3 GITS_BASER (KVM): "Reset values: InnerCache = RaWb, OuterCache = SameAsInner, Inner
    // Shareable, 64 KiB pages, plus the Type"; "Entry_Size always reads 7"; BASER0 devices (Type 1),
    // BASER1 collections (Type 4); "BASER2-7 are RAZ/WI".
    const r = runAll('kvm', [{ actions: [0, 1, 2, 3, 4, 5, 6, 7].map((n) => `read64 GITS_BASER${n}`) }], {
      bringUp: false,
    });
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([
      // InnerCache [61:59] = RaWb = 0b011, Type [58:56], Entry_Size [52:48] = 7, Inner Shareable, 64K.
      0x1907000000000600n,
      0x1c07000000000600n,
      0n,
      0n,
      0n,
      0n,
      0n,
      0n,
    ]);
  });

  it.each(['kvm', 'qemu'] as const)('%s: Entry_Size and Type are read-only', (p) => {
    // §2.3 "Read-only parts: Entry_Size [52:48] and Type [58:56]"; §8.1 QEMU "Entry_Size and Type read-only".
    const r = runAll(
      p,
      [
        {
          actions: ['write64 GITS_BASER0 0x821f000040100200', 'write64 GITS_BASER1 0x831f000040110200'],
          expect: [
            'expect reg GITS_BASER0 & 0x071f000000000000 == 0x0107000000000000',
            'expect reg GITS_BASER1 & 0x071f000000000000 == 0x0407000000000000',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('kvm: Page_Size is forced to 64 KiB', () => {
    // §2.3 "Page_Size is forced to 64 KiB"; §8.1 "64K forced".
    const r = runAll(
      'kvm',
      [
        {
          actions: ['write64 GITS_BASER0 0xb907000040100400', 'write64 GITS_BASER1 0xbc07000040110500'],
          expect: ['expect reg GITS_BASER0 & 0x300 == 0x200', 'expect reg GITS_BASER1 & 0x300 == 0x200'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('qemu: Page_Size is honoured (4K and 16K stay as written)', () => {
    // §8.1 BASER (QEMU): "page size 4K/16K/64K honoured".
    const r = runAll(
      'qemu',
      [
        {
          actions: ['write64 GITS_BASER0 0x8107000040100000', 'write64 GITS_BASER1 0x8407000040110100'],
          expect: ['expect reg GITS_BASER0 & 0x300 == 0', 'expect reg GITS_BASER1 & 0x300 == 0x100'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it('kvm: the collection table can never be Indirect; the device table can', () => {
    // §2.3 "The collection table cannot be Indirect: bit 62 is cleared"; §8.1 "collection table always flat".
    const r = runAll(
      'kvm',
      [
        {
          actions: ['write64 GITS_BASER0 0xf907000040100600', 'write64 GITS_BASER1 0xfc07000040110600'],
          expect: [
            'expect reg GITS_BASER0 & 0x4000000000000000 == 0x4000000000000000',
            'expect reg GITS_BASER1 & 0x4000000000000000 == 0',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it.each(['kvm', 'qemu'] as const)('%s: BASER2..7 are RAZ/WI', (p) => {
    // §2.3 (KVM) "BASER2-7 are RAZ/WI"; §8.1 (QEMU) "BASER2 vPE (if virtual) ...; unimplemented BASERs RAZ/WI"
    // (a GICv3 QEMU ITS has no virtual support).
    const r = runAll(
      p,
      [
        {
          actions: ['write64 GITS_BASER2 0xffffffffffffffff', 'write64 GITS_BASER7 0x8000000040500000'],
          expect: ['expect reg GITS_BASER2 == 0', 'expect reg GITS_BASER7 == 0'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
  });

  it.each(['kvm', 'qemu'] as const)('%s: BASER writes are ignored while the ITS is enabled', (p) => {
    // §2.3 "Writes are ignored while the ITS is enabled"; §8.1 QEMU "writes only while disabled".
    const r = runAll(p, [
      {
        actions: ['write64 GITS_BASER0 0xb907000040500600', 'write64 GITS_BASER1 0'],
        expect: ['expect reg GITS_BASER0 unchanged', 'expect reg GITS_BASER1 unchanged'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });

  it('kvm: writing a BASER with Valid = 0 frees all devices (BASER0) or all collections (BASER1)', () => {
    // §2.3 "Writing a BASER with Valid = 0 frees all devices (BASER0) or all collections (BASER1)".
    const r = runAll('kvm', [
      {
        actions: [...MAP_2_20, 'its MAPC ICID=2 RDbase=2 V=1'],
        expect: ['expect dte 2 valid=1 size=7', 'expect cte 2 valid=1 target=2'],
      },
      {
        actions: [
          'write GITS_CTLR 0',
          'write64 GITS_BASER0 0x3907000040100600',
          'write64 GITS_BASER1 0x3c07000040110600',
          ...TABLES,
          'write GITS_CTLR 1',
        ],
        expect: [
          'expect reg GITS_CTLR & 1 == 1',
          'expect dte 2 absent',
          'expect ite 2 20 absent',
          'expect cte 2 absent',
          'expect cte 3 absent',
        ],
      },
    ]);
    expect(r.failed).toEqual([]);
  });
});

describe('access widths (§2.3)', () => {
  it('kvm: GITS_CTLR and GITS_IIDR are 32-bit only: other widths read as zero and write nothing', () => {
    // §2.3 "Access widths: CTLR, IIDR and the ID registers are 32-bit."
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            ...TABLES,
            ...QUEUE,
            'read64 its0+0x0',
            'read16 its0+0x4',
            'write64 its0+0x0 1',
            'write16 its0+0x0 1',
            'read32 its0+0x0',
            'read32 its0+0x4',
          ],
          expect: ['expect reg GITS_CTLR == 0x80000000', 'expect events mmio.bad == 4'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([
      ['GITS_CTLR', 0x80000000n],
      ['GITS_IIDR', 0x4b00043bn],
    ]);
  });

  it('kvm: TYPER, CBASER, CWRITER, CREADR and BASER accept 32- and 64-bit accesses', () => {
    // §2.3 "TYPER, CBASER, CWRITER, CREADR and BASER accept 32- or 64-bit accesses"; §5.2 "The new
    // value is merged into the 32- or 64-bit register".
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'write32 its0+0x100 0x40100600', // BASER0 low word
            'write32 its0+0x104 0xb9070000', // BASER0 high word: Valid
            'write32 its0+0x108 0x40110600',
            'write32 its0+0x10c 0xbc070000',
            'write32 its0+0x80 0x4012000f', // CBASER low word
            'write32 its0+0x84 0xb8000000', // CBASER high word: Valid, InnerCache RaWaWb
            'write GITS_CTLR 1',
          ],
          expect: [
            'expect reg GITS_BASER0 == 0xb907000040100600',
            'expect reg GITS_BASER1 == 0xbc07000040110600',
            'expect reg GITS_CBASER == 0xb80000004012000f',
            'expect reg GITS_CTLR & 1 == 1',
          ],
        },
        {
          actions: [
            'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
            'read32 its0+0x88',
            'read32 its0+0x8c',
            'read32 its0+0x90',
            'read32 its0+0x94',
            'read32 its0+0x8',
          ],
          expect: ['expect events mmio.bad == 0', 'expect dte 2 valid=1 size=7'],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(1)).toEqual([
      ['GITS_CWRITER', 0x20n],
      ['GITS_CWRITER', 0n],
      ['GITS_CREADR', 0x20n],
      ['GITS_CREADR', 0n],
      ['GITS_TYPER', 0x1ef71n],
    ]);
  });
});

describe('GITS_TRANSLATER (§2.3, §8.1)', () => {
  /** DeviceID 0 EventID 20 -> LPI 8195 on PE 3: a CPU's write carries requester ID 0 [inferred]. */
  const MAP_0_20 = [
    'lpi-config 8195 0xa3',
    'its MAPD DeviceID=0 Size=7 ITT_addr=0x40300000 V=1',
    'its MAPC ICID=3 RDbase=3 V=1',
    'its MAPTI DeviceID=0 EventID=20 pINTID=8195 ICID=3',
  ];

  it('kvm: the translation frame is not in the register table: a CPU write to GITS_TRANSLATER does nothing', () => {
    // §2.3 "GITS_TRANSLATER: KVM's register table has no entry for the translation frame. MSIs reach
    // the vITS only through KVM_SIGNAL_MSI, irqfd, or GICv4 hardware" [its.c] [inferred].
    const r = runAll('kvm', [
      { actions: MAP_0_20 },
      {
        actions: ['write32 GITS_TRANSLATER 20'],
        expect: ['expect deliveries none', 'expect not-pending rd3 8195', 'expect events mmio.bad == 1'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });

  it('qemu: a CPU write to GITS_TRANSLATER (4 or 2 bytes) is translated like an MSI', () => {
    // §2.3 "GITS_TRANSLATER ... The written data is the EventID; the DeviceID comes from the bus. QEMU
    // accepts 2- or 4-byte writes"; §8.1 "Translation input: GITS_TRANSLATER writes (2/4 bytes, only
    // while enabled)".
    const r = runAll('qemu', [
      { actions: MAP_0_20 },
      { actions: ['write32 GITS_TRANSLATER 20'], expect: ['expect deliveries cpu3:8195'] },
      { actions: ['write16 GITS_TRANSLATER 20'], expect: ['expect deliveries cpu3:8195'] },
    ]);
    expect(r.failed).toEqual([]);
  });

  it('qemu: GITS_TRANSLATER writes are dropped while the ITS is disabled', () => {
    // §8.1 "GITS_TRANSLATER writes (2/4 bytes, only while enabled)".
    const r = runAll('qemu', [
      { actions: MAP_0_20 },
      {
        actions: ['write GITS_CTLR 0', 'write32 GITS_TRANSLATER 20', 'write GITS_CTLR 1'],
        expect: ['expect deliveries none', 'expect not-pending rd3 8195'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });
});
