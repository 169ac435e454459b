/**
 * `giclab run`: load each scenario (refusing a bad file with file:line:column and the reason),
 * run it on a fresh machine, print the narrated event log step by step (or a JSON report), and
 * say which expectations failed. Exit 1 if any did.
 */

import { readFileSync } from 'node:fs';
import { explain } from '../../engine/explain/explain';
import { formatDiagnostic, loadScenario, type Scenario } from '../../engine/scenario/loader';
import { ScenarioRun, type RunReport } from '../../engine/scenario/runner';
import type { ProfileName } from '../../engine/gic/gic-rules';
import { resolveMachine } from '../../engine/platform/machine-config';

interface Options {
  json: boolean;
  quiet: boolean;
  profile?: ProfileName;
  files: string[];
}

function parseArgs(args: string[]): Options | string {
  const o: Options = { json: false, quiet: false, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--profile') {
      const p = args[++i];
      if (p !== 'kvm' && p !== 'qemu' && p !== 'spec')
        return `--profile takes kvm, qemu or spec (got ${p ?? 'nothing'})`;
      o.profile = p;
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else o.files.push(a);
  }
  if (!o.files.length) return 'no scenario file given';
  return o;
}

/** The scenario under another profile (`--profile`), for cross-checking a scenario on another implementation. */
function withProfile(s: Scenario, profile: ProfileName): Scenario | string {
  const r = resolveMachine({ ...s.machineOptions, profile });
  if (!r.ok) return r.problems.join('; ');
  return { ...s, machine: r.machine };
}

export function runScenarioText(
  text: string,
  file: string,
  profile?: ProfileName,
): { report?: RunReport; run?: ScenarioRun; errors?: string[] } {
  const loaded = loadScenario(text, file);
  if (!loaded.ok) return { errors: loaded.diagnostics.map(formatDiagnostic) };
  let sc = loaded.scenario;
  if (profile) {
    const w = withProfile(sc, profile);
    if (typeof w === 'string') return { errors: [`${file}: ${w}`] };
    sc = w;
  }
  const run = new ScenarioRun(sc);
  return { report: run.runAll(), run };
}

export function runCommand(args: string[]): number {
  const o = parseArgs(args);
  if (typeof o === 'string') {
    console.error(`giclab run: ${o}`);
    return 2;
  }
  let failed = false;
  let unreadable = false;
  const reports: RunReport[] = [];
  for (const file of o.files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      console.error(`${file}: cannot read: ${(e as Error).message}`);
      unreadable = true;
      continue;
    }
    const r = runScenarioText(text, file, o.profile);
    if (r.errors) {
      for (const e of r.errors) console.error(e);
      unreadable = true;
      continue;
    }
    const report = r.report!;
    reports.push(report);
    if (!report.passed) failed = true;
    if (o.json) continue;
    const m = r.run!.machine;
    console.log(`== ${report.title} (${file}, profile ${report.profile})`);
    for (const st of report.steps) {
      console.log(`-- step ${st.index + 1}: ${st.title}`);
      if (!o.quiet) for (let s = st.from; s < st.to; s++) console.log(`  #${s} ${explain(m.log.get(s)!)}`);
      for (const a of st.actions)
        if (!a.ok) console.log(`  ! line ${a.line}: '${a.text}' refused: ${a.message}`);
      for (const w of st.warnings) console.log(`  ! ${w}`);
      for (const x of st.expectations)
        console.log(`  ${x.ok ? 'ok  ' : 'FAIL'} ${x.text}${x.ok ? '' : `: ${x.message}`}`);
    }
    console.log(
      `${report.passed ? 'PASS' : 'FAIL'} ${file}: ${report.steps.reduce((n, s) => n + s.expectations.length, 0)} expectations, ${report.events} events\n`,
    );
  }
  if (o.json) console.log(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
  return unreadable ? 2 : failed ? 1 : 0;
}
