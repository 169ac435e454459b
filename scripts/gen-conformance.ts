/**
 * Writes public/scenarios/conformance/*.json: the kvm-unit-tests GIC/ITS cases
 * (../shared/conformance/kvm-unit-tests.md) as scenario files that drive the machine the way the
 * tests drive real hardware: the same register writes, memory writes and ITS commands, in the
 * same order, with the same handler. The files are the product; this script only saves typing
 * the common procedures (S1, S2, S5, S7) into each. `npm run gen:conformance` rewrites them and a
 * test fails if a committed file differs from what this script produces.
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

function itsPrereq(): Step[] {
  return [
    itsInit,
    allCpusSetup(4),
    {
      title: 'S5: LPIs on, ITS on',
      narration:
        'CPU 0 gives every redistributor the shared property table (IDbits = 13) and its own pending table, sets GICR_CTLR.EnableLPIs everywhere, then enables the ITS.',
      actions: s5(4),
    },
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

export const CASES: Case[] = [
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
