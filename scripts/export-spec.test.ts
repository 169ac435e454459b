/**
 * scripts/export-spec.ts: the shipped recordings in e2e/recorded/ are exactly what the exporter
 * writes for the scenario each carries (so they were made by it, and neither the generator nor
 * the model's history has drifted since), and a scenario file exports as the app would.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportFile, fromSpec } from './export-spec';

const RECORDED = 'e2e/recorded';
const specs = readdirSync(RECORDED).filter((f) => f.endsWith('.spec.ts'));

describe('export-spec', () => {
  it('ships two recordings: a sandbox session and a lesson', () => {
    expect(specs.sort()).toEqual([
      'map-dev0-to-lpi-8195-and-fire-it.spec.ts',
      'track2-why-inv-exists.spec.ts',
    ]);
  });

  for (const f of specs)
    it(`${f} is what the exporter writes for the scenario it carries`, () => {
      const path = `${RECORDED}/${f}`;
      const e = exportFile(path);
      expect(e.name).toBe(f);
      expect(e.failing).toBe(0);
      expect(e.spec).toBe(readFileSync(path, 'utf8'));
    });

  it('a lesson exports from its file, saying so, and carries the lesson as the app saves it', () => {
    const e = exportFile('public/scenarios/track2/2.3-why-inv-exists.json');
    expect(e).toMatchObject({ name: 'track2-why-inv-exists.spec.ts', steps: 8, failing: 0 });
    expect(e.spec).toContain(
      ' * Exported by: scripts/export-spec.ts from public/scenarios/track2/2.3-why-inv-exists.json.',
    );
    const carried = JSON.parse(fromSpec(e.spec).text) as Record<string, unknown>;
    const lesson = JSON.parse(
      readFileSync('public/scenarios/track2/2.3-why-inv-exists.json', 'utf8'),
    ) as Record<string, unknown>;
    delete lesson.$schema;
    expect(carried).toEqual(lesson);
  });

  it('the sandbox recording keeps where it came from: the browser, its lines and edits', () => {
    const { text, exportedBy } = fromSpec(
      readFileSync(`${RECORDED}/map-dev0-to-lpi-8195-and-fire-it.spec.ts`, 'utf8'),
    );
    expect(exportedBy).toBe(
      'GIC Lab in the browser (Export as e2e test), from sandbox.json, 8 console lines, 7 edits',
    );
    const doc = JSON.parse(text) as { steps: { title: string; narration?: string; actions?: string[] }[] };
    expect(doc.steps.map((s) => s.title)).toEqual([
      'Bring-up: the distributor, the CPU interfaces, LPIs and the ITS',
      'Map event 3 of dev0 to LPI 8195 on CPU 1',
      'dev0 fires: CPU 1 takes LPI 8195',
    ]);
    expect(doc.steps[1]!.actions).toHaveLength(5);
    expect(doc.steps.every((s) => s.narration)).toBe(true);
  });

  it('refuses what is not an exported spec', () => {
    expect(() => fromSpec("import { test } from '@playwright/test';")).toThrow(/not a spec GIC Lab exported/);
  });
});
