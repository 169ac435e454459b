/**
 * Generated files must match their generators: the conformance scenarios, the profile table and
 * the scenario JSON Schema. Run `npm run gen` after changing a generator's source.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, OUT_DIR, render } from './gen-conformance';
import { DOCS, profilesMarkdown, schemaJson } from './gen-docs';
import { INDEX, scenarioIndex } from './gen-index';
import { GIC_RULE_DOCS, GIC_RULES } from '../engine/gic/gic-rules';
import { ITS_RULE_DOCS, ITS_RULES } from '../engine/its/its-rules';

describe('generated files are up to date (npm run gen)', () => {
  it.each(CASES.map((c) => [c.file, c] as const))('public/scenarios/conformance/%s', (file, c) => {
    expect(readFileSync(join(OUT_DIR, file), 'utf8')).toBe(render(c));
  });

  it('docs/profiles.md', () => {
    expect(readFileSync(join(DOCS, 'profiles.md'), 'utf8')).toBe(profilesMarkdown());
  });

  it('docs/scenario.schema.json', () => {
    expect(readFileSync(join(DOCS, 'scenario.schema.json'), 'utf8')).toBe(schemaJson());
  });

  it('public/scenarios/index.json lists every scenario file, each of which loads', () => {
    expect(readFileSync(INDEX, 'utf8')).toBe(scenarioIndex());
  });
});

describe('every profile rule is documented', () => {
  it('has one row per GIC rule and per ITS rule', () => {
    expect(GIC_RULE_DOCS.map((d) => d.rule).sort()).toEqual(Object.keys(GIC_RULES.kvm).sort());
    expect(ITS_RULE_DOCS.map((d) => d.rule).sort()).toEqual(Object.keys(ITS_RULES.kvm).sort());
  });
});
