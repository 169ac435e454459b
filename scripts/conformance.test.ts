/**
 * The acceptance tests of the foundation: every kvm-unit-tests case ships as a scenario and
 * passes; the same scenarios also pass on QEMU's model (the suite runs on TCG too), except for the
 * checks that assert KVM's own values, which are named here; the QEMU trace v3smp2 replays with
 * full agreement.
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

function run(file: string, profile?: 'kvm' | 'qemu' | 'spec') {
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  let sc = loaded.scenario;
  if (profile) {
    const r = resolveMachine({ ...sc.machineOptions, profile });
    if (!r.ok) throw new Error(r.problems.join('; '));
    sc = { ...sc, machine: r.machine };
  }
  return new ScenarioRun(sc).runAll();
}

const failures = (r: ReturnType<typeof run>): string[] =>
  r.steps.flatMap((s) => [
    ...s.actions.filter((a) => !a.ok).map((a) => `step ${s.index + 1} action line ${a.line}: ${a.message}`),
    ...s.expectations.filter((x) => !x.ok).map((x) => `step ${s.index + 1} ${x.text}: ${x.message}`),
  ]);

describe('kvm-unit-tests cases (public/scenarios/conformance)', () => {
  it('ships every public case C1-C4, C22-C28, C32', () => {
    const ids = files.map(
      (f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { conformance?: { case: string } },
    );
    expect(ids.map((s) => s.conformance?.case).sort()).toEqual(
      expect.arrayContaining([
        'C1',
        'C2',
        'C3',
        'C4',
        'C22',
        'C23',
        'C24',
        'C25',
        'C26',
        'C27',
        'C28',
        'C32',
      ]),
    );
  });

  it.each(files)('%s passes with its own profile', (file) => {
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
