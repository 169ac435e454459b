/**
 * GICv4 histories for the worker's tests, from the e2e fixture (e2e/fixtures/v4-stage.json: a
 * GICv4.0 host with three PEs, a 2-vCPU VM pinned to pCPUs 1 and 2, nic0 forwarded to the guest's
 * LPI 8192 on vCPU 1, one MSI, then one that rings vCPU 1's doorbell), run through the engine's
 * public surface as the worker runs it.
 */

import { readFileSync } from 'node:fs';
import { loadScenario, ScenarioRun, type Machine } from '../../engine';

export const V4_FIXTURE = 'e2e/fixtures/v4-stage.json';

/** The fixture's scenario as JSON, changed by `edit` (e.g. another GIC version). */
export function v4ScenarioText(edit?: (j: { machine: Record<string, unknown> }) => void): string {
  const j = JSON.parse(readFileSync(V4_FIXTURE, 'utf8')) as { machine: Record<string, unknown> };
  edit?.(j);
  return JSON.stringify(j);
}

/** The fixture run to its end (the session's history). */
export function v4Story(edit?: (j: { machine: Record<string, unknown> }) => void): Machine {
  const r = loadScenario(v4ScenarioText(edit), 'v4-stage.json');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run.machine;
}

/** The fixture, then vCPU 1 pinned to pCPU 0 and the NIC firing again: a VMOVP from pCPU 2 to 0. */
export function v4MoveStory(): Machine {
  const m = v4Story();
  m.seek(m.log.length);
  m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
  m.run({ until: m.time + 200_000 });
  m.input({ kind: 'msi', device: 'nic0', rid: 0x100, devid: 0x100, its: 0, eventid: 0 });
  m.run({ until: m.time + 200_000 });
  return m;
}
