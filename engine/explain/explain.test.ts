import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProfileName } from '../gic/gic-rules';
import { resolveMachine } from '../platform/machine-config';
import type { SimEvent } from '../sim/event-log';
import { formatDiagnostic, loadScenario, type Scenario } from '../scenario/loader';
import { ScenarioRun } from '../scenario/runner';
import { explain } from './explain';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** The shipped scenarios and the complete example of docs/scenario-format.md (MSIs from a device). */
function scenarios(): { name: string; text: string }[] {
  const dir = 'public/scenarios/conformance/';
  const shipped = readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, text: read(dir + f) }));
  const doc = read('docs/scenario-format.md');
  const example = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
  return [...shipped, { name: 'scenario-format.md example', text: example }];
}

function events(text: string, name: string, profile: ProfileName): SimEvent[] {
  const r = loadScenario(text, name);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const m = resolveMachine({ ...r.scenario.machineOptions, profile });
  if (!m.ok) throw new Error(m.problems.join('; '));
  const sc: Scenario = { ...r.scenario, machine: m.machine };
  const run = new ScenarioRun(sc);
  run.runAll();
  return run.machine.log.slice();
}

describe('explain', () => {
  const all = scenarios();

  it.each(['kvm', 'qemu', 'spec'] as const)(
    'gives every event of every shipped scenario a sentence of its own (%s)',
    (profile) => {
      const kinds = new Set<string>();
      for (const s of all)
        for (const e of events(s.text, s.name, profile)) {
          const text = explain(e);
          kinds.add(e.kind);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).not.toBe(`${e.kind} at ${e.unit}.`);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).not.toMatch(/undefined|NaN|\[object/);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).toMatch(/[.]$/);
        }
      // The walk covered the MSI path, commands, register accesses and the whole interrupt life.
      for (const k of ['pci.msi', 'its.translater', 'its.cmd', 'gicr.lpi.pending', 'icc.ack', 'icc.eoi'])
        expect(kinds).toContain(k);
    },
  );

  it('does not give an LPI an active state, and does give one to an SGI', () => {
    const evs = all.flatMap((s) => events(s.text, s.name, 'kvm'));
    const ack = (pred: (intid: number) => boolean): string =>
      explain(evs.find((e) => e.kind === 'icc.ack' && pred((e.data as { intid: number }).intid))!);
    const lpi = ack((i) => i >= 8192);
    expect(lpi).toMatch(/no longer pending \(an LPI has no active state\)/);
    expect(lpi).not.toMatch(/is now active/);
    expect(ack((i) => i < 16)).toMatch(/it is now active and the running priority rises to 0x[0-9a-f]+/);
  });

  it('names the error of a command the ITS refuses', () => {
    const text = JSON.stringify({
      format: 'giclab-scenario/1',
      id: 'unmapped',
      title: 'MAPTI of an unmapped device',
      machine: { profile: 'kvm' },
      steps: [
        {
          title: 'ITS up, then MAPTI with no MAPD',
          actions: [
            'write64 GITS_BASER0 0x8107000040100200',
            'write64 GITS_BASER1 0x8407000040110200',
            'write64 GITS_CBASER 0x800000004012000f',
            'write GITS_CTLR 1',
            'its MAPTI DeviceID=5 EventID=0 pINTID=8192 ICID=0',
          ],
          expect: [],
        },
      ],
    });
    const cmd = events(text, 'unmapped.json', 'kvm').find((e) => e.kind === 'its.cmd')!;
    expect(explain(cmd)).toMatch(/MAPTI .*E_ITS_MAPTI_UNMAPPED_DEVICE/);
  });
});
