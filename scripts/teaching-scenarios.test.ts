/**
 * The teaching library of tracks 1 and 2 (../shared/domain/teaching-flows.md): every scenario in
 * public/scenarios/track1 and track2 loads, passes under its own profile, and its predictions are
 * answered by what the machine did; every row of the two tracks is there; and "Map and fire" tells
 * its story in the order the flow asks for.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../engine/scenario/loader';
import { ScenarioRun } from '../engine/scenario/runner';

const ROOT = join(import.meta.dirname, '..', 'public', 'scenarios');
const DIRS = ['track1', 'track2'];
const files = DIRS.flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${d}/${f}`),
);

interface TeachingFile {
  id: string;
  title: string;
  track?: string;
  summary?: string;
  goals?: string[];
  machine?: { profile?: string };
  steps: { title: string; narration?: string; predict?: unknown; expect?: string[] }[];
}
const read = (f: string): TeachingFile => JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as TeachingFile;

function run(file: string): ScenarioRun {
  const loaded = loadScenario(readFileSync(join(ROOT, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const r = new ScenarioRun(loaded.scenario);
  r.runAll();
  return r;
}

const failures = (r: ScenarioRun): string[] =>
  r.results.flatMap((s) => [
    ...s.actions.filter((a) => !a.ok).map((a) => `step ${s.index + 1} line ${a.line}: ${a.message}`),
    ...s.expectations.filter((x) => !x.ok).map((x) => `step ${s.index + 1} ${x.text}: ${x.message}`),
    ...s.warnings.map((w) => `step ${s.index + 1}: ${w}`),
  ]);

const TRACKS = ['1.1', '1.2', '1.3', '1.4', '1.5', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8'];

describe('teaching scenarios, tracks 1 and 2', () => {
  it('has every row of tracks 1 and 2, each file in the folder of its track', () => {
    const tracks = files.map((f) => read(f).track);
    expect([...new Set(tracks)].sort()).toEqual(TRACKS);
    for (const f of files) {
      const t = read(f).track!;
      expect(f.startsWith(`track${t.split('.')[0]}/${t}-`), f).toBe(true);
    }
  });

  it('has the titles "Map and fire" (2.2) and "Why INV exists" (2.3)', () => {
    const byTitle = new Map(files.map((f) => [read(f).title, read(f).track]));
    expect(byTitle.get('Map and fire')).toBe('2.2');
    expect(byTitle.get('Why INV exists')).toBe('2.3');
  });

  it('tells 2.5 (tearing down) on both KVM and QEMU', () => {
    const profiles = files.filter((f) => read(f).track === '2.5').map((f) => read(f).machine?.profile);
    expect(profiles.sort()).toEqual(['kvm', 'qemu']);
  });

  it.each(files)('%s is a lesson: summary, goals, a narrated title for every step', (file) => {
    const sc = read(file);
    expect(sc.summary?.length).toBeGreaterThan(0);
    expect(sc.goals?.length).toBeGreaterThan(0);
    expect(sc.machine?.profile).toMatch(/^(kvm|qemu|spec)$/);
    for (const s of sc.steps) {
      expect(s.title.length, file).toBeGreaterThan(0);
      expect(s.narration?.length, `${file}: ${s.title}`).toBeGreaterThan(0);
    }
  });

  it.each(['1.3', '2.3', '2.5', '2.8'])('track %s asks the learner to predict', (track) => {
    for (const f of files.filter((x) => read(x).track === track))
      expect(
        read(f).steps.some((s) => s.predict),
        f,
      ).toBe(true);
  });

  it.each(files)('%s passes under its own profile, and every prediction has an answer', (file) => {
    const r = run(file);
    expect(failures(r)).toEqual([]);
    expect(r.report().passed).toBe(true);
    const sc = read(file);
    for (const s of r.results)
      if (sc.steps[s.index]!.predict) expect(s.answer, `${file} step ${s.index + 1}`).toBeDefined();
  });

  it('Map and fire: MAPD, MAPC, MAPTI, SYNC from the queue, then a device MSI taken as LPI 8195 and EOIed', () => {
    const file = files.find((f) => read(f).title === 'Map and fire')!;
    const m = run(file).machine;
    const story: string[] = [];
    for (let s = 0; s < m.seq; s++) {
      const kind = m.log.kindAt(s);
      const e = m.log.get(s)!;
      const d = e.data as Record<string, unknown>;
      if (kind === 'its.cmd') story.push(`${String(d.command)}:${String(d.outcome)}`);
      else if (kind === 'pci.msi') story.push(`MSI from ${String(d.device)}`);
      else if (kind === 'icc.ack' && e.intid === 8195) story.push(`cpu${e.cpu} IAR 8195`);
      else if (kind === 'icc.eoi' && e.intid === 8195) story.push(`cpu${e.cpu} EOIR 8195`);
    }
    expect(story.slice(0, 8)).toEqual([
      'MAPD:ok',
      'MAPC:ok',
      'MAPTI:ok',
      'SYNC:ok',
      'MSI from nic0',
      'cpu1 IAR 8195',
      'cpu1 EOIR 8195',
      'MSI from nic0',
    ]);
  });
});
