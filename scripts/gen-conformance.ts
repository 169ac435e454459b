/**
 * Writes public/scenarios/conformance/*.json: the kvm-unit-tests GIC/ITS cases
 * (../shared/conformance/kvm-unit-tests.md) as scenario files that drive the machine the way the
 * tests drive real hardware: the same register writes, memory writes and ITS commands, in the
 * same order, with the same handler. The files are the product; this script only saves typing
 * the common procedures (S1, S2, S5, S7) into each. `npm run gen` (or `npx tsx
 * scripts/gen-conformance.ts`) rewrites them and a test fails if a committed file differs from
 * what this script produces.
 *
 * Layout of the test's memory (its page allocator hands out zeroed RAM from 0x40000000 on QEMU's
 * virt board; these addresses stand in for its allocations):
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveMachine } from '../engine/platform/machine-config';
import { Machine } from '../engine/platform/machine';
import { peek } from '../engine/platform/bus';

const LAYOUT = {
  deviceTable: 0x4010_0000,
  collectionTable: 0x4011_0000,
  commandQueue: 0x4012_0000,
  propTable: 0x4013_0000,
  pendTable: (cpu: number): number => 0x4020_0000 + cpu * 0x1_0000,
  itt: (k: number): number => 0x4030_0000 + k * 0x1000,
};

const hex = (v: number | bigint): string => '0x' + v.toString(16);
const SOURCE =
  'kvm-unit-tests arm/gic.c, lib/arm/gic-v3.c, lib/arm64/gic-v3-its*.c @1da1819e (../shared/conformance/kvm-unit-tests.md)';

type Profile = 'kvm' | 'qemu';

/** GITS_BASER<n> reset values under the profile, as the test reads them. */
function baserResets(profile: Profile): bigint[] {
  const r = resolveMachine({ profile });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine);
  return Array.from({ length: 8 }, (_, n) => peek(m, r.machine.its[0]!.base + 0x100 + 8 * n, 64) ?? 0n);
}

/** S1: its_init at discovery time (every GICv3 test). */
function s1(profile: Profile): string[] {
  const reset = baserResets(profile);
  const valid = 1n << 63n;
  return [
    '# its_parse_typer',
    'read64 GITS_TYPER',
    '# its_baser_lookup: scan BASER0..7 for the Device (type 1) and Collection (type 4) tables',
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `read64 GITS_BASER${n}`),
    '# write back the value read | the 64 KiB table address | Valid; Size stays 0 (one page)',
    `write64 GITS_BASER0 ${hex(reset[0]! | BigInt(LAYOUT.deviceTable) | valid)}`,
    `write64 GITS_BASER1 ${hex(reset[1]! | BigInt(LAYOUT.collectionTable) | valid)}`,
    '# the command queue: 64 KiB (Size = 15: sixteen 4 KiB pages), Valid',
    `write64 GITS_CBASER ${hex(BigInt(LAYOUT.commandQueue) | 0xfn | valid)}`,
    'write64 GITS_CWRITER 0',
  ];
}

/** S2: gicv3_enable_defaults on one CPU (irq_nr = 288 on QEMU's virt board). */
function s2(cpu: number, irqNr = 288): string[] {
  const groupLoop: string[] = [];
  // The library's loop steps 4 bytes at a time up to irq_nr, so it runs past IGROUPR into
  // ISENABLER and ICENABLER (see the conformance notes, S2 step 4).
  for (let i = 0; i < irqNr; i += 4) groupLoop.push(`write32 gicd+${hex(0x80 + i)} 0xffffffff`);
  return [
    `# gicv3_enable_defaults on CPU ${cpu}`,
    'read GICD_TYPER',
    'write GICD_CTLR 0',
    'read GICD_CTLR',
    'write GICD_CTLR 0x13',
    'read GICD_CTLR',
    ...groupLoop,
    `# find this CPU's redistributor: walk GICR_TYPER until the affinity matches`,
    ...Array.from({ length: cpu + 1 }, (_, r) => `read64 rd${r} GICR_TYPER`),
    `write rd${cpu} GICR_IGROUPR0 0xffffffff`,
    ...[0, 1, 2, 3].map((n) => `write rd${cpu} GICR_IPRIORITYR${n} 0xa0a0a0a0`),
    `write rd${cpu} GICR_ISENABLER0 0x0000ffff`,
    `cpu${cpu} write ICC_PMR_EL1 0xf0`,
    `cpu${cpu} write ICC_IGRPEN1_EL1 1`,
  ];
}

/** S5: its_enable_defaults on CPU 0. */
function s5(cpus: number): string[] {
  const all = [...Array(cpus).keys()];
  return [
    '# one property table for everyone: IDbits = 13 (14-bit INTIDs)',
    ...all.map((c) => `write64 rd${c} GICR_PROPBASER ${hex(LAYOUT.propTable | 13)}`),
    '# a pending table per redistributor (PTZ = 0)',
    ...all.map((c) => `write64 rd${c} GICR_PENDBASER ${hex(LAYOUT.pendTable(c))}`),
    ...all.map((c) => `write rd${c} GICR_CTLR |= 1`),
    'write GITS_CTLR 1',
  ];
}

/** One ITS command as the library posts it: into the queue, CWRITER, then a CREADR poll. */
const cmd = (text: string): string[] => [`its ${text}`, 'read64 GITS_CREADR'];

/** S7: its_setup1. */
function s7(): string[] {
  return [
    'lpi-config 8195 0xa3',
    'lpi-config 8196 0xa3',
    ...cmd(`MAPD DeviceID=2 Size=7 ITT_addr=${hex(LAYOUT.itt(0))} V=1`),
    ...cmd(`MAPD DeviceID=7 Size=7 ITT_addr=${hex(LAYOUT.itt(1))} V=1`),
    ...cmd('MAPC ICID=3 RDbase=3 V=1'),
    ...cmd('MAPC ICID=2 RDbase=2 V=1'),
    ...cmd('INVALL ICID=2'),
    ...cmd('INVALL ICID=3'),
    ...cmd('MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3'),
    ...cmd('MAPTI DeviceID=7 EventID=255 pINTID=8196 ICID=2'),
  ];
}

interface Step {
  title: string;
  narration?: string;
  actions: string[];
  expect?: string[];
}

interface Case {
  file: string;
  id: string;
  caseId: string;
  test: string;
  report: string;
  title: string;
  summary: string;
  cpus: number;
  software?: Record<string, string>;
  steps: Step[];
}

function scenario(c: Case): object {
  return {
    $schema: '../../../docs/scenario.schema.json',
    format: 'giclab-scenario/1',
    id: c.id,
    title: c.title,
    summary: c.summary,
    conformance: { suite: 'kvm-unit-tests', case: c.caseId, test: c.test, report: c.report, source: SOURCE },
    machine: { profile: 'kvm', cpus: c.cpus, spis: 256, ...(c.software ? { software: c.software } : {}) },
    steps: c.steps.map((s) => ({
      title: s.title,
      ...(s.narration ? { narration: s.narration } : {}),
      actions: s.actions,
      expect: s.expect ?? [],
    })),
  };
}

const itsInit: Step = {
  title: 'S1: discover the ITS and give it its tables',
  narration:
    'gic_init runs its_init: read GITS_TYPER, find the Device and Collection tables among GITS_BASER0..7, give each a 64 KiB table and mark it Valid, then give the ITS a 64 KiB command queue. The ITS is not enabled yet.',
  actions: s1('kvm'),
};

function allCpusSetup(cpus: number): Step {
  return {
    title: 'S4 on every CPU: distributor, redistributor and CPU interface defaults',
    narration:
      'Each CPU runs setup_irq: the distributor is reset and enabled for Group 1, its SGIs get priority 0xA0 and are enabled, PMR = 0xF0 and Group 1 is enabled at the CPU interface.',
    actions: [...Array(cpus).keys()].flatMap((c) => s2(c)),
  };
}

/** its_prerequisites(4): S1 (at boot), S4 on every CPU, then S5. */
function itsPrerequisites(): Step[] {
  return [
    itsInit,
    allCpusSetup(4),
    {
      title: 'S5: LPIs on, ITS on',
      narration:
        'CPU 0 gives every redistributor the shared property table (IDbits = 13) and its own pending table, sets GICR_CTLR.EnableLPIs everywhere, then enables the ITS.',
      actions: s5(4),
    },
  ];
}

/** its_setup1: its_prerequisites(4), then S7. */
function itsPrereq(): Step[] {
  return [
    ...itsPrerequisites(),
    {
      title: 'S7: map two devices (its_setup1)',
      narration:
        'Devices 2 and 7 get an ITT each (MAPD Size = 7: 8 EventID bits), collection 3 goes to PE 3 and collection 2 to PE 2, and two events are mapped: (2, 20) -> LPI 8195 in collection 3, (7, 255) -> LPI 8196 in collection 2. LPIs 8195 and 8196 are enabled with priority 0xA0 (0xA3) in the property table first.',
      actions: s7(),
      expect: [
        'expect ite 2 20 intid=8195 icid=3',
        'expect ite 7 255 intid=8196 icid=2',
        'expect cte 3 valid=1 target=3',
        'expect cte 2 valid=1 target=2',
      ],
    },
  ];
}

const readonly32 = (reg: string, orig: 'probe'): string[] => {
  void orig;
  // test_readonly_32: read the original, then write each pattern that differs from it and read back.
  return [
    `read32 ${reg}`,
    ...['0xffffffff', '0xa5a55a5a', '0x00000000'].flatMap((p) => [`write32 ${reg} ${p}`, `read32 ${reg}`]),
  ];
};

const ipiSetup = (cpus: number): Step[] => [itsInit, allCpusSetup(cpus)];

/** The public cases C1-C4, C22-C28 and C32 of the conformance notes. */
const PUBLIC_CASES: Case[] = [
  {
    file: 'kut-c01-ipi-self.json',
    id: 'kut-c01-ipi-self',
    caseId: 'C1',
    test: 'gicv3-ipi',
    report: 'gicv3: ipi: self: Interrupts received',
    title: 'kvm-unit-tests C1: an SGI to yourself',
    summary:
      'CPU 1 writes ICC_SGI1R_EL1 with its own Aff0 in the target list; it, and only it, takes SGI 1 once.',
    cpus: 8,
    steps: [
      ...ipiSetup(8),
      {
        title: 'C1: CPU 1 sends SGI 1 to itself',
        narration:
          "TargetList = 1 << Aff0(CPU 1) = 0x2, INTID field [27:24] = 1, Aff1/Aff2/Aff3 = CPU 1's (all 0), IRM = 0.",
        actions: ['cpu1 write ICC_SGI1R_EL1 0x0000000001000002'],
        expect: ['expect deliveries cpu1:1'],
      },
    ],
  },
  {
    file: 'kut-c02-ipi-target-list.json',
    id: 'kut-c02-ipi-target-list',
    caseId: 'C2',
    test: 'gicv3-ipi',
    report: 'gicv3: ipi: target-list: Interrupts received',
    title: 'kvm-unit-tests C2: an SGI to a target list',
    summary:
      'CPU 1 sends SGI 1 to every even CPU with one ICC_SGI1R_EL1 write (TargetList 0x55); each even CPU takes it once, the odd ones nothing.',
    cpus: 8,
    steps: [
      ...ipiSetup(8),
      {
        title: 'C2: CPU 1 sends SGI 1 to CPUs 0, 2, 4, 6',
        narration:
          'All eight CPUs are in cluster 0 (Aff1 = Aff2 = Aff3 = 0), so one write covers them: TargetList = 0b01010101.',
        actions: ['cpu1 write ICC_SGI1R_EL1 0x0000000001000055'],
        expect: ['expect deliveries cpu0:1 cpu2:1 cpu4:1 cpu6:1'],
      },
    ],
  },
  {
    file: 'kut-c03-ipi-broadcast.json',
    id: 'kut-c03-ipi-broadcast',
    caseId: 'C3',
    test: 'gicv3-ipi',
    report: 'gicv3: ipi: broadcast: Interrupts received',
    title: 'kvm-unit-tests C3: an SGI to everyone else',
    summary:
      'With IRM = 1 the SGI goes to every PE except the sender: CPUs 0 and 2..7 take SGI 1 once, CPU 1 nothing.',
    cpus: 8,
    steps: [
      ...ipiSetup(8),
      {
        title: 'C3: CPU 1 broadcasts SGI 1 (IRM = 1)',
        actions: ['cpu1 write ICC_SGI1R_EL1 0x0000010001000000'],
        expect: ['expect deliveries cpu0:1 cpu2:1 cpu3:1 cpu4:1 cpu5:1 cpu6:1 cpu7:1'],
      },
    ],
  },
  {
    file: 'kut-c04-active-self.json',
    id: 'kut-c04-active-self',
    caseId: 'C4',
    test: 'gicv3-active',
    report: 'gicv3: active: self: Interrupts received',
    title: 'kvm-unit-tests C4: deactivating through ICACTIVER instead of EOI',
    summary:
      "CPU 0 sends itself SGI 1; its handler acknowledges it and writes the SGI's bit to GICR_ICACTIVER0 instead of EOIR. It is taken once and does not fire again; the priority is never dropped.",
    cpus: 4,
    software: { '0': 'deactivate-icactiver', '1': 'masked', '2': 'masked', '3': 'masked' },
    steps: [
      itsInit,
      { title: 'S4 on CPU 0 only (the secondaries are never started)', actions: s2(0) },
      {
        title: 'C4: CPU 0 sends SGI 1 to itself',
        narration:
          'The handler reads ICC_IAR1_EL1 (SGI 1 becomes active, the running priority becomes 0xA0) and writes 0x2 to GICR_ICACTIVER0: SGI 1 is inactive again, but no EOI means no priority drop.',
        actions: ['cpu0 write ICC_SGI1R_EL1 0x0000000001000001'],
        expect: [
          'expect deliveries cpu0:1',
          'expect reg rd0 GICR_ISACTIVER0 & 0x2 == 0',
          'expect icc cpu0 ICC_RPR_EL1 == 0xa0',
        ],
      },
    ],
  },
  {
    file: 'kut-c22-its-iidr-readonly.json',
    id: 'kut-c22-its-iidr-readonly',
    caseId: 'C22',
    test: 'its-introspection',
    report: 'gicv3: its-introspection: GITS_IIDR is read-only',
    title: 'kvm-unit-tests C22: GITS_IIDR is read-only',
    summary: 'Writing 0xffffffff, 0xa5a55a5a and 0 to GITS_IIDR changes nothing it reads back.',
    cpus: 4,
    steps: [
      itsInit,
      {
        title: 'C22: try to change GITS_IIDR',
        actions: readonly32('GITS_IIDR', 'probe'),
        expect: ['expect reg GITS_IIDR unchanged', 'expect events mmio.bad reg=GITS_IIDR write=true == 3'],
      },
    ],
  },
  {
    file: 'kut-c23-its-typer-readonly.json',
    id: 'kut-c23-its-typer-readonly',
    caseId: 'C23',
    test: 'its-introspection',
    report: 'gicv3: its-introspection: GITS_TYPER is read-only',
    title: 'kvm-unit-tests C23: GITS_TYPER is read-only',
    summary: 'Writing patterns to the low word of GITS_TYPER with 32-bit accesses changes nothing.',
    cpus: 4,
    steps: [
      itsInit,
      {
        title: 'C23: try to change GITS_TYPER (low word)',
        actions: readonly32('GITS_TYPER', 'probe'),
        expect: ['expect reg32 GITS_TYPER unchanged', 'expect reg GITS_TYPER unchanged'],
      },
    ],
  },
  {
    file: 'kut-c24-its-physical-lpis.json',
    id: 'kut-c24-its-physical-lpis',
    caseId: 'C24',
    test: 'its-introspection',
    report: 'gicv3: its-introspection: ITS supports physical LPIs',
    title: 'kvm-unit-tests C24: the ITS supports physical LPIs',
    summary: 'GITS_TYPER.Physical (bit 0) is 1.',
    cpus: 4,
    steps: [
      itsInit,
      {
        title: 'C24: GITS_TYPER.Physical',
        actions: ['read64 GITS_TYPER'],
        expect: ['expect reg GITS_TYPER & 0x1 == 0x1'],
      },
    ],
  },
  {
    file: 'kut-c25-its-id-spaces.json',
    id: 'kut-c25-its-id-spaces',
    caseId: 'C25',
    test: 'its-introspection',
    report: 'gicv3: its-introspection: ID spaces',
    title: 'kvm-unit-tests C25: the ID spaces are not empty',
    summary:
      'EventID, DeviceID and collection ID bits are each field + 1, so always at least 1; the test passes once GITS_TYPER decodes. The model also checks the values KVM reports: 16 EventID bits, 16 DeviceID bits, CIL = 0 (16 collection bits).',
    cpus: 4,
    steps: [
      itsInit,
      {
        title: 'C25: decode GITS_TYPER',
        actions: ['read64 GITS_TYPER'],
        expect: [
          'expect events mmio.read reg=GITS_TYPER == 1',
          'expect reg GITS_TYPER & 0x1f00 == 0xf00',
          'expect reg GITS_TYPER & 0x3e000 == 0x1e000',
          'expect reg GITS_TYPER & 0x1000000000 == 0',
        ],
      },
    ],
  },
  {
    file: 'kut-c26-its-basers.json',
    id: 'kut-c26-its-basers',
    caseId: 'C26',
    test: 'its-introspection',
    report: 'gicv3: its-introspection: detect device and collection BASER',
    title: 'kvm-unit-tests C26: a Device and a Collection table with 64 KiB pages',
    summary:
      'The real check is in its_init: a GITS_BASER of Type 1 (Device) and one of Type 4 (Collection), both with 64 KiB pages (Page_Size = 2), 8-byte entries.',
    cpus: 4,
    steps: [
      itsInit,
      {
        title: 'C26: the two tables the test found',
        actions: [],
        expect: [
          'expect reg GITS_BASER0 & 0x071f000000000300 == 0x0107000000000200',
          'expect reg GITS_BASER1 & 0x071f000000000300 == 0x0407000000000200',
          'expect reg GITS_BASER0 & 0x8000000000000000 == 0x8000000000000000',
        ],
      },
    ],
  },
  {
    file: 'kut-c27-its-int-dev2.json',
    id: 'kut-c27-its-int-dev2',
    caseId: 'C27',
    test: 'its-trigger',
    report: 'gicv3: its-trigger: int: dev=2, eventid=20  -> lpi= 8195, col=3',
    title: 'kvm-unit-tests C27: INT on (2, 20) reaches PE 3 as LPI 8195',
    summary:
      'After its_setup1, CPU 0 issues INT DeviceID 2 EventID 20: PE 3 takes LPI 8195 exactly once and nobody else takes anything.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      {
        title: 'C27: INT DeviceID 2 EventID 20',
        actions: cmd('INT DeviceID=2 EventID=20'),
        expect: ['expect deliveries cpu3:8195'],
      },
    ],
  },
  {
    file: 'kut-c28-its-int-dev7.json',
    id: 'kut-c28-its-int-dev7',
    caseId: 'C28',
    test: 'its-trigger',
    report: 'gicv3: its-trigger: int: dev=7, eventid=255 -> lpi= 8196, col=2',
    title: 'kvm-unit-tests C28: INT on (7, 255) reaches PE 2 as LPI 8196',
    summary: 'EventID 255 is valid because MAPD Size = 7 means 8 EventID bits: PE 2 takes LPI 8196 once.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      {
        title: 'C27 first, as the test runs it',
        actions: cmd('INT DeviceID=2 EventID=20'),
        expect: ['expect deliveries cpu3:8195'],
      },
      {
        title: 'C28: INT DeviceID 7 EventID 255',
        actions: cmd('INT DeviceID=7 EventID=255'),
        expect: ['expect deliveries cpu2:8196'],
      },
    ],
  },
  {
    file: 'kut-c32-its-mapd-unmapped.json',
    id: 'kut-c32-its-mapd-unmapped',
    caseId: 'C32',
    test: 'its-trigger',
    report: 'gicv3: its-trigger: mapd valid=false: no LPI after device unmap',
    title: 'kvm-unit-tests C32: no LPI after the device is unmapped',
    summary:
      'MAPD DeviceID 2 with V = 0, then INT (2, 20): the INT is an error that KVM drops, the queue still moves on (CREADR advances), and no CPU takes anything.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      {
        title: 'C32: unmap device 2, then INT (2, 20)',
        narration:
          'The INT must still be consumed: the library polls GITS_CREADR and would abort with "INT timeout!" if the queue stalled.',
        actions: [
          ...cmd(`MAPD DeviceID=2 Size=7 ITT_addr=${hex(LAYOUT.itt(0))} V=0`),
          ...cmd('INT DeviceID=2 EventID=20'),
        ],
        expect: [
          'expect deliveries none',
          'expect events its.cmd command=INT error=E_ITS_INT_UNMAPPED_INTERRUPT == 1',
          'expect reg GITS_CREADR & 0x1 == 0',
          'expect reg GITS_CREADR & 0xfffe0 == 0x140',
          'expect dte 2 absent',
        ],
      },
    ],
  },
];

/*
 * The rest of the GICv3/ITS suite of arm/gic.c: the sub-tests and programs whose case numbers the
 * conformance notes do not publish. Their "case" names the kvm-unit-tests program and sub-test
 * (the report prefix) instead of a number; "report" lists every report line the file reproduces,
 * one per line, each also the title of the step that checks it.
 */

/** The byte of the property table that configures LPI `intid`. */
const propByte = (intid: number): number => LAYOUT.propTable + intid - 8192;
const PTZ = 1n << 62n;

const reports = (prefix: string, lines: string[]): string => lines.map((l) => `${prefix}: ${l}`).join('\n');

/** The two INT checks of its-trigger's "int" sub-test (C27, C28), which run first in the program. */
const itsTriggerInt: Step[] = [
  {
    title: 'int: dev=2, eventid=20  -> lpi= 8195, col=3 (C27)',
    narration: 'The program starts with the "int" sub-test; it leaves LPI 8195 enabled and not pending.',
    actions: cmd('INT DeviceID=2 EventID=20'),
    expect: ['expect deliveries cpu3:8195'],
  },
  {
    title: 'int: dev=7, eventid=255 -> lpi= 8196, col=2 (C28)',
    actions: cmd('INT DeviceID=7 EventID=255'),
    expect: ['expect deliveries cpu2:8196'],
  },
];

const INV_INVALL = 'gicv3: its-trigger: inv/invall';
const MIGRATION = 'gicv3: its-migration';
const PENDING_MIGRATION = 'gicv3: its-pending-migration';
const UNMAPPED_COLLECTION = 'gicv3: its-migrate-unmapped-collection';

/** test_its_pending_migration with 4 CPUs: pe0 = nr_cpus - 1, pe1 = nr_cpus - 2. */
const PM = { cpus: 4, pe0: 3, pe1: 2, lpis: 256 };
/** Event i goes to collection[0] (ICID pe0, PE pe0) when i is odd, to collection[1] otherwise. */
const pmTarget = (i: number): number => (i % 2 ? PM.pe0 : PM.pe1);

function pendingMigrationMapping(): string[] {
  const out: string[] = [];
  for (let i = 0; i < PM.lpis; i++) {
    const pe = pmTarget(i);
    out.push(
      ...cmd(`MAPTI DeviceID=2 EventID=${i} pINTID=${8192 + i} ICID=${pe}`),
      `lpi-config ${8192 + i} 0xa3`,
      `lpi-pending rd${pe} ${8192 + i} set`,
    );
  }
  return out;
}

/** What check_lpi_hits wants, as exact deliveries: every LPI once, on its collection's PE. */
const pendingMigrationDeliveries = (): string =>
  'expect deliveries ' + Array.from({ length: PM.lpis }, (_, i) => `cpu${pmTarget(i)}:${8192 + i}`).join(' ');

/** The pending table bytes of LPIs 8192..8447 at PE `pe`: odd bits (0xAA) at pe0, even (0x55) at pe1. */
const pendingBytes = (pe: number, fill: number): string =>
  `expect mem ${hex(LAYOUT.pendTable(pe) + 8192 / 8)} == ${Array(PM.lpis / 8)
    .fill(hex(fill))
    .join(' ')}`;

/** gicv3: ipi on 20 CPUs: Aff0 = n % 16, Aff1 = n / 16 (QEMU's virt board and KVM alike). */
const IPI20 = 20;
const evenCpus = [...Array(IPI20).keys()].filter((c) => c % 2 === 0);

const SUITE_CASES: Case[] = [
  {
    file: 'kut-its-trigger-inv-invall.json',
    id: 'kut-its-trigger-inv-invall',
    caseId: 'its-trigger: inv/invall',
    test: 'its-trigger',
    report: reports(INV_INVALL, [
      'dev2/eventid=20 does not trigger any LPI',
      'dev2/eventid=20 still does not trigger any LPI',
      'dev2/eventid=20 pending LPI is received',
      'dev2/eventid=20 now triggers an LPI',
    ]),
    title: 'kvm-unit-tests its-trigger inv/invall: a configuration change needs INV or INVALL',
    summary:
      'LPI 8195 is disabled in the property table and INV makes the redistributor see it: INT (2, 20) then delivers nothing. Re-enabling it in memory without an invalidation changes nothing either: a second INT still delivers nothing. INVALL of collection 3 reloads the configuration and the LPI that was left pending reaches PE 3, once; a last INT delivers it again.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      ...itsTriggerInt,
      {
        title: `${INV_INVALL}: dev2/eventid=20 does not trigger any LPI`,
        narration:
          "CPU 0 writes 0xA2 (priority 0xA0, group bit, **Enable = 0**) to LPI 8195's byte of the property table, then sends INV for (2, 20) so that the redistributor re-reads it. The INT that follows makes LPI 8195 pending, but a disabled LPI is never signalled to the CPU interface: nobody takes anything, and the LPI stays pending.",
        actions: [
          `lpi-config 8195 0xa2`,
          ...cmd('INV DeviceID=2 EventID=20'),
          ...cmd('INT DeviceID=2 EventID=20'),
        ],
        expect: [
          'expect deliveries none',
          `expect mem8 ${hex(propByte(8195))} == 0xa2`,
          'expect pending rd3 8195',
        ],
      },
      {
        title: `${INV_INVALL}: dev2/eventid=20 still does not trigger any LPI`,
        narration:
          'The test re-enables LPI 8195 in memory (0xA3) but deliberately sends no INV or INVALL. The redistributor keeps using the configuration it loaded (disabled), so another INT still delivers nothing: the LPI is already pending, and still disabled as far as the GIC knows.',
        actions: ['lpi-config 8195 0xa3', ...cmd('INT DeviceID=2 EventID=20')],
        expect: [
          'expect deliveries none',
          `expect mem8 ${hex(propByte(8195))} == 0xa3`,
          'expect pending rd3 8195',
        ],
      },
      {
        title: `${INV_INVALL}: dev2/eventid=20 pending LPI is received`,
        narration:
          "INVALL of collection 3 makes PE 3's redistributor reload the configuration of every LPI of that collection. LPI 8195 is now enabled, and it was left pending by the INTs above (two INTs, one pending bit): PE 3 takes it **once**, without any new INT.",
        actions: cmd('INVALL ICID=3'),
        expect: ['expect deliveries cpu3:8195', 'expect not-pending rd3 8195'],
      },
      {
        title: `${INV_INVALL}: dev2/eventid=20 now triggers an LPI`,
        actions: cmd('INT DeviceID=2 EventID=20'),
        expect: ['expect deliveries cpu3:8195'],
      },
    ],
  },
  {
    file: 'kut-its-migration.json',
    id: 'kut-its-migration',
    caseId: 'its-migration',
    test: 'its-migration',
    report: reports(MIGRATION, [
      'dev2/eventid=20 triggers LPI 8195 on PE #3 after migration',
      'dev7/eventid=255 triggers LPI 8196 on PE #2 after migration',
    ]),
    title: 'kvm-unit-tests its-migration: the ITS mappings survive save and restore',
    summary:
      'After its_setup1 the whole machine is saved and restored into a new one. The mappings live on: INT (2, 20) reaches PE 3 as LPI 8195 and INT (7, 255) reaches PE 2 as LPI 8196, each exactly once.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      {
        title: 'Migrate the VM',
        narration:
          'The test prints "Now migrate the VM, then press a key to continue..." and the harness migrates it. On KVM, userspace first has the vITS write its device, event and collection mappings into the guest\'s own tables (KVM_DEV_ARM_ITS_SAVE_TABLES, ABI revision 0) and the LPI pending latches into the pending tables; the new VM rebuilds everything from memory (KVM_DEV_ARM_ITS_RESTORE_TABLES). Nothing is delivered.',
        actions: ['migrate'],
        expect: [
          'expect deliveries none',
          'expect events machine.migrate == 1',
          `expect dte 2 valid=1 size=7 itt=${hex(LAYOUT.itt(0))}`,
          `expect dte 7 valid=1 size=7 itt=${hex(LAYOUT.itt(1))}`,
          'expect ite 2 20 intid=8195 icid=3',
          'expect ite 7 255 intid=8196 icid=2',
          'expect cte 3 valid=1 target=3',
          'expect cte 2 valid=1 target=2',
        ],
      },
      {
        title: `${MIGRATION}: dev2/eventid=20 triggers LPI 8195 on PE #3 after migration`,
        actions: cmd('INT DeviceID=2 EventID=20'),
        expect: ['expect deliveries cpu3:8195'],
      },
      {
        title: `${MIGRATION}: dev7/eventid=255 triggers LPI 8196 on PE #2 after migration`,
        actions: cmd('INT DeviceID=7 EventID=255'),
        expect: ['expect deliveries cpu2:8196'],
      },
    ],
  },
  {
    file: 'kut-its-pending-migration.json',
    id: 'kut-its-pending-migration',
    caseId: 'its-pending-migration',
    test: 'its-pending-migration',
    report: reports(PENDING_MIGRATION, ['128 LPIs on both PE0 and PE1 after migration']),
    title: 'kvm-unit-tests its-pending-migration: 256 LPIs made pending through the pending tables',
    summary:
      'With LPIs disabled at PE 3 and PE 2, 256 events of device 2 are mapped to LPIs 8192-8447 (odd ones to PE 3, even ones to PE 2) and their pending bits are written straight into the pending tables. Setting EnableLPIs again (PTZ = 0) makes the redistributors read the tables; after migration and a 1 s wait each PE has taken its 128 LPIs exactly once, and PE 0 and PE 1 nothing.',
    cpus: PM.cpus,
    steps: [
      ...itsPrerequisites(),
      {
        title: 'Map device 2 and the collections of PE 3 and PE 2',
        narration: `The test calls the two PEs "PE0" and "PE1": pe0 = nr_cpus - 1 = ${PM.pe0} and pe1 = nr_cpus - 2 = ${PM.pe1}. Collection ${PM.pe0} targets PE ${PM.pe0}, collection ${PM.pe1} targets PE ${PM.pe1}.`,
        actions: [
          ...cmd(`MAPD DeviceID=2 Size=7 ITT_addr=${hex(LAYOUT.itt(0))} V=1`),
          ...cmd(`MAPC ICID=${PM.pe0} RDbase=${PM.pe0} V=1`),
          ...cmd(`MAPC ICID=${PM.pe1} RDbase=${PM.pe1} V=1`),
        ],
        expect: [
          'expect deliveries none',
          `expect cte ${PM.pe0} valid=1 target=${PM.pe0}`,
          `expect cte ${PM.pe1} valid=1 target=${PM.pe1}`,
        ],
      },
      {
        title: `EnableLPIs off at PE ${PM.pe0} and PE ${PM.pe1}`,
        narration:
          'gicv3_lpi_rdist_disable: a read-modify-write of GICR_CTLR that clears EnableLPIs. While it is 0 the redistributor owns no LPI state, and software may write the pending table and GICR_PENDBASER.',
        actions: [`write rd${PM.pe0} GICR_CTLR &= ~1`, `write rd${PM.pe1} GICR_CTLR &= ~1`],
        expect: [`expect reg rd${PM.pe0} GICR_CTLR & 1 == 0`, `expect reg rd${PM.pe1} GICR_CTLR & 1 == 0`],
      },
      {
        title: 'Map 256 events, enable their LPIs and mark them pending in memory',
        narration: `For i = 0..255: MAPTI (2, i) -> LPI 8192 + i in collection ${PM.pe0} when i is odd, ${PM.pe1} when it is even; then the LPI's property byte is set to 0xA3, and its bit is set (a byte read-modify-write) in the pending table of its PE. Nothing is signalled: the two redistributors have LPIs disabled. The pending bytes end up 0xAA at PE ${PM.pe0} and 0x55 at PE ${PM.pe1}.`,
        actions: pendingMigrationMapping(),
        expect: [
          'expect deliveries none',
          `expect ite 2 0 intid=8192 icid=${PM.pe1}`,
          `expect ite 2 255 intid=8447 icid=${PM.pe0}`,
          `expect mem8 ${hex(propByte(8192))} == 0xa3`,
          `expect mem8 ${hex(propByte(8447))} == 0xa3`,
          pendingBytes(PM.pe0, 0xaa),
          pendingBytes(PM.pe1, 0x55),
        ],
      },
      {
        title: `INVALL collection ${PM.pe0}, then collection ${PM.pe1}`,
        actions: [...cmd(`INVALL ICID=${PM.pe0}`), ...cmd(`INVALL ICID=${PM.pe1}`)],
        expect: ['expect deliveries none'],
      },
      {
        title: 'Clear GICR_PENDBASER.PTZ',
        narration:
          "A 64-bit read-modify-write of each PE's GICR_PENDBASER that clears PTZ (bit 62). S5 never set it, but the test makes sure: with PTZ = 0 the redistributor must read the pending table, not assume it is zero, when LPIs are enabled again. (KVM reads PTZ as 0 and shows its own cacheability attributes in the value read back.)",
        actions: [
          `write64 rd${PM.pe0} GICR_PENDBASER &= ~${hex(PTZ)}`,
          `write64 rd${PM.pe1} GICR_PENDBASER &= ~${hex(PTZ)}`,
        ],
        expect: ['expect deliveries none', `expect reg rd${PM.pe0} GICR_PENDBASER & ${hex(PTZ)} == 0`],
      },
      {
        title: `${PENDING_MIGRATION}: 128 LPIs on both PE0 and PE1 after migration`,
        narration: `EnableLPIs goes 0 -> 1 at PE ${PM.pe0} then PE ${PM.pe1} (read-modify-write of GICR_CTLR); with PTZ = 0 the redistributor reads the pending table and each PE starts taking its 128 LPIs at once, still before the migration (on KVM too). Then the VM migrates and the test waits 1 s. check_lpi_hits compares every CPU's count of acknowledged interrupts since boot: 128 on PE ${PM.pe0} and PE ${PM.pe1}, 0 on the others. The model also checks that each LPI came exactly once, and that nothing is left pending to fire a second time after the restore.`,
        actions: [
          `write rd${PM.pe0} GICR_CTLR |= 1`,
          `write rd${PM.pe1} GICR_CTLR |= 1`,
          'migrate',
          'wait 1000ms',
        ],
        expect: [
          pendingMigrationDeliveries(),
          ...[...Array(PM.cpus).keys()].map(
            (c) =>
              `expect events icc.ack cpu=${c} == ${c === PM.pe0 || c === PM.pe1 ? PM.lpis / 2 : 0} total`,
          ),
          `expect not-pending rd${PM.pe0} 8447`,
          `expect not-pending rd${PM.pe1} 8192`,
        ],
      },
    ],
  },
  {
    file: 'kut-its-migrate-unmapped-collection.json',
    id: 'kut-its-migrate-unmapped-collection',
    caseId: 'its-migrate-unmapped-collection',
    test: 'its-migrate-unmapped-collection',
    report: reports(UNMAPPED_COLLECTION, [
      'dev7/eventid= 255 triggered LPI 8196 on PE #2',
      'Config of LPI 8192 was properly migrated',
      'dev2/eventid = 0 triggered LPI 8192 on PE0',
    ]),
    title:
      'kvm-unit-tests its-migrate-unmapped-collection: an event of a never-mapped collection survives migration',
    summary:
      'After its_setup1, event (2, 0) is mapped to LPI 8192 in collection 0, which has never been mapped, and the VM migrates. On the new side collection 0 is mapped to PE 0 and invalidated: (7, 255) still reaches PE 2, LPI 8192 kept its configuration, and (2, 0) reaches PE 0.',
    cpus: 4,
    steps: [
      ...itsPrereq(),
      {
        title: 'MAPTI (2, 0) -> LPI 8192 in collection 0, which is not mapped',
        narration:
          'its_create_collection(0, 0) only records the collection; no MAPC is sent. The MAPTI names it anyway, and only then does the test write 0xA3 to LPI 8192\'s property byte. The test runs only with ERRATA_8c58be34494b=y: before Linux 5.6 ("KVM: arm/arm64: vgic-its: Fix restoration of unmapped collections") KVM refused to restore a collection table that holds an unmapped collection, and the test hung waiting for the migration.',
        actions: [...cmd('MAPTI DeviceID=2 EventID=0 pINTID=8192 ICID=0'), 'lpi-config 8192 0xa3'],
        expect: ['expect deliveries none', 'expect ite 2 0 intid=8192 icid=0'],
      },
      {
        title: 'Migrate the VM',
        narration:
          'KVM saves collection 0 like the others, with a target that says "not mapped", and the ITE of (2, 0) that points at it. Since the 5.6 fix the restore accepts such a collection instead of failing; LPI 8192 is recreated and reads its configuration (now 0xA3) from the property table.',
        actions: ['migrate'],
        expect: [
          'expect deliveries none',
          'expect ite 2 0 intid=8192 icid=0',
          'expect ite 7 255 intid=8196 icid=2',
        ],
      },
      {
        title: 'On the destination: MAPC collection 0 -> PE 0, INVALL collection 0',
        actions: [...cmd('MAPC ICID=0 RDbase=0 V=1'), ...cmd('INVALL ICID=0')],
        expect: ['expect deliveries none', 'expect cte 0 valid=1 target=0'],
      },
      {
        title: `${UNMAPPED_COLLECTION}: dev7/eventid= 255 triggered LPI 8196 on PE #2`,
        actions: cmd('INT DeviceID=7 EventID=255'),
        expect: ['expect deliveries cpu2:8196'],
      },
      {
        title: `${UNMAPPED_COLLECTION}: Config of LPI 8192 was properly migrated`,
        narration:
          "gicv3_lpi_get_config is a plain memory read of LPI 8192's byte in the property table: it must still be 0xA3 (LPI_PROP_DEFAULT).",
        actions: [],
        expect: [`expect mem8 ${hex(propByte(8192))} == 0xa3`],
      },
      {
        title: `${UNMAPPED_COLLECTION}: dev2/eventid = 0 triggered LPI 8192 on PE0`,
        actions: cmd('INT DeviceID=2 EventID=0'),
        expect: ['expect deliveries cpu0:8192'],
      },
    ],
  },
  {
    file: 'kut-gicv3-ipi-two-clusters.json',
    id: 'kut-gicv3-ipi-two-clusters',
    caseId: 'ipi (20 CPUs: self, target-list, broadcast)',
    test: 'gicv3-ipi',
    report: reports('gicv3: ipi', [
      'self: Interrupts received',
      'target-list: Interrupts received',
      'broadcast: Interrupts received',
    ]),
    title: 'kvm-unit-tests gicv3-ipi on 20 CPUs: one SGI write per cluster',
    summary:
      'The whole ipi program on a 20-CPU machine (MAX_SMP = 20): CPUs 16-19 are a second cluster (Aff1 = 1), so the target list needs two ICC_SGI1R_EL1 writes, one per cluster, while self and broadcast need one each.',
    cpus: IPI20,
    steps: [
      ...ipiSetup(IPI20),
      {
        title: 'gicv3: ipi: self: Interrupts received',
        narration: 'CPU 1 (Aff 0.0.0.1) sends SGI 1 to itself: TargetList = 1 << 1.',
        actions: ['cpu1 write ICC_SGI1R_EL1 0x0000000001000002'],
        expect: ['expect deliveries cpu1:1'],
      },
      {
        title: 'gicv3: ipi: target-list: Interrupts received',
        narration:
          'The targets are the even CPUs. gicv3_ipi_send_mask groups them by cluster (MPIDR without Aff0): CPUs 0, 2, ..., 14 share Aff1 = 0 (TargetList 0x5555), CPUs 16 and 18 have Aff1 = 1 and Aff0 = 0 and 2 (TargetList 0x5, Aff1 field [23:16] = 1).',
        actions: [
          'cpu1 write ICC_SGI1R_EL1 0x0000000001005555',
          'cpu1 write ICC_SGI1R_EL1 0x0000000001010005',
        ],
        expect: ['expect deliveries ' + evenCpus.map((c) => `cpu${c}:1`).join(' ')],
      },
      {
        title: 'gicv3: ipi: broadcast: Interrupts received',
        narration: 'IRM = 1 reaches every PE but the sender, whatever its cluster.',
        actions: ['cpu1 write ICC_SGI1R_EL1 0x0000010001000000'],
        expect: [
          'expect deliveries ' +
            [...Array(IPI20).keys()]
              .filter((c) => c !== 1)
              .map((c) => `cpu${c}:1`)
              .join(' '),
        ],
      },
    ],
  },
];

export const CASES: Case[] = [...PUBLIC_CASES, ...SUITE_CASES];

export function render(c: Case): string {
  return JSON.stringify(scenario(c), null, 2) + '\n';
}

const here = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(here, '..', 'public', 'scenarios', 'conformance');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const c of CASES) writeFileSync(join(OUT_DIR, c.file), render(c));
  console.log(`wrote ${CASES.length} scenarios to ${OUT_DIR}`);
}
