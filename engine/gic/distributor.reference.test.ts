/**
 * Reference tests for the distributor (GICD_*), profile by profile.
 *
 * The expectations come from ../shared/domain/gic-its-kvm-reference.md §1 (INTIDs, per-interrupt
 * configuration and KVM's reset defaults), §2.1 (the GICD register map with KVM's behaviour) and
 * §8.1 (QEMU's ID values), not from the engine's rule tables. Each test cites its section; facts the
 * reference marks as unverified, or that come from the brief rather than the reference, say so.
 *
 * The machine is driven through the command language (docs/command-language.md) in scenarios built
 * here, starting, where interrupts must be delivered, from the bring-up of
 * public/scenarios/conformance/kut-c27-its-int-dev2.json. Register values are checked exactly, with
 * `expect reg` lines or from the 'mmio.read' events of the reads a step makes.
 */

import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../scenario/loader';
import { ScenarioRun, type RunReport } from '../scenario/runner';

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
  /** Extra machine fields (cpus, its, spis...). */
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

function scenario(profile: Profile, steps: Step[], o: Options): ScenarioRun {
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

interface Run {
  run: ScenarioRun;
  /** Refused actions and failed expectations, as sentences. */
  failed: string[];
  /** The register reads a test step made, in order: [register, value]. */
  reads: (step: number) => [string, bigint][];
  /** The acknowledges of a test step that returned a real INTID, in order: 'cpuN:INTID'. */
  acks: (step: number) => string[];
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
  const log = run.machine.log;
  const range = (step: number): number[] => {
    const r = report.steps[step + first]!;
    return Array.from({ length: r.to - r.from }, (_, k) => r.from + k);
  };
  return {
    run,
    failed,
    reads: (step) =>
      range(step)
        .filter((s) => log.kindAt(s) === 'mmio.read')
        .map((s) => {
          const d = log.get(s)!.data as { reg: string; value: string };
          return [d.reg, BigInt(d.value)];
        }),
    acks: (step) =>
      range(step)
        .filter((s) => log.kindAt(s) === 'icc.ack')
        .map((s) => log.get(s)!)
        .filter((e) => (e.data as { intid: number }).intid !== 1023)
        .map((e) => `cpu${e.cpu}:${(e.data as { intid: number }).intid}`),
    count: (step, kind) => range(step).filter((s) => log.kindAt(s) === kind).length,
  };
}

/** SPI 40: Group 1 (bring-up), enabled, priority 0xA0, edge-triggered (GICD_ICFGR2 bit 17). */
const SPI40_EDGE = ['write GICD_ISENABLER1 0x100', 'write8 gicd+0x428 0xa0', 'write GICD_ICFGR2 0x20000'];

// ---------------------------------------------------------------- tests

describe('GICD_CTLR (§2.1)', () => {
  it('kvm: a write stores EnableGrp1 only; ARE (bit 4) and DS (bit 6) always read as 1', () => {
    // §2.1 GICD_CTLR (KVM): "Reads return EnableGrp1 (bit 1) when the distributor is enabled, ARE
    // (bit 4) and DS (bit 6) always ... A write sets dist->enabled from bit 1 only".
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'read GICD_CTLR',
            'write GICD_CTLR 0x3',
            'read GICD_CTLR',
            'write GICD_CTLR 0x1',
            'read GICD_CTLR',
            'write GICD_CTLR 0x13',
            'read GICD_CTLR',
            'write GICD_CTLR 0',
            'read GICD_CTLR',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0x50n, 0x52n, 0x50n, 0x52n, 0x50n]);
  });

  it('kvm: Group 0 has no separate enable: with only EnableGrp1 written, a pending Group 0 SPI is forwarded', () => {
    // §2.1 GICD_CTLR (KVM): "A write sets dist->enabled from bit 1 only; Group 0 has no separate
    // enable"; §6.3: the oracle only asks whether the distributor is enabled [inferred: a Group 0
    // interrupt is then presented to the guest's CPU interface, where ICC_HPPIR0_EL1 shows it].
    const r = runAll('kvm', [
      {
        actions: [
          'software cpu0 masked',
          'write GICD_CTLR 0x2',
          'write GICD_IGROUPR1 0xfffffeff', // SPI 40 in Group 0
          ...SPI40_EDGE,
          'cpu0 write ICC_IGRPEN0_EL1 1',
          'write GICD_ISPENDR1 0x100',
        ],
        expect: ['expect reg GICD_CTLR == 0x52', 'expect icc cpu0 ICC_HPPIR0_EL1 == 40'],
      },
    ]);
    expect(r.failed).toEqual([]);
  });
});

describe('GICD_TYPER (§2.1, §1.1)', () => {
  it('kvm: 224 SPIs with an ITS read 0x007A0007', () => {
    // §2.1 "ITLinesNumber [4:0] = (nr_spis + 32)/32 - 1. IDbits [23:19] = 15 with an ITS ... LPIS (bit
    // 17) is set with an ITS. Example: 224 SPIs plus an ITS gives 0x007A0007." §6.12: 224 is the default.
    const r = runAll('kvm', [{ actions: ['read GICD_TYPER'] }], { bringUp: false });
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GICD_TYPER', 0x007a0007n]]);
  });

  it('kvm: 256 SPIs give ITLinesNumber 8', () => {
    // §2.1 ITLinesNumber = (256 + 32)/32 - 1 = 8.
    const r = runAll('kvm', [{ actions: ['read GICD_TYPER'] }], { bringUp: false, machine: { spis: 256 } });
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GICD_TYPER', 0x007a0008n]]);
  });

  it('kvm: without an ITS, IDbits is 9 and LPIS is 0 (0x00480007)', () => {
    // §2.1 "IDbits [23:19] = 15 with an ITS (9 without). LPIS (bit 17) is set with an ITS."
    const r = runAll('kvm', [{ actions: ['read GICD_TYPER'] }], { bringUp: false, machine: { its: [] } });
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GICD_TYPER', 0x00480007n]]);
  });

  it('kvm: neither ESPI nor the extended-SPI range is reported', () => {
    // §1.1 "KVM's emulated GICD_TYPER sets neither ESPI nor the extended PPI fields".
    const r = runAll('kvm', [{ expect: ['expect reg GICD_TYPER & 0xf8000100 == 0'] }], { bringUp: false });
    expect(r.failed).toEqual([]);
  });

  it('qemu: IDbits is 15 (16-bit INTIDs)', () => {
    // §1.1 "QEMU also uses 16 bits (GICD_TYPER_IDBITS field = 0xF)".
    const r = runAll('qemu', [{ expect: ['expect reg GICD_TYPER & 0xf80000 == 0x780000'] }], {
      bringUp: false,
    });
    expect(r.failed).toEqual([]);
  });
});

describe('GICD_IIDR, GICD_STATUSR and the ID registers (§2.1, §8.1)', () => {
  it('kvm: GICD_IIDR is 0x4B00343B (ProductID K, revision 3, Arm)', () => {
    // §2.1 "ProductID [31:24] = 0x4B ... Revision [15:12] = implementation_rev (default 3) ... rev 3 reads 0x4B00343B".
    const r = runAll('kvm', [{ actions: ['read GICD_IIDR'] }], { bringUp: false });
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GICD_IIDR', 0x4b00343bn]]);
  });

  it('qemu: GICD_IIDR is 0x43B', () => {
    // §8.1 "IIDR / IDs: IIDR 0x43B" (the row covers QEMU's GIC frames; it is written in the ITS table,
    // so this reading of it is an interpretation).
    const r = runAll('qemu', [{ actions: ['read GICD_IIDR'] }], { bringUp: false });
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([['GICD_IIDR', 0x43bn]]);
  });

  it('kvm: GICD_PIDR2 reads 0x3B and every other ID register reads 0', () => {
    // §2.1 "ID registers ... KVM: PIDR2 (0xFFE8) reads 0x3B; all others read 0."
    const offsets = [
      0xffd0, 0xffd4, 0xffd8, 0xffdc, 0xffe0, 0xffe4, 0xffe8, 0xffec, 0xfff0, 0xfff4, 0xfff8, 0xfffc,
    ];
    const r = runAll('kvm', [{ actions: offsets.map((o) => `read32 gicd+0x${o.toString(16)}`) }], {
      bringUp: false,
    });
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0n, 0n, 0n, 0n, 0n, 0n, 0x3bn, 0n, 0n, 0n, 0n, 0n]);
  });

  it('qemu: the distributor PIDR0 is 0x92 and PIDR2 is 0x3B', () => {
    // §8.1 "PIDR0: ITS 0x94, distributor 0x92, redistributor 0x93; PIDR2 = revision << 4 | 0x0B".
    const r = runAll('qemu', [{ actions: ['read32 gicd+0xffe0', 'read32 gicd+0xffe8'] }], { bringUp: false });
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0x92n, 0x3bn]);
  });

  it('kvm: GICD_STATUSR reads all ones and ignores writes', () => {
    // §2.1 "GICD_STATUSR: Reads return all ones (read_rao) in this KVM version; writes ignored."
    const r = runAll(
      'kvm',
      [{ actions: ['read GICD_STATUSR', 'write GICD_STATUSR 0', 'read GICD_STATUSR'] }],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0xffffffffn, 0xffffffffn]);
  });
});

describe('GICD_IROUTER<n> (§1.2, §2.1)', () => {
  it('kvm: only Aff2.Aff1.Aff0 (bits [23:0]) are kept; Aff3 and IRM are RAZ/WI; 32- and 64-bit accesses work', () => {
    // §1.2 "KVM keeps only Aff2.Aff1.Aff0 (bits [23:0]). The upper 32 bits (Aff3 and the IRM bit 31)
    // are RAZ/WI"; §2.1 "32- or 64-bit access. Only bits [23:0] are stored."
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'write64 GICD_IROUTER40 0x000000ff80010203',
            'read64 GICD_IROUTER40',
            'write32 GICD_IROUTER41 0x80030201',
            'write32 GICD_IROUTER41+4 0xff',
            'read32 GICD_IROUTER41',
            'read32 GICD_IROUTER41+4',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0)).toEqual([
      ['GICD_IROUTER40', 0x10203n],
      ['GICD_IROUTER41', 0x30201n],
      ['GICD_IROUTER41', 0n],
    ]);
  });

  it.each(PROFILES)(
    '%s: an SPI goes to the PE whose affinity GICD_IROUTER names (Aff2 and Aff1 included)',
    (p) => {
      // §1.2 Routing: "SPIs are routed by GICD_IROUTER<n>"; "The target vCPU is found from the affinity
      // value (kvm_mpidr_to_vcpu)".
      const r = runAll(
        p,
        [
          {
            actions: [...SPI40_EDGE, 'write64 GICD_IROUTER40 0x10000', 'line 40 pulse'],
            expect: ['expect deliveries cpu2:40'],
          },
          {
            actions: ['write64 GICD_IROUTER40 0x100', 'line 40 pulse'],
            expect: ['expect deliveries cpu1:40'],
          },
          { actions: ['write64 GICD_IROUTER40 0x1', 'line 40 pulse'], expect: ['expect deliveries cpu3:40'] },
        ],
        { machine: { cpus: ['0.0.0.0', '0.0.1.0', '0.1.0.0', '0.0.0.1'] } },
      );
      expect(r.failed).toEqual([]);
    },
  );
});

describe('GICD_IPRIORITYR<n> (§1.2, §2.1)', () => {
  it('kvm: priorities keep their 5 implemented bits (mask 0xF8), for 32- and 8-bit writes', () => {
    // §1.2 "KVM defines VGIC_PRI_BITS = 5. It is presumably used to mask written priorities; this is
    // in vgic-mmio.c, which was not read" (unverified in the reference; the brief states 0xF8).
    // §2.1 "IPRIORITYR ... 8- or 32-bit accesses".
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'write GICD_IPRIORITYR8 0xffffffff',
            'read GICD_IPRIORITYR8',
            'write8 gicd+0x421 0x0f',
            'read GICD_IPRIORITYR8',
          ],
        },
      ],
      {
        bringUp: false,
      },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0xf8f8f8f8n, 0xf8f808f8n]);
  });

  it('qemu: all 8 priority bits are kept', () => {
    // From the brief ("QEMU keeps 8 bits"); the reference does not describe QEMU's IPRIORITYR.
    const r = runAll(
      'qemu',
      [
        {
          actions: [
            'write GICD_IPRIORITYR8 0xffffffff',
            'read GICD_IPRIORITYR8',
            'write8 gicd+0x421 0x0f',
            'read GICD_IPRIORITYR8',
          ],
        },
      ],
      {
        bringUp: false,
      },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0xffffffffn, 0xffff0fffn]);
  });
});

describe('GICD_ICFGR<n> (§1.2)', () => {
  it.each(PROFILES)('%s: SPI trigger modes are programmable (the upper bit of each pair means edge)', (p) => {
    // §1.2 "ICFGR has 2 bits per INTID; the upper bit of each pair set means edge" [spec].
    const r = runAll(
      p,
      [
        {
          actions: [
            'write GICD_ICFGR2 0x80020000',
            'read GICD_ICFGR2',
            'write GICD_ICFGR2 0',
            'read GICD_ICFGR2',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0x80020000n, 0n]);
  });
});

describe('the private interrupts in the distributor (§2.1)', () => {
  it('kvm: the first 32 bits of IGROUPR, ISENABLER, ISPENDR and ISACTIVER are RAZ/WI', () => {
    // §2.1 "IGROUPR<n>: The first 32 bits (private IRQs) are RAZ/WI in the distributor"; ISENABLER,
    // ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER: "Same private-IRQ rule".
    const r = runAll('kvm', [
      {
        actions: [
          'software all masked',
          'write GICD_IGROUPR0 0',
          'write GICD_ISENABLER0 0xffffffff',
          'write GICD_ISPENDR0 0xffffffff',
          'write GICD_ISACTIVER0 0xffffffff',
          'read GICD_IGROUPR0',
          'read GICD_ISENABLER0',
          'read GICD_ISPENDR0',
          'read GICD_ISACTIVER0',
        ],
        expect: [
          'expect reg rd0 GICR_ISPENDR0 == 0',
          'expect reg rd0 GICR_ISACTIVER0 == 0',
          'expect reg rd0 GICR_IGROUPR0 == 0xffffffff',
          'expect reg rd0 GICR_ISENABLER0 == 0xffff',
        ],
      },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0n, 0n, 0n, 0n]);
  });

  it('kvm: GICD_ITARGETSR and GICD_IGRPMODR are RAZ/WI', () => {
    // §2.1 "ITARGETSR: RAZ/WI (GICv2 register; RES0 when ARE = 1)"; "IGRPMODR: RAZ/WI"; §1.2 DS = 1.
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'write GICD_ITARGETSR8 0x01010101',
            'read GICD_ITARGETSR8',
            'write GICD_IGRPMODR1 0xffffffff',
            'read GICD_IGRPMODR1',
          ],
        },
      ],
      {
        bringUp: false,
      },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0n, 0n]);
  });
});

describe('KVM reset state of the SPIs (§1.2, §6.12)', () => {
  it('kvm: SPIs reset in Group 1, disabled, priority 0, routed to affinity 0', () => {
    // §1.2 "With a v3 model, KVM's default is group 1 for SGIs, PPIs and SPIs"; §6.12 "SPIs: target_vcpu
    // = vCPU0, mpidr = 0, group = 1 (v3), disabled, priority 0".
    const r = runAll(
      'kvm',
      [
        {
          actions: [
            'read GICD_IGROUPR1',
            'read GICD_ISENABLER1',
            'read GICD_IPRIORITYR8',
            'read64 GICD_IROUTER32',
          ],
        },
      ],
      { bringUp: false },
    );
    expect(r.failed).toEqual([]);
    expect(r.reads(0).map(([, v]) => v)).toEqual([0xffffffffn, 0n, 0n, 0n]);
  });
});
