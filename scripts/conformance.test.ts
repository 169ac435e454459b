/**
 * The acceptance tests of the foundation: every kvm-unit-tests case ships as a scenario and
 * passes; the same scenarios also pass on QEMU's model (the suite runs on TCG too), except for the
 * checks that assert KVM's own values, which are named here; the QEMU trace v3smp2 replays with
 * full agreement. Beyond the public cases, the rest of arm/gic.c's GICv3/ITS suite (its-trigger's
 * inv/invall, the three migration programs, ipi on two clusters) ships too, named by program and
 * sub-test because the notes do not publish their case numbers.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, formatDiagnostic } from '../engine/scenario/loader';
import { ScenarioRun } from '../engine/scenario/runner';
import { resolveMachine } from '../engine/platform/machine-config';
import { replayFiles } from './cli/replay-qemu';

const DIR = join(import.meta.dirname, '..', 'public', 'scenarios', 'conformance');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const PUBLIC = ['C1', 'C2', 'C3', 'C4', 'C22', 'C23', 'C24', 'C25', 'C26', 'C27', 'C28', 'C32'];

function scenarioRun(file: string, profile?: 'kvm' | 'qemu' | 'spec'): ScenarioRun {
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  let sc = loaded.scenario;
  if (profile) {
    const r = resolveMachine({ ...sc.machineOptions, profile });
    if (!r.ok) throw new Error(r.problems.join('; '));
    sc = { ...sc, machine: r.machine };
  }
  return new ScenarioRun(sc);
}

function run(file: string, profile?: 'kvm' | 'qemu' | 'spec') {
  return scenarioRun(file, profile).runAll();
}

interface ConformanceFile {
  machine?: { profile?: string };
  conformance?: { suite: string; case: string; test?: string; report?: string };
  steps: { title: string; actions: string[]; expect: string[] }[];
}
const read = (f: string): ConformanceFile =>
  JSON.parse(readFileSync(join(DIR, f), 'utf8')) as ConformanceFile;

const failures = (r: ReturnType<typeof run>): string[] =>
  r.steps.flatMap((s) => [
    ...s.actions.filter((a) => !a.ok).map((a) => `step ${s.index + 1} action line ${a.line}: ${a.message}`),
    ...s.expectations.filter((x) => !x.ok).map((x) => `step ${s.index + 1} ${x.text}: ${x.message}`),
  ]);

describe('kvm-unit-tests cases (public/scenarios/conformance)', () => {
  it('ships every public case C1-C4, C22-C28, C32', () => {
    expect(files.map((f) => read(f).conformance?.case).sort()).toEqual(expect.arrayContaining(PUBLIC));
  });

  it.each(files)('%s passes with its own profile, kvm', (file) => {
    expect(read(file).machine?.profile).toBe('kvm');
    const r = run(file);
    expect(failures(r)).toEqual([]);
    expect(r.passed).toBe(true);
  });

  // On QEMU's model the test expectations hold too; only checks of KVM's own register values differ.
  const qemuDivergences: Record<string, string[]> = {
    'kut-c25-its-id-spaces.json': [
      'step 2 expect reg GITS_TYPER & 0x1000000000 == 0: its0 GITS_TYPER is 0x1f0001efb1 & 0x1000000000 = 0x1000000000, expected 0x0',
    ],
  };
  it.each(files)('%s passes on the qemu profile (named divergences only)', (file) => {
    expect(failures(run(file, 'qemu'))).toEqual(qemuDivergences[file] ?? []);
  });
});

describe('the rest of the GICv3/ITS suite of arm/gic.c (no published case numbers)', () => {
  // file -> the conformance "case" (program and sub-test, the report prefix) and the report lines.
  const SUITE: Record<string, { case: string; test: string; reports: string[] }> = {
    'kut-its-trigger-inv-invall.json': {
      case: 'its-trigger: inv/invall',
      test: 'its-trigger',
      reports: [
        'gicv3: its-trigger: inv/invall: dev2/eventid=20 does not trigger any LPI',
        'gicv3: its-trigger: inv/invall: dev2/eventid=20 still does not trigger any LPI',
        'gicv3: its-trigger: inv/invall: dev2/eventid=20 pending LPI is received',
        'gicv3: its-trigger: inv/invall: dev2/eventid=20 now triggers an LPI',
      ],
    },
    'kut-its-migration.json': {
      case: 'its-migration',
      test: 'its-migration',
      reports: [
        'gicv3: its-migration: dev2/eventid=20 triggers LPI 8195 on PE #3 after migration',
        'gicv3: its-migration: dev7/eventid=255 triggers LPI 8196 on PE #2 after migration',
      ],
    },
    'kut-its-pending-migration.json': {
      case: 'its-pending-migration',
      test: 'its-pending-migration',
      reports: ['gicv3: its-pending-migration: 128 LPIs on both PE0 and PE1 after migration'],
    },
    'kut-its-migrate-unmapped-collection.json': {
      case: 'its-migrate-unmapped-collection',
      test: 'its-migrate-unmapped-collection',
      reports: [
        'gicv3: its-migrate-unmapped-collection: dev7/eventid= 255 triggered LPI 8196 on PE #2',
        'gicv3: its-migrate-unmapped-collection: Config of LPI 8192 was properly migrated',
        'gicv3: its-migrate-unmapped-collection: dev2/eventid = 0 triggered LPI 8192 on PE0',
      ],
    },
    'kut-gicv3-ipi-two-clusters.json': {
      case: 'ipi (20 CPUs: self, target-list, broadcast)',
      test: 'gicv3-ipi',
      reports: [
        'gicv3: ipi: self: Interrupts received',
        'gicv3: ipi: target-list: Interrupts received',
        'gicv3: ipi: broadcast: Interrupts received',
      ],
    },
  };

  it.each(Object.entries(SUITE))('ships %s, one checking step per report line', (file, want) => {
    expect(files).toContain(file);
    const sc = read(file);
    expect(sc.conformance).toEqual(
      expect.objectContaining({ suite: 'kvm-unit-tests', case: want.case, test: want.test }),
    );
    expect(sc.conformance?.report?.split('\n')).toEqual(want.reports);
    for (const line of want.reports) {
      const step = sc.steps.find((s) => s.title === line);
      expect(step, line).toBeDefined();
      expect(step!.expect.length, line).toBeGreaterThan(0);
    }
  });

  it('names no case with a number the notes do not publish', () => {
    for (const f of files) {
      const c = read(f).conformance?.case ?? '';
      if (/^[CM]\d+$/.test(c)) expect(PUBLIC, f).toContain(c);
    }
  });

  // Under KVM the mappings cross the migration only through guest memory (SAVE_TABLES, then
  // RESTORE_TABLES into a machine with empty lists): these are the entries each test had mapped.
  it.each([
    ['kut-its-migration.json', { devices: 2, events: 2, collections: 2 }],
    ['kut-its-pending-migration.json', { devices: 1, events: 256, collections: 2 }],
    // Collection 0 was never mapped: it is saved and restored anyway (the 8c58be34494b fix).
    ['kut-its-migrate-unmapped-collection.json', { devices: 2, events: 3, collections: 3 }],
  ])('%s migrates its ITS through the tables in memory (kvm)', (file, counts) => {
    const sr = scenarioRun(file, 'kvm');
    const r = sr.runAll();
    expect(r.passed).toBe(true);
    const m = sr.machine;
    const migrations = [];
    for (let s = 0; s < m.seq; s++)
      if (m.log.kindAt(s) === 'machine.migrate') migrations.push(m.log.get(s)!.data);
    expect(migrations).toEqual([
      expect.objectContaining({
        saved: [counts],
        restored: [{ ...counts, pendingFromTables: 0 }],
      }),
    ]);
  });
});

describe('QEMU trace replay', () => {
  it('v3smp2 replays with full agreement', async () => {
    const t = join(import.meta.dirname, '..', 'public', 'traces');
    const { report, lines, errors } = await replayFiles({
      files: [join(t, 'v3smp2.trace.log.gz')],
      cmdq: join(t, 'v3smp2.cmdq.bin.gz'),
      proptable: join(t, 'v3smp2.proptable.bin.gz'),
    });
    expect(errors).toEqual([]);
    expect(lines).toBe(40243);
    expect(report.disagreements).toEqual([]);
    expect(report.agree).toBe(true);
    // The counts of v3smp2.summary.txt.
    expect(report.msis).toEqual({ total: 59, agreed: 59 });
    expect(report.commands.total).toBe(61);
    expect(report.acknowledges).toEqual({ total: 2170, agreed: 2170 });
    expect(report.deliveries.trace[0]).toMatchObject({ 8194: 12, 8197: 9 });
    expect(report.deliveries.trace[1]).toMatchObject({ 8193: 10, 8194: 4, 8198: 10, 8201: 14 });
    expect(report.deliveries.model).toEqual(report.deliveries.trace);
  });

  it('disagrees, naming the lines, when the model is given the wrong LPI configuration', async () => {
    const t = join(import.meta.dirname, '..', 'public', 'traces');
    // Without the saved property table every LPI stays disabled in the model.
    const { report } = await replayFiles({
      files: [join(t, 'v3smp2.trace.log.gz')],
      cmdq: join(t, 'v3smp2.cmdq.bin.gz'),
    });
    expect(report.agree).toBe(false);
    expect(report.disagreementCount).toBe(59);
    expect(report.disagreements[0]!.what).toMatch(
      /^ICC_IAR1_EL1 on CPU \d: QEMU acknowledged 8\d{3}, the model 1023$/,
    );
  });
});
