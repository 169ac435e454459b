/**
 * Issue 4's "Conformance": the public kvm-unit-tests cases pass when run inside a VM against KVM's
 * emulated GIC and virtual ITS, with the `kvm` profile. public/scenarios/conformance-vm/ holds one
 * derived scenario per flat case (scripts/gen-conformance-vm.ts); each must be exactly what the
 * generator writes, load, run only guest code and VMM calls, check only the guest's view, and pass.
 * And, step by step, the guest must take the same interrupts on the same vCPUs as the flat
 * machine's CPUs take: the derivation may change how a case is expressed, not what it delivers.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../engine/scenario/loader';
import { ScenarioRun, type RunReport } from '../engine/scenario/runner';
import { deliveriesIn, guestDeliveriesIn } from '../engine/scenario/expectations';
import { FLAT_DIR, renderVm, vmCases, VM_DIR } from './gen-conformance-vm';
import { INDEX } from './gen-index';

const cases = vmCases();
const PUBLIC = ['C1', 'C2', 'C3', 'C4', 'C22', 'C23', 'C24', 'C25', 'C26', 'C27', 'C28', 'C32'];

interface ScenarioJson {
  id: string;
  conformance?: Record<string, string>;
  machine: {
    profile?: string;
    cpus?: number;
    spis?: number;
    software?: unknown;
    vms?: Record<string, unknown>[];
  };
  steps: { title: string; narration?: string; actions: string[]; expect: string[] }[];
}

const read = (dir: string, f: string): ScenarioJson =>
  JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioJson;

function runFile(dir: string, file: string): { run: ScenarioRun; report: RunReport } {
  const loaded = loadScenario(readFileSync(join(dir, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const run = new ScenarioRun(loaded.scenario);
  return { run, report: run.runAll() };
}

const failures = (r: RunReport): string[] =>
  r.steps.flatMap((s) => [
    ...s.actions.filter((a) => !a.ok).map((a) => `step ${s.index + 1} action line ${a.line}: ${a.message}`),
    ...s.expectations.filter((x) => !x.ok).map((x) => `step ${s.index + 1} ${x.text}: ${x.message}`),
    ...s.warnings.map((w) => `step ${s.index + 1}: ${w}`),
  ]);

/** 'cpu:intid' -> count, sorted, for comparing a step's deliveries. */
function tally(list: { cpu: number; intid: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of list.map((x) => `${x.cpu}:${x.intid}`).sort()) out[d] = (out[d] ?? 0) + 1;
  return out;
}

describe('kvm-unit-tests inside a VM (public/scenarios/conformance-vm)', () => {
  it('has one derived file per flat case, and nothing else', () => {
    const flat = readdirSync(FLAT_DIR).filter((f) => f.endsWith('.json'));
    expect(cases.map((c) => c.flat)).toEqual(flat.sort());
    expect(readdirSync(VM_DIR).sort()).toEqual(cases.map((c) => c.file).sort());
    expect(cases.map((c) => read(VM_DIR, c.file).conformance?.case)).toEqual(expect.arrayContaining(PUBLIC));
  });

  it.each(cases)(
    '$file is what scripts/gen-conformance-vm.ts writes (npm run gen)',
    async ({ flat, file }) => {
      expect(readFileSync(join(VM_DIR, file), 'utf8')).toBe(await renderVm(flat));
    },
  );

  it.each(cases)('$file runs the case of $flat in vm0, on as many vCPUs as it has CPUs', ({ flat, file }) => {
    const f = read(FLAT_DIR, flat);
    const v = read(VM_DIR, file);
    expect(v.id).toBe(`${f.id}-vm`);
    expect(v.conformance).toEqual({ ...f.conformance, runsIn: 'vm' });
    expect(v.machine).toEqual({
      profile: 'kvm',
      cpus: f.machine.cpus,
      vms: [
        {
          vcpus: f.machine.cpus,
          ...(f.machine.spis !== undefined ? { spis: f.machine.spis } : {}),
          pin: [...Array(f.machine.cpus).keys()],
          idle: 'wfi',
          ...(f.machine.software ? { software: f.machine.software } : {}),
        },
      ],
    });
    expect(v.steps.map((s) => s.title)).toEqual(f.steps.map((s) => s.title));
    for (const [k, s] of v.steps.entries()) {
      // Nothing runs on the host: every line is the guest's code, the VMM's, or time passing.
      for (const l of s.actions)
        expect(l, `step ${k + 1}`).toMatch(/^(#|vm0 vcpu\d+ |vm0 migrate$|wait |run\b|step\b)/);
      // Every check reads the guest's view, or counts the VM's events.
      for (const l of s.expect)
        expect(l, `step ${k + 1}`).toMatch(/^expect (vm0 |events .* (vm=0|unit=vm0\.its0)\b)/);
      expect(s.expect.length).toBe(f.steps[k]!.expect.length);
      if (f.steps[k]!.narration) expect(s.narration).toContain(f.steps[k]!.narration);
    }
  });

  it.each(cases)('$file passes headless (kvm)', ({ file }) => {
    const { report } = runFile(VM_DIR, file);
    expect(report.profile).toBe('kvm');
    expect(failures(report)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it.each(cases)('$file: the guest takes, step by step, what the flat machine takes', ({ flat, file }) => {
    const f = runFile(FLAT_DIR, flat);
    const v = runFile(VM_DIR, file);
    const host = f.report.steps.map((s) => tally(deliveriesIn(f.run.machine, s.from, s.to)));
    const guest = v.report.steps.map((s) =>
      tally(guestDeliveriesIn(v.run.machine, s.from, s.to).map((d) => ({ cpu: d.vcpu, intid: d.intid }))),
    );
    expect(guest).toEqual(host);
    // And the host's CPUs take nothing themselves: KVM's kicks and maintenance are not host interrupts here.
    expect(deliveriesIn(v.run.machine, 0)).toEqual([]);
  });

  // The flat machine's migration saves and restores the whole machine; the VM's is KVM's, for the
  // VM's ITS through guest memory: the same mappings must cross it.
  it.each(cases.filter((c) => /migrat/.test(c.flat)))(
    '$file migrates the same ITS entries through guest memory as the flat machine does',
    ({ flat, file }) => {
      const entries = (r: ScenarioRun, kind: string): unknown[] => {
        const out: unknown[] = [];
        for (let s = 0; s < r.machine.seq; s++)
          if (r.machine.log.kindAt(s) === kind) {
            const d = r.machine.log.get(s)!.data as { saved: unknown; restored: unknown };
            out.push({ saved: d.saved, restored: d.restored });
          }
        return out;
      };
      const vm = entries(runFile(VM_DIR, file).run, 'kvm.migrate');
      expect(vm).toHaveLength(1);
      expect(vm).toEqual(entries(runFile(FLAT_DIR, flat).run, 'machine.migrate'));
    },
  );

  it('the picker lists every one, under its own group', () => {
    const index = JSON.parse(readFileSync(INDEX, 'utf8')) as { scenarios: { file: string; track: string }[] };
    for (const c of cases)
      expect(index.scenarios).toContainEqual(
        expect.objectContaining({
          file: `conformance-vm/${c.file}`,
          track: 'Conformance: kvm-unit-tests inside a VM',
        }),
      );
  });
});
